// Each replaceable concept takes a new implementation from one file: this test is that
// file for all six kinds at once (a policy, a prefetcher, a sampler, a trace format, a
// workload and a link model), each registered with its macro exactly as
// docs/extending.md shows, and each then chosen by name in a config and run.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/links/link_model_registry.h"
#include "models/policies/register_policy.h"
#include "models/policies/slot_list.h"
#include "models/prefetchers/prefetcher_registry.h"
#include "models/tiers/topology.h"
#include "models/workloads/workload_registry.h"
#include "run/simulate.h"
#include "sim/config/config_node.h"
#include "sim/config/plugin_parameters.h"
#include "traces/generators/sampler_registry.h"
#include "traces/trace_format.h"

namespace throwaway {

using namespace tiersim;
using namespace tiersim::models;

// A policy: most recently used leaves first.
class Mru final : public EvictionPolicy {
 public:
  explicit Mru(const ConfigNode* parameters) { Parameters(parameters, {}); }
  void resize(uint32_t slots) override { links_.resize(slots); }
  void on_insert(Slot slot, const ObjectInfo&) override { links_.push_front(order_, slot); }
  void on_hit(Slot slot, const ObjectInfo&) override {
    links_.unlink(order_, slot);
    links_.push_front(order_, slot);
  }
  void on_remove(Slot slot) override { links_.unlink(order_, slot); }
  Slot victim(const EvictionGuard& guard) override {  // the newest allowed (a walk: a test needs no speed)
    Slot newest = kNoSlot;
    for (Slot s = order_.back; s != kNoSlot; s = links_.newer(s))
      if (guard.allows(s)) newest = s;
    return newest;
  }

 private:
  SlotLinks links_;
  SlotList order_;
};
TIERSIM_REGISTER_POLICY(Mru, "throwaway_mru", "most recently used first");

// A sampler: step s routes every layer to experts seed+k*s .. seed+k*s+k-1 (mod n), a cycle.
class CycleSampler final : public traces::Sampler {
 public:
  explicit CycleSampler(const traces::GeneratorSpec& spec) : spec_(spec) {}
  void begin_step(uint64_t step) override { step_ = step; }
  void sample_layer(uint32_t, std::vector<uint32_t>& experts) override {
    experts.clear();
    for (uint32_t i = 0; i < spec_.experts_per_step; ++i)
      experts.push_back(static_cast<uint32_t>((spec_.seed + step_ * spec_.experts_per_step + i) % spec_.n_experts));
    traces::sort_unique(experts);
  }

 private:
  traces::GeneratorSpec spec_;
  uint64_t step_ = 0;
};
TIERSIM_REGISTER_SAMPLER(CycleSampler, "throwaway_cycle", "experts in a fixed cycle", {});

// A prefetcher: the experts `shift` places further on in the cycle.
class ShiftPrefetcher final : public Prefetcher {
 public:
  ShiftPrefetcher(const ConfigNode* parameters, uint32_t) {
    const Parameters p(parameters, {"depth", "target", "shift", "n_experts"});
    shift_ = p.count("shift", 1, 1, 1 << 20);
    n_ = p.count("n_experts", 8, 1, 1 << 20);
  }
  void after_step(const StepAccesses& step, const std::deque<StepAccesses>&, std::vector<uint64_t>& wanted) override {
    for (const traces::Access& a : step)
      wanted.push_back(traces::Access::object_of(a.layer(), static_cast<uint32_t>((a.expert() + shift_) % n_)));
  }

 private:
  uint64_t shift_, n_;
};
TIERSIM_REGISTER_PREFETCHER(ShiftPrefetcher, "throwaway_shift", "the experts `shift` further on");

// A trace format: "step expert" per line, recognized by its .pairs extension.
class PairsReader final : public traces::TraceReader {
 public:
  explicit PairsReader(const std::string& path) : path_(path), in_(path) {}
  size_t read(traces::Access* out, size_t capacity) override {
    size_t n = 0;
    uint64_t step = 0;
    uint32_t expert = 0;
    while (n < capacity && in_ >> step >> expert) out[n++] = traces::Access{step, traces::Access::object_of(0, expert)};
    return n;
  }
  std::string source() const override { return path_; }

 private:
  std::string path_;
  std::ifstream in_;
};
TIERSIM_REGISTER_TRACE_FORMAT(
    throwaway_pairs, "throwaway_pairs", "step and expert per line", {},
    [](const std::string& path) -> std::unique_ptr<traces::TraceReader> { return std::make_unique<PairsReader>(path); },
    nullptr,
    [](const std::string& path, std::string_view) {
      return traces::path_ends_with(path, ".pairs") ? traces::Recognition::kByName : traces::Recognition::kNo;
    });

// A link model: every transfer takes exactly its latency, whatever its size, and none waits.
class FixedLink final : public ILink {
 public:
  FixedLink(sim::Simulator& simulator, const LinkSpec& spec) : simulator_(simulator), spec_(spec) {}
  void submit(const TransferRequest& request, TransferDone done, Priority) override {
    stats_.bytes += request.bytes;
    ++stats_.operations;
    stats_.latency.record(spec_.latency);
    simulator_.schedule_after(spec_.latency, done.fn, done.context, done.argument);
  }
  const LinkSpec& spec() const override { return spec_; }
  LinkStats stats() const override { return stats_; }

 private:
  sim::Simulator& simulator_;
  LinkSpec spec_;
  LinkStats stats_;
};
TIERSIM_REGISTER_LINK_MODEL(throwaway_fixed, "throwaway_fixed", "a fixed time per transfer", {"latency"},
                            [](sim::Simulator& simulator, const LinkSpec& spec) -> std::unique_ptr<ILink> {
                              return std::make_unique<FixedLink>(simulator, spec);
                            });

// A workload: `count` transfers of `bytes` over every link at once; reports when the last lands.
class PingSpec final : public WorkloadSpec {
 public:
  PingSpec(uint64_t bytes, uint64_t count) : bytes_(bytes), count_(count) {}
  WorkloadRun simulate(const TopologySpec& spec, const std::string&) const override {
    sim::Simulator simulator;
    Topology topology(simulator, spec);
    uint64_t delivered = 0;
    for (size_t l = 0; l < topology.link_count(); ++l)
      for (uint64_t i = 0; i < count_; ++i)
        topology.link(l).submit({bytes_, i, 0}, {[](void* c, uint64_t) { ++*static_cast<uint64_t*>(c); }, &delivered, 0});
    simulator.run();
    WorkloadRun run;
    run.row.add("delivered", delivered);
    run.row.add("sim_time_us", sim::to_seconds(simulator.now()) * 1e6);
    return run;
  }

 private:
  uint64_t bytes_, count_;
};
std::unique_ptr<WorkloadSpec> parse_ping(const ConfigNode& workload, const ConfigNode& root, uint64_t, TopologySpec& topology) {
  workload.allow_only({"type", "bytes", "count"});
  const uint64_t bytes = workload.at("bytes").as_bytes();
  topology = parse_topology(root, bytes);
  return std::make_unique<PingSpec>(bytes, workload.uint_or("count", 1, 1, 1'000'000));
}
TIERSIM_REGISTER_WORKLOAD(throwaway_ping, "throwaway_ping", "transfers over every link", &parse_ping);

}  // namespace throwaway

namespace {

using nlohmann::json;

tiersim::Metrics run(const json& config) { return tiersim::simulate_config(config, "test", ""); }

// GPU 4 slots, DRAM 8, disk; 8 experts in a cycle of 2 per step: every step misses an LRU
// GPU, and DRAM holds them all.
json cycle_config(const std::string& gpu_policy) {
  return json::parse(R"({
    "name": "plugins",
    "tiers": [{"name": "gpu", "capacity": 4, "policy": ")" + gpu_policy + R"("}, {"name": "cpu", "capacity": 8}, {"name": "disk"}],
    "links": [{"name": "h2d", "from": "cpu", "to": "gpu", "bandwidth": "1 GB/s"},
              {"name": "disk_read", "from": "disk", "to": "cpu", "bandwidth": "1 GB/s"}],
    "workload": {"type": "expert_replay", "mode": "inference", "expert_bytes": 1000000,
                 "generator": {"sampler": "throwaway_cycle", "n_experts": 8, "experts_per_step": 2, "steps": 100}}})");
}

}  // namespace

TEST_CASE("a sampler and a policy from one file each run in a config") {
  const tiersim::Metrics lru = run(cycle_config("lru"));
  CHECK(lru.number("accesses") == 200);
  CHECK(lru.number("gpu_misses") == 200);  // LRU thrashes on a cycle longer than the cache
  CHECK(lru.number("cpu_misses") == 8);
  const tiersim::Metrics mru = run(cycle_config("throwaway_mru"));
  CHECK(mru.number("gpu_misses") < 150);  // MRU keeps part of the cycle
}

TEST_CASE("a prefetcher from one file stages what it predicts") {
  json config = cycle_config("lru");
  config["workload"]["prefetch"] = {{"name", "throwaway_shift"}, {"depth", 1}, {"shift", 2}, {"n_experts", 8}};
  const tiersim::Metrics m = run(config);
  CHECK(m.number("prefetch_issued") > 0);
  CHECK(m.number("prefetch_useful") > 0);
  CHECK(m.number("gpu_misses") < run(cycle_config("lru")).number("gpu_misses"));
}

TEST_CASE("a trace format from one file is detected and read") {
  const std::string path = "throwaway_plugins_test.pairs";
  {
    std::ofstream out(path);
    for (int step = 0; step < 10; ++step) out << step << " " << step % 3 << "\n";
  }
  CHECK(std::string(tiersim::traces::format_name(tiersim::traces::detect_format(path))) == "throwaway_pairs");
  json config = cycle_config("lru");
  config["workload"].erase("generator");
  config["workload"]["trace"] = path;
  const tiersim::Metrics m = run(config);
  std::remove(path.c_str());
  CHECK(m.number("accesses") == 10);
  CHECK(m.number("gpu_misses") == 3);
}

TEST_CASE("a link model from one file carries a config's transfers") {
  json config = cycle_config("lru");
  config["links"][0] = {{"name", "h2d"}, {"from", "cpu"}, {"to", "gpu"}, {"model", "throwaway_fixed"}, {"bandwidth", "1 GB/s"},
                        {"latency", "5 ms"}};
  const tiersim::Metrics m = run(config);
  CHECK(m.number("h2d_transfers") == 200);
  CHECK(m.number("h2d_latency_p50_us") == doctest::Approx(5000).epsilon(0.01));
}

TEST_CASE("a workload from one file runs over the topology") {
  json config = cycle_config("lru");
  config["workload"] = {{"type", "throwaway_ping"}, {"bytes", "1 MB"}, {"count", 3}};
  const tiersim::Metrics m = run(config);
  CHECK(m.number("delivered") == 6);
  // Three 1 ms transfers queue on each 1 GB/s link: the last lands at 3 ms.
  CHECK(m.number("sim_time_us") == doctest::Approx(3000));
}
