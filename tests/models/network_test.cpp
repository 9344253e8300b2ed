#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "models/network/fabric.h"
#include "models/network/flow_network.h"
#include "models/network/max_min_share.h"
#include "models/network/redundancy.h"
#include "sim/config/config_node.h"
#include "sim/engine/simulator.h"
#include "sim/errors.h"

using namespace tiersim::models;

namespace {

FabricSpec two_stamps(uint32_t spines, double oversubscription = 1) {
  FabricSpec f;
  f.nodes_per_leaf = 2;
  f.rails = 2;
  f.leaves = 4;  // two stamps of two rails
  f.spines = spines;
  f.nodes = 4;
  f.leaf_ports = 2 + spines;
  f.oversubscription = oversubscription;
  f.nic_Bps = 100e9;
  f.hop_latency = 1 * sim::kMicrosecond;
  return f;
}

struct Arrivals {
  sim::Simulator* simulator;
  std::vector<sim::Time> at = std::vector<sim::Time>(8, -1);
};
void arrived(void* context, uint64_t flow) {
  auto* a = static_cast<Arrivals*>(context);
  a->at[flow] = a->simulator->now();
}

}  // namespace

TEST_CASE("max-min shares: a bottleneck caps its flows, the rest take what is left") {
  // Links 0 (10) and 1 (4); flow a on 0, b on 0 and 1, c on 1: b and c split link 1 (2
  // each), a takes link 0's remaining 8.
  const std::vector<double> r = max_min_rates({{{0}, 0}, {{0, 1}, 0}, {{1}, 0}}, {10, 4});
  CHECK(r[0] == doctest::Approx(8));
  CHECK(r[1] == doctest::Approx(2));
  CHECK(r[2] == doctest::Approx(2));
  // Equal links: everybody 5.
  const std::vector<double> even = max_min_rates({{{0}, 0}, {{0, 1}, 0}, {{1}, 0}}, {10, 10});
  for (double x : even) CHECK(x == doctest::Approx(5));
  // A flow's own cap leaves the rest to the others.
  const std::vector<double> capped = max_min_rates({{{0}, 1}, {{0}, 0}}, {10});
  CHECK(capped[0] == doctest::Approx(1));
  CHECK(capped[1] == doctest::Approx(9));
}

TEST_CASE("max-min shares are feasible and every flow has a full link (random cases)") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const uint32_t links = 1 + rng() % 6, flows = 1 + rng() % 10;
    std::vector<double> capacity;
    for (uint32_t l = 0; l < links; ++l) capacity.push_back(1 + rng() % 100);
    std::vector<SharedFlow> f(flows);
    for (SharedFlow& flow : f) {
      for (uint32_t l = 0; l < links; ++l)
        if (rng() % 2) flow.links.push_back(l);
      if (flow.links.empty()) flow.links.push_back(rng() % links);
    }
    const std::vector<double> r = max_min_rates(f, capacity);
    std::vector<double> used(links, 0);
    for (uint32_t i = 0; i < flows; ++i)
      for (uint32_t l : f[i].links) used[l] += r[i];
    for (uint32_t l = 0; l < links; ++l) CHECK(used[l] <= capacity[l] * (1 + 1e-9));
    // Max-min: each flow crosses a full link where it has the largest rate of all.
    for (uint32_t i = 0; i < flows; ++i) {
      bool bottlenecked = false;
      for (uint32_t l : f[i].links) {
        if (used[l] < capacity[l] * (1 - 1e-9)) continue;
        bool largest = true;
        for (uint32_t j = 0; j < flows; ++j)
          for (uint32_t m : f[j].links)
            if (m == l && r[j] > r[i] * (1 + 1e-9)) largest = false;
        bottlenecked = bottlenecked || largest;
      }
      CHECK(bottlenecked);
    }
  }
}

TEST_CASE("fabric paths follow the rail and cross the spine only where they must") {
  const Fabric fabric(two_stamps(2));
  const FabricPath same_stamp = fabric.path(0, 1, 0, 0);
  CHECK(same_stamp.links.size() == 2);
  CHECK_FALSE(same_stamp.crosses_spine);
  CHECK(same_stamp.latency == 2 * sim::kMicrosecond);
  const FabricPath other_stamp = fabric.path(0, 2, 1, 1);
  CHECK(other_stamp.links.size() == 4);
  CHECK(other_stamp.crosses_spine);
  CHECK(fabric.links()[other_stamp.links[1]].hop == HopClass::kSpine);
  const FabricPath other_rail = fabric.path(0, 1, 0, 1);
  CHECK(other_rail.crosses_spine);
  // Uplinks carry a leaf's downlink bandwidth over the oversubscription, split over spines.
  const Fabric thin(two_stamps(2, 2));
  CHECK(thin.links()[thin.uplink(0, 0)].capacity_Bps == doctest::Approx(100e9 * 2 / 2 / 2));
  // A failed spine link: the flow takes the other spine; both failed: unreachable.
  Fabric failing(two_stamps(2));
  const FabricPath before = failing.path(0, 2);
  const uint32_t spine = before.links[1] == failing.uplink(0, 0) ? 0 : 1;
  failing.set_link_up(failing.uplink(0, spine), false);
  bool reachable = false;
  const FabricPath after = failing.path(0, 2, 0, 0, &reachable);
  CHECK(reachable);
  CHECK(after.links[1] == failing.uplink(0, 1 - spine));
  failing.set_link_up(failing.uplink(0, 1 - spine), false);
  CHECK(failing.path(0, 2, 0, 0, &reachable).links.empty());
  CHECK_FALSE(reachable);
}

TEST_CASE("flows share a link max-min fairly as they come and go") {
  // One spine, no oversubscription: node 2's NIC (100 GB/s) is the bottleneck. A sends
  // 100 MB from 0 at t = 0; B 100 MB from 1 at 0.5 ms. A alone sends 50 MB by 0.5 ms, then
  // both get 50 GB/s: A ends at 1.5 ms; B, alone again, sends its last 50 MB by 2 ms. Each
  // arrives 4 hops (4 us) later.
  sim::Simulator simulator;
  const Fabric fabric(two_stamps(1));
  FlowNetwork net(simulator, fabric);
  Arrivals a{&simulator};
  net.start(fabric.path(0, 2), 100'000'000, TransferDone{&arrived, &a, 0});
  struct Later {
    FlowNetwork* net;
    const Fabric* fabric;
    Arrivals* a;
  } later{&net, &fabric, &a};
  simulator.schedule_at(500 * sim::kMicrosecond, [](void* c, uint64_t) {
    auto* l = static_cast<Later*>(c);
    l->net->start(l->fabric->path(1, 2), 100'000'000, TransferDone{&arrived, l->a, 1});
  }, &later);
  simulator.run();
  CHECK(a.at[0] == doctest::Approx(double(1504 * sim::kMicrosecond)).epsilon(1e-6));
  CHECK(a.at[1] == doctest::Approx(double(2004 * sim::kMicrosecond)).epsilon(1e-6));
  const std::vector<double> bytes = net.link_bytes();
  CHECK(bytes[fabric.nic_down(2, 0)] == doctest::Approx(200e6));
  CHECK(bytes[fabric.nic_up(0, 0)] == doctest::Approx(100e6));
}

TEST_CASE("fabric parameters that do not add up are refused with their key") {
  using nlohmann::json;
  auto error_of = [](const json& j) -> std::string {
    try {
      tiersim::models::parse_fabric(tiersim::ConfigNode(j, "fabric", "test.json"));
    } catch (const tiersim::InputError& e) {
      return e.what();
    }
    return "";
  };
  const json ok = {{"nodes_per_leaf", 8}, {"rails", 2}, {"leaves", 4}, {"spines", 2}, {"bandwidth", "50 GB/s"}};
  CHECK(error_of(ok).empty());
  const FabricSpec f = parse_fabric(tiersim::ConfigNode(ok, "fabric", "test.json"));
  CHECK(f.nodes == 16);  // two stamps of eight
  CHECK(f.stamps() == 2);
  json more = ok;
  more["nodes"] = 17;
  CHECK(error_of(more).find("fabric.nodes") != std::string::npos);
  CHECK(error_of(more).find("more than the leaves' ports hold") != std::string::npos);
  json odd = ok;
  odd["leaves"] = 3;
  CHECK(error_of(odd).find("fabric.leaves") != std::string::npos);
  json ports = ok;
  ports["leaf_ports"] = 9;
  CHECK(error_of(ports).find("fabric.leaf_ports") != std::string::npos);
  json under = ok;
  under["oversubscription"] = 0.5;
  CHECK(error_of(under).find("fabric.oversubscription") != std::string::npos);
  json alone = ok;
  alone.erase("spines");
  CHECK(error_of(alone).find("spines") != std::string::npos);
}

TEST_CASE("erasure coding and replicas: space, degraded reads and rebuilds by k + m arithmetic") {
  const uint64_t mb = 1'000'000;
  const Redundancy ec(RedundancySpec{1, 4, 2}, 8);  // 4 + 2 over 8 nodes
  CHECK(ec.piece_bytes(mb) == 250'000);
  CHECK(ec.stored_bytes(mb) == 1'500'000);
  CHECK(ec.write_amplification(mb) == doctest::Approx(1.5));
  CHECK(ec.piece_bytes(1'000'001) == 250'001);  // fragments round up
  const uint64_t key = 42;
  const std::vector<uint32_t> at = ec.placement(key);
  REQUIRE(at.size() == 6);
  std::vector<bool> alive(8, true);
  ReadPlan r = ec.read(key, mb, alive);
  CHECK(r.readable);
  CHECK_FALSE(r.degraded);
  CHECK(r.bytes == mb);  // k fragments
  alive[at[0]] = false;  // a data fragment gone: parity stands in
  alive[at[5]] = false;  // and a parity fragment
  r = ec.read(key, mb, alive);
  CHECK(r.readable);
  CHECK(r.degraded);
  CHECK(r.from.size() == 4);
  const RebuildTraffic t = ec.rebuild(key, mb, alive);
  CHECK(t.lost_pieces == 2);
  CHECK(t.read_bytes == mb);           // k fragments read once
  CHECK(t.written_bytes == 500'000);   // two fragments written
  alive[at[1]] = false;                // three of six gone: m = 2 cannot cover it
  CHECK_FALSE(ec.read(key, mb, alive).readable);
  CHECK(ec.rebuild(key, mb, alive).written_bytes == 0);

  const Redundancy three(RedundancySpec{3, 0, 0}, 4);
  CHECK(three.stored_bytes(mb) == 3 * mb);
  std::vector<bool> up(4, true);
  up[three.placement(7)[0]] = false;
  const ReadPlan other = three.read(7, mb, up);
  CHECK(other.readable);
  CHECK(other.degraded);  // read from the second replica
  CHECK(other.bytes == mb);
  CHECK(three.rebuild(7, mb, up).read_bytes == mb);
  CHECK(three.rebuild(7, mb, up).written_bytes == mb);
}

TEST_CASE("redundancy that needs more nodes than there are is refused with its key") {
  using nlohmann::json;
  auto error_of = [](const json& j, uint32_t nodes) -> std::string {
    try {
      parse_redundancy(tiersim::ConfigNode(j, "redundancy", "test.json"), nodes);
    } catch (const tiersim::InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of(json{{"erasure", {{"k", 4}, {"m", 2}}}}, 6).empty());
  CHECK(error_of(json{{"erasure", {{"k", 4}, {"m", 3}}}}, 6).find("redundancy.erasure") != std::string::npos);
  CHECK(error_of(json{{"replicas", 5}}, 4).find("redundancy.replicas") != std::string::npos);
  CHECK(error_of(json{{"replicas", 2}, {"erasure", {{"k", 2}, {"m", 1}}}}, 8).find("not both") != std::string::npos);
}
