#pragma once
// What one step must move, as decided by Residency and carried out by an executor (the
// simulated links, or later real copies): phases (runs of one layer's accesses, each
// followed by that layer's compute), chains (one miss each, its moves in order) and moves
// (one object crossing one or more consecutive links).
#include <cstdint>
#include <vector>

namespace tiersim::models {

struct PlannedMove {
  uint32_t first_link;  // into StepPlan::links
  uint32_t hops;
  uint64_t bytes;
  uint64_t key;         // the object moved
};

struct PlannedChain {
  uint32_t first_move, end_move;
  uint32_t phase;
};

struct PlannedPhase {
  uint32_t layer;
  uint32_t first_chain, end_chain;
};

struct StepPlan {
  uint64_t step = 0;
  std::vector<uint32_t> links;  // the links of all moves, in order
  std::vector<PlannedMove> moves;
  std::vector<PlannedChain> chains;
  std::vector<PlannedPhase> phases;

  void clear() {
    links.clear();
    moves.clear();
    chains.clear();
    phases.clear();
  }
  void begin_phase(uint32_t layer) {
    const uint32_t next = static_cast<uint32_t>(chains.size());
    phases.push_back(PlannedPhase{layer, next, next});
  }
  void begin_chain() {
    const uint32_t next = static_cast<uint32_t>(moves.size());
    chains.push_back(PlannedChain{next, next, static_cast<uint32_t>(phases.size() - 1)});
    phases.back().end_chain = static_cast<uint32_t>(chains.size());
  }
  void add_move(const uint32_t* path, uint32_t hops, uint64_t bytes, uint64_t key) {
    moves.push_back(PlannedMove{static_cast<uint32_t>(links.size()), hops, bytes, key});
    links.insert(links.end(), path, path + hops);
    chains.back().end_move = static_cast<uint32_t>(moves.size());
  }
};

}  // namespace tiersim::models
