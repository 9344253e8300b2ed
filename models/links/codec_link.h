#pragma once
// A tier that stores its objects compressed (config key "compression" on the backing
// tier): {"ratio": raw/stored, "encode": "4 GB/s", "decode": "8 GB/s", "channels": codec
// streams (1)}. Objects are encoded before they enter the tier and decoded after they
// leave it: a CodecLink around each link touching it moves the stored (compressed) bytes
// over that link and the raw bytes through the tier's encoder or decoder, two fifo links
// of `channels` streams shared by every link to or from the tier (named <tier>_encode and
// <tier>_decode in the results).
#include <cstdint>
#include <memory>

#include "models/links/i_link.h"
#include "sim/containers/index_pool.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct CompressionSpec {
  bool enabled = false;
  double ratio = 1;
  uint64_t encode_Bps = 0, decode_Bps = 0;
  uint32_t channels = 1;
  // What `raw` bytes take once stored (at least 1).
  uint64_t stored_bytes(uint64_t raw) const;
};

CompressionSpec parse_compression(const ConfigNode& node);

// The specs of a tier's encoder and decoder links.
LinkSpec codec_link_spec(const std::string& name, uint64_t bandwidth_Bps, uint32_t channels);

class CodecLink final : public ILink {
 public:
  // `encode`: the link writes into the compressed tier (the codec runs first); else it
  // reads out of it (the codec runs after).
  CodecLink(std::unique_ptr<ILink> inner, ILink& codec, const CompressionSpec& compression, bool encode);

  void submit(const TransferRequest& request, TransferDone done, Priority priority = Priority::kDemand) override;
  const LinkSpec& spec() const override { return inner_->spec(); }
  LinkStats stats() const override { return inner_->stats(); }
  LinkTotals totals() const override { return inner_->totals(); }
  uint64_t bytes_on_wire(uint64_t bytes) const override { return compression_.stored_bytes(bytes); }

 private:
  struct Request {
    TransferRequest request;  // raw bytes
    TransferDone done;
    Priority priority;
  };
  static void on_first_stage(void* self, uint64_t id);
  static void on_second_stage(void* self, uint64_t id);
  void submit_stage(ILink& link, uint32_t id, uint64_t bytes, sim::EventFn then);

  std::unique_ptr<ILink> inner_;
  ILink& codec_;
  CompressionSpec compression_;
  bool encode_;
  sim::IndexPool<Request> requests_;
};

}  // namespace tiersim::models
