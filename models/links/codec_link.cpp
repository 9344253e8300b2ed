#include "models/links/codec_link.h"

#include <algorithm>
#include <cmath>

#include "sim/config/config_node.h"

namespace tiersim::models {

uint64_t CompressionSpec::stored_bytes(uint64_t raw) const {
  if (!enabled) return raw;
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(double(raw) / ratio)));
}

CompressionSpec parse_compression(const ConfigNode& c) {
  c.allow_only({"ratio", "encode", "decode", "channels"});
  CompressionSpec z;
  z.enabled = true;
  z.ratio = c.at("ratio").as_double(1.0, 1e6);
  z.encode_Bps = c.at("encode").as_bandwidth_Bps();
  z.decode_Bps = c.at("decode").as_bandwidth_Bps();
  z.channels = static_cast<uint32_t>(c.uint_or("channels", 1, 1, 1024));
  return z;
}

LinkSpec codec_link_spec(const std::string& name, uint64_t bandwidth_Bps, uint32_t channels) {
  LinkSpec spec;
  spec.name = name;
  spec.bandwidth_Bps = bandwidth_Bps;
  spec.channels = channels;
  spec.sharing = Sharing::kFifo;
  return spec;
}

CodecLink::CodecLink(std::unique_ptr<ILink> inner, ILink& codec, const CompressionSpec& compression, bool encode)
    : inner_(std::move(inner)), codec_(codec), compression_(compression), encode_(encode) {}

void CodecLink::submit(const TransferRequest& request, TransferDone done, Priority priority) {
  const uint32_t id = requests_.acquire();
  requests_[id] = Request{request, done, priority};
  // Encoding: raw bytes through the codec, then the stored ones over the link; decoding
  // the other way round.
  if (encode_) {
    submit_stage(codec_, id, request.bytes, &CodecLink::on_first_stage);
  } else {
    submit_stage(*inner_, id, compression_.stored_bytes(request.bytes), &CodecLink::on_first_stage);
  }
}

void CodecLink::submit_stage(ILink& link, uint32_t id, uint64_t bytes, sim::EventFn then) {
  const Request& r = requests_[id];
  link.submit(TransferRequest{bytes, r.request.key, r.request.offset}, TransferDone{then, this, id}, r.priority);
}

void CodecLink::on_first_stage(void* self, uint64_t id) {
  auto& link = *static_cast<CodecLink*>(self);
  const uint32_t i = static_cast<uint32_t>(id);
  const uint64_t raw = link.requests_[i].request.bytes;
  if (link.encode_) {
    link.submit_stage(*link.inner_, i, link.compression_.stored_bytes(raw), &CodecLink::on_second_stage);
  } else {
    link.submit_stage(link.codec_, i, raw, &CodecLink::on_second_stage);
  }
}

void CodecLink::on_second_stage(void* self, uint64_t id) {
  auto& link = *static_cast<CodecLink*>(self);
  const TransferDone done = link.requests_[static_cast<uint32_t>(id)].done;
  link.requests_.release(static_cast<uint32_t>(id));
  if (done.fn) done.fn(done.context, done.argument);
}

}  // namespace tiersim::models
