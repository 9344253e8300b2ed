#include "models/workloads/expert_replay/expert_replay.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "models/tiers/topology.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/engine/simulator.h"
#include "trace_fixtures.h"

using namespace tiersim;
using namespace tiersim::models;
using nlohmann::json;
using testing::expert_access;

namespace {

constexpr uint64_t kBytes = 1'000'000;  // 1 MB experts

// Three tiers like the MoE prototype's, with round numbers: h2d 1 GB/s (1 ms per expert), disk read
// 0.5 GB/s + 1 ms overhead (3 ms), disk write 1 GB/s (1 ms), d2h 1 GB/s (1 ms).
json three_tiers(uint64_t gpu, uint64_t cpu) {
  return json::parse(R"({
    "tiers": [{"name": "gpu", "capacity": )" + std::to_string(gpu) + R"(}, {"name": "cpu", "capacity": )" +
                     std::to_string(cpu) + R"(}, {"name": "disk"}],
    "links": [
      {"name": "h2d", "from": "cpu", "to": "gpu", "bandwidth": "1 GB/s"},
      {"name": "d2h", "from": "gpu", "to": "cpu", "bandwidth": "1 GB/s"},
      {"name": "disk_read", "from": "disk", "to": "cpu", "bandwidth": "0.5 GB/s", "per_io_overhead": "1 ms"},
      {"name": "disk_write", "from": "cpu", "to": "disk", "bandwidth": "1 GB/s"}
    ]})");
}

struct Run {
  Metrics metrics;
  double value(const std::string& name) const {
    const Metrics::Value* v = metrics.find(name);
    REQUIRE(v != nullptr);
    if (auto* u = std::get_if<uint64_t>(v)) return static_cast<double>(*u);
    return std::get<double>(*v);
  }
};

Run replay(const json& config, ExpertReplaySpec spec, std::vector<traces::Access> accesses) {
  const ConfigNode root(config, "", "test");
  spec.expert_bytes = kBytes;
  sim::Simulator simulator;
  Topology topology(simulator, parse_topology(root, kBytes, spec.mode == ExpertReplaySpec::Mode::kTraining));
  testing::VectorTrace trace(std::move(accesses));
  ExpertReplay r(simulator, topology, spec, trace);
  r.run();
  return Run{r.metrics()};
}

}  // namespace

TEST_CASE("serial: a cold miss costs the disk read plus the copy to the GPU") {
  ExpertReplaySpec spec;
  const Run r = replay(three_tiers(4, 8), spec, {expert_access(0, 0, 1)});
  CHECK(r.value("step_time_mean_us") == doctest::Approx(4000.0));  // 3 ms disk read + 1 ms h2d
  CHECK(r.value("stall_fraction") == 1.0);
  CHECK(r.value("gpu_misses") == 1);
  CHECK(r.value("cpu_misses") == 1);
  CHECK(r.value("disk_reads") == 1);
}

TEST_CASE("serial vs pipelined: the next layer's experts load during this layer's compute") {
  ExpertReplaySpec spec;
  spec.compute_per_layer = 5 * sim::kMillisecond;
  const std::vector<traces::Access> step{expert_access(0, 0, 1), expert_access(0, 1, 1)};
  const Run serial = replay(three_tiers(4, 8), spec, step);
  // (4 ms load + 5 ms compute) per layer.
  CHECK(serial.value("step_time_mean_us") == doctest::Approx(18000.0));
  CHECK(serial.value("stall_time_s") == doctest::Approx(0.008));
  spec.overlap = ExpertReplaySpec::Overlap::kPipelined;
  const Run pipelined = replay(three_tiers(4, 8), spec, step);
  // Layer 0 loads (4 ms), then layer 1 loads during layer 0's 5 ms compute: 4 + 5 + 5.
  CHECK(pipelined.value("step_time_mean_us") == doctest::Approx(14000.0));
  CHECK(pipelined.value("stall_time_s") == doctest::Approx(0.004));
  CHECK(pipelined.value("gpu_misses") == serial.value("gpu_misses"));
}

TEST_CASE("pipelined: transfers of one layer share links according to their channels") {
  ExpertReplaySpec spec;
  spec.overlap = ExpertReplaySpec::Overlap::kPipelined;
  const std::vector<traces::Access> step{expert_access(0, 0, 1), expert_access(0, 0, 2)};
  // One channel each: reads at 0-3 and 3-6 ms, copies at 3-4 and 6-7 ms.
  CHECK(replay(three_tiers(4, 8), spec, step).value("step_time_mean_us") == doctest::Approx(7000.0));
  json two_channels = three_tiers(4, 8);
  for (auto& link : two_channels["links"]) link["channels"] = 2;
  // Both reads in parallel (0-3 ms), both copies in parallel (3-4 ms).
  CHECK(replay(two_channels, spec, step).value("step_time_mean_us") == doctest::Approx(4000.0));
}

TEST_CASE("training: dirty GPU victims go to DRAM, dirty DRAM victims to disk, and the rest is flushed") {
  ExpertReplaySpec spec;
  spec.mode = ExpertReplaySpec::Mode::kTraining;
  // GPU holds 1, DRAM holds 1. Steps use experts 1, 2, 3 in turn.
  const Run r = replay(three_tiers(1, 1), spec, {expert_access(0, 0, 1), expert_access(1, 0, 2), expert_access(2, 0, 3)});
  CHECK(r.value("gpu_writebacks") == 2);  // 1 then 2 leave the GPU dirty
  CHECK(r.value("d2h_transfers") == 2);
  // Step 1: dirty 1 is written back over DRAM's clean copy of 1; reading 2 from disk then
  // evicts that dirty 1 to disk. Step 2: the same with 2 and 3.
  CHECK(r.value("disk_write_transfers") == 2);
  CHECK(r.value("gpu_dirty_at_end") == 1);
  CHECK(r.value("flush_d2h_objects") == 1);
  CHECK(r.value("flush_disk_write_objects") == 1);
}

TEST_CASE("a step with more distinct experts than GPU slots is an error") {
  ExpertReplaySpec spec;
  CHECK_THROWS_WITH_AS(replay(three_tiers(2, 8), spec, {expert_access(0, 0, 1), expert_access(0, 0, 2), expert_access(0, 0, 3)}),
                       doctest::Contains("step 0 uses 3 distinct experts but tier \"gpu\" holds only 2"), InputError);
}

TEST_CASE("four tiers with S3 behind NVMe, and a direct NVMe-to-HBM link") {
  json config = json::parse(R"({
    "tiers": [{"name": "hbm", "capacity": 2}, {"name": "dram", "capacity": 4}, {"name": "nvme", "capacity": 8},
              {"name": "s3"}],
    "links": [
      {"name": "pcie", "from": "dram", "to": "hbm", "bandwidth": "1 GB/s"},
      {"name": "gds", "from": "nvme", "to": "hbm", "bandwidth": "1 GB/s"},
      {"name": "nvme_read", "from": "nvme", "to": "dram", "bandwidth": "1 GB/s"},
      {"name": "s3_get", "from": "s3", "to": "nvme", "bandwidth": "0.1 GB/s", "latency": "20 ms", "channels": 8,
       "sharing": "shared"}
    ]})");
  ExpertReplaySpec spec;
  const Run r = replay(config, spec, {expert_access(0, 0, 1), expert_access(1, 0, 2), expert_access(2, 0, 3),
                                      expert_access(3, 0, 1)});
  // Misses go S3 -> NVMe -> HBM over GPUDirect, never through DRAM.
  CHECK(r.value("s3_get_transfers") == 3);
  CHECK(r.value("gds_transfers") == 4);  // the fourth access finds expert 1 on NVMe
  CHECK(r.value("pcie_transfers") == 0);
  CHECK(r.value("dram_inserts") == 0);
  CHECK(r.value("nvme_hits") == 1);
  CHECK(r.value("s3_reads") == 3);
  // 10 ms + 20 ms latency from S3, then 1 ms to HBM.
  CHECK(r.value("step_time_max_us") == doctest::Approx(31000.0).epsilon(0.001));
}

TEST_CASE("topology errors name the JSON path and the fix") {
  json config = three_tiers(4, 8);
  config["links"].erase(1);  // no d2h
  const ConfigNode root(config, "", "c.json");
  sim::Simulator simulator;
  CHECK_THROWS_WITH_AS(Topology(simulator, parse_topology(root, kBytes, true)),
                       doctest::Contains("add a link from \"gpu\" to \"cpu\""), InputError);
  CHECK_NOTHROW(Topology(simulator, parse_topology(root, kBytes, false)));  // inference never writes back

  json no_up = three_tiers(4, 8);
  no_up["links"].erase(0);
  const ConfigNode root2(no_up, "", "c.json");
  CHECK_THROWS_WITH_AS(Topology(simulator, parse_topology(root2, kBytes, false)),
                       doctest::Contains("no link moves objects up from tier \"cpu\""), InputError);

  json bad = three_tiers(0, 8);
  const ConfigNode root3(bad, "", "c.json");
  CHECK_THROWS_WITH_AS(parse_topology(root3, kBytes), doctest::Contains("tiers[0].capacity: expected an integer in [1"), InputError);

  json bytes = three_tiers(4, 8);
  bytes["tiers"][0]["capacity"] = "2.5 MB";
  const ConfigNode root4(bytes, "", "c.json");
  CHECK(parse_topology(root4, kBytes).tiers[0].capacity.objects == 2);
  bytes["tiers"][0]["policy"] = "nope";
  const ConfigNode root5(bytes, "", "c.json");
  CHECK_THROWS_WITH_AS(parse_topology(root5, kBytes), doctest::Contains("unknown eviction policy \"nope\"; expected one of: 2q, arc, belady, clock, fifo, lfu, lru"),
                       InputError);
}

TEST_CASE("a step of 200,000 alternating layers and a million all-hit steps run without recursion") {
  ExpertReplaySpec spec;
  std::vector<traces::Access> one_step;
  for (uint32_t i = 0; i < 200000; ++i) one_step.push_back(expert_access(0, i % 2, 1));
  const Run wide = replay(three_tiers(4, 8), spec, one_step);
  CHECK(wide.value("gpu_hits") == 199998);
  std::vector<traces::Access> many_steps;
  for (uint64_t s = 0; s < 1000000; ++s) many_steps.push_back(expert_access(s, 0, 1));
  spec.overlap = ExpertReplaySpec::Overlap::kPipelined;
  const Run long_run = replay(three_tiers(4, 8), spec, many_steps);
  CHECK(long_run.value("steps") == 1000000);
  CHECK(long_run.value("gpu_misses") == 1);
}

TEST_CASE("chunked moves pipeline across links; single-link moves are never split") {
  json config = three_tiers(4, 8);
  config["links"][2].erase("per_io_overhead");  // disk read: 2 ms per MB, h2d: 1 ms per MB
  ExpertReplaySpec spec;
  const std::vector<traces::Access> cold{expert_access(0, 0, 1)};
  CHECK(replay(config, spec, cold).value("step_time_mean_us") == doctest::Approx(3000.0));
  spec.chunk_bytes = 250'000;
  const Run chunked = replay(config, spec, cold);
  // Four chunks: reads end at 0.5, 1.0, 1.5, 2.0 ms; each copy takes 0.25 ms after its read.
  CHECK(chunked.value("step_time_mean_us") == doctest::Approx(2250.0));
  CHECK(chunked.value("disk_read_transfers") == 4);
  CHECK(chunked.value("h2d_transfers") == 4);
  CHECK(chunked.value("h2d_bytes") == kBytes);
  // An uneven split keeps every byte: 300 + 300 + 300 + 100 KB. Reads end at 0.6, 1.2,
  // 1.8 and 2.0 ms; copies take 0.3 ms (0.1 for the last), so the last waits until 2.1.
  spec.chunk_bytes = 300'000;
  const Run uneven = replay(config, spec, cold);
  CHECK(uneven.value("disk_read_bytes") == kBytes);
  CHECK(uneven.value("h2d_transfers") == 4);
  CHECK(uneven.value("step_time_mean_us") == doctest::Approx(2200.0));
  // A DRAM hit crosses one link only: not chunked.
  const Run hit = replay(config, spec, {expert_access(0, 0, 1), expert_access(1, 0, 2), expert_access(2, 0, 3),
                                         expert_access(3, 0, 4), expert_access(4, 0, 5), expert_access(5, 0, 1)});
  CHECK(hit.value("cpu_hits") == 1);
  CHECK(hit.value("h2d_transfers") == 5 * 4 + 1);
}

TEST_CASE("chunks of one object fetch in parallel over a shared link with several connections") {
  json config = json::parse(R"({
    "tiers": [{"name": "hbm", "capacity": 2}, {"name": "dram", "capacity": 4}, {"name": "s3"}],
    "links": [
      {"name": "pcie", "from": "dram", "to": "hbm", "bandwidth": "100 GB/s"},
      {"name": "s3_get", "from": "s3", "to": "dram", "bandwidth": "1 GB/s", "latency": "10 ms", "channels": 4,
       "sharing": "shared"}
    ]})");
  ExpertReplaySpec spec;
  spec.chunk_bytes = 250'000;
  const Run r = replay(config, spec, {expert_access(0, 0, 1)});
  // The four ranges share 1 GB/s (1 ms together) and pay one 10 ms latency in parallel,
  // arriving together at 11 ms; they then cross PCIe one after another, 2.5 us each.
  CHECK(r.value("step_time_mean_us") == doctest::Approx(11010.0));
  CHECK(r.value("s3_get_transfers") == 4);
}
