#include "traces/kv/api_trace_stats.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <queue>

#include "sim/containers/flat_map.h"

namespace tiersim::traces {

namespace {

struct Held {
  uint64_t expiry_us = UINT64_MAX;  // UINT64_MAX: no TTL
};

// The unbounded store: what is held, and TTL expiries in time order.
class UnboundedStore {
 public:
  explicit UnboundedStore(ApiTraceStats& stats) : stats_(stats) {}
  void expire_until(uint64_t now_us) {
    while (!expiries_.empty() && expiries_.top().first <= now_us) {
      const auto [at, key] = expiries_.top();
      expiries_.pop();
      const Held* h = held_.find(key);
      if (!h || h->expiry_us != at) continue;
      held_.erase(key);
      ++stats_.expired_blocks;
    }
  }
  bool holds(uint64_t key) const { return held_.find(key) != nullptr; }
  void store(uint64_t key, const ApiCall& c, uint64_t now_us) {
    Held& h = held_.find_or_insert(key, Held{});
    if (c.has_ttl) retag(key, c, now_us);
    (void)h;
  }
  void retag(uint64_t key, const ApiCall& c, uint64_t now_us) {
    Held* h = held_.find(key);
    if (!h || !c.has_ttl) return;
    h->expiry_us = now_us + static_cast<uint64_t>(c.ttl_s * 1e6 + 0.5);
    expiries_.push({h->expiry_us, key});
  }
  bool erase(uint64_t key) { return held_.erase(key); }

 private:
  ApiTraceStats& stats_;
  sim::FlatMap<Held> held_;
  using Entry = std::pair<uint64_t, uint64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> expiries_;
};

}  // namespace

ApiTraceStats compute_api_trace_stats(const ApiTrace& trace) {
  ApiTraceStats s;
  UnboundedStore store(s);
  sim::FlatMap<uint8_t> seen;
  const KvTrace& calls = trace.requests;
  s.models = static_cast<uint32_t>(calls.models.names.size() - 1);
  s.instances = static_cast<uint32_t>(calls.instances.names.size() - 1);
  for (size_t i = 0; i < trace.calls.size(); ++i) {
    const ApiCall& c = trace.calls[i];
    const KvRequest& r = calls.requests[i];
    ++s.calls;
    ++s.op_calls[static_cast<uint32_t>(c.op)];
    store.expire_until(r.arrival_us);
    const uint64_t* ids = calls.blocks_of(r);
    bool prefix = true;
    for (uint32_t b = 0; b < r.blocks; ++b) {
      const uint64_t key = chunk_key(ids[b], 1, 0);
      switch (c.op) {
        case ApiOp::kLoad:
          ++s.load_blocks;
          prefix = prefix && store.holds(key);
          s.load_hit_blocks += prefix ? 1 : 0;
          break;
        case ApiOp::kStore:
          if (!store.holds(key)) ++s.stored_blocks;
          store.store(key, c, r.arrival_us);
          if (seen.find(key) == nullptr) {
            seen.insert(key, 1);
            ++s.unique_blocks;
            s.unique_tokens += calls.tokens_in_block(r, b);
          }
          break;
        case ApiOp::kDelete: s.deleted_blocks += store.erase(key) ? 1 : 0; break;
        case ApiOp::kSetTtl: store.retag(key, c, r.arrival_us); break;
        default: break;
      }
    }
  }
  if (!calls.requests.empty()) s.duration_s = double(calls.requests.back().arrival_us - calls.requests.front().arrival_us) / 1e6;
  return s;
}

std::string format_api_trace_stats(const ApiTraceStats& s, const std::string& name, double kv_bytes_per_token) {
  std::string out = name + ": the store's API, " + std::to_string(s.calls) + " calls over " + std::to_string(s.duration_s) + " s\n";
  for (uint32_t op = 0; op < kApiOps; ++op) {
    out += std::string("  ") + api_op_name(static_cast<ApiOp>(op)) + ": " + std::to_string(s.op_calls[op]) + "\n";
  }
  char line[256];
  std::snprintf(line, sizeof line, "  loads: %llu blocks; an unbounded store holds %.4f of them (deletes and TTLs honoured)\n",
                static_cast<unsigned long long>(s.load_blocks), s.load_hit_ratio());
  out += line;
  std::snprintf(line, sizeof line, "  stored: %llu blocks (%llu distinct, %llu tokens); deleted %llu, expired %llu\n",
                static_cast<unsigned long long>(s.stored_blocks), static_cast<unsigned long long>(s.unique_blocks),
                static_cast<unsigned long long>(s.unique_tokens), static_cast<unsigned long long>(s.deleted_blocks),
                static_cast<unsigned long long>(s.expired_blocks));
  out += line;
  if (kv_bytes_per_token > 0) {
    std::snprintf(line, sizeof line, "  working set: %.3f GB of KV\n", double(s.unique_tokens) * kv_bytes_per_token / 1e9);
    out += line;
  }
  if (s.models || s.instances) out += "  names: " + std::to_string(s.models) + " models, " + std::to_string(s.instances) + " instances\n";
  return out;
}

void api_trace_stats_to_json(const ApiTraceStats& s, double kv_bytes_per_token, nlohmann::ordered_json& out) {
  out["kind"] = "api";
  out["calls"] = s.calls;
  for (uint32_t op = 0; op < kApiOps; ++op) out[std::string(api_op_name(static_cast<ApiOp>(op))) + "_calls"] = s.op_calls[op];
  out["duration_s"] = s.duration_s;
  out["load_blocks"] = s.load_blocks;
  out["load_hit_blocks"] = s.load_hit_blocks;
  out["load_hit_ratio"] = s.load_hit_ratio();
  out["stored_blocks"] = s.stored_blocks;
  out["unique_blocks"] = s.unique_blocks;
  out["unique_tokens"] = s.unique_tokens;
  out["deleted_blocks"] = s.deleted_blocks;
  out["expired_blocks"] = s.expired_blocks;
  out["models"] = s.models;
  out["instances"] = s.instances;
  if (kv_bytes_per_token > 0) out["working_set_bytes"] = double(s.unique_tokens) * kv_bytes_per_token;
}

}  // namespace tiersim::traces
