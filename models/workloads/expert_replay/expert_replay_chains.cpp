// The expert replay's chain executor: a step plan's phases, chains and moves carried out
// over the links (chunked where a move crosses several), and prefetches in the background.
#include "models/tiers/topology.h"
#include "models/workloads/expert_replay/expert_replay.h"
#include "sim/engine/simulator.h"

namespace tiersim::models {

// Starts a phase's transfers: all its chains at once (pipelined; links queue them as their
// channels allow) or the first one (serial; each finished chain starts the next). Links
// never complete a transfer synchronously, so this cannot re-enter pump().
void ExpertReplay::issue_phase(uint32_t index) {
  const PlannedPhase& planned = plan_.phases[index];
  PhaseProgress& phase = phases_[index];
  phase.issued = true;
  phase.pending = 0;
  for (uint32_t c = planned.first_chain; c < planned.end_chain; ++c) phase.pending += plan_.chains[c].background ? 0 : 1;
  // An object this layer needs may still be on its way into the first tier (a late
  // prefetch): wait for it. (One on its way into a lower tier is read by its own chain.)
  if (!in_flight_.empty()) {
    for (uint32_t i = planned.first_access; i < planned.end_access; ++i) {
      const uint32_t* chain = in_flight_.find(step_accesses_[i].object);
      if (!chain || background_[*chain].target_tier != 0) continue;
      std::vector<uint32_t>& waiting = background_[*chain].waiting_phases;
      if (!waiting.empty() && waiting.back() == index) continue;
      waiting.push_back(index);
      ++phase.pending;
      ++prefetch_late_;
    }
  }
  for (uint32_t c = planned.first_chain; c < planned.end_chain; ++c)
    if (plan_.chains[c].background) launch_background(c);
  phase.next_chain = next_demand_chain(planned.first_chain, planned.end_chain);
  if (phase.pending == 0) {
    phase.ready = true;
  } else if (concurrent_chains()) {
    for (uint32_t c = phase.next_chain; c < planned.end_chain; c = next_demand_chain(c + 1, planned.end_chain)) start_chain(c);
    phase.next_chain = planned.end_chain;
  } else if (phase.next_chain < planned.end_chain) {
    const uint32_t c = phase.next_chain;
    phase.next_chain = next_demand_chain(c + 1, planned.end_chain);
    start_chain(c);
  }
}

uint32_t ExpertReplay::next_demand_chain(uint32_t from, uint32_t end) const {
  while (from < end && plan_.chains[from].background) ++from;
  return from;
}

void ExpertReplay::launch_background(uint32_t chain) {
  const PlannedChain& planned = plan_.chains[chain];
  if (planned.first_move == planned.end_move) return;
  const uint32_t index = background_.acquire();
  BackgroundChain& bg = background_[index];
  bg.moves.clear();
  bg.links.clear();
  bg.waiting_phases.clear();
  bg.waiting_chains.clear();
  for (uint32_t m = planned.first_move; m < planned.end_move; ++m) {
    PlannedMove move = plan_.moves[m];
    const uint32_t first = static_cast<uint32_t>(bg.links.size());
    bg.links.insert(bg.links.end(), plan_.links.begin() + move.first_link, plan_.links.begin() + move.first_link + move.hops);
    move.first_link = first;
    bg.moves.push_back(move);
  }
  bg.key = planned.key;
  bg.target_tier = planned.target_tier;
  bg.target_slot = planned.target_slot;
  if (bg.target_tier != kNoTarget) in_flight_.insert(bg.key, index);
  bg.progress.next_move = 0;
  start_move(ChainRef{true, index});
}

void ExpertReplay::complete_background(uint32_t index) {
  BackgroundChain& bg = background_[index];
  if (bg.target_tier != kNoTarget) {
    // An oracle knows its prefetch is used within its window: below the first tier it
    // stays until then (in the first tier demand finds it within the step it was for).
    const bool hold = bg.target_tier > 0 && prefetcher_->lookahead_steps() > 0 &&
                      residency_.hold_until_used(bg.target_tier, bg.target_slot);
    if (!hold) topology_.tier(bg.target_tier).resident().unpin(bg.target_slot);
    in_flight_.erase(bg.key);
  }
  background_.release(index);
  for (uint32_t chain : bg.waiting_chains) start_chain(chain);
  bg.waiting_chains.clear();
  bool resume = false;
  for (uint32_t phase : bg.waiting_phases) {
    if (--phases_[phase].pending == 0) {
      phases_[phase].ready = true;
      resume = true;
    }
  }
  bg.waiting_phases.clear();
  if (resume) pump();
}

ExpertReplay::ChainProgress& ExpertReplay::progress(ChainRef chain) {
  return chain.background ? background_[chain.index].progress : chains_[chain.index];
}

const PlannedMove& ExpertReplay::current_move(ChainRef chain) {
  const uint32_t m = progress(chain).next_move;
  return chain.background ? background_[chain.index].moves[m] : plan_.moves[m];
}

uint32_t ExpertReplay::link_of(ChainRef chain, const PlannedMove& move, uint32_t hop) const {
  return chain.background ? background_[chain.index].links[move.first_link + hop] : plan_.links[move.first_link + hop];
}

void ExpertReplay::start_chain(uint32_t index) {
  // A miss on an object a prefetch is still staging into a tier below the first reads the
  // copy it is writing, once it lands; when the demand moves in chunks (which waiting
  // would serialise) and the prefetch's path is independent fifo servers, it reads the
  // object where the prefetch does instead, over the prefetch's path and then its own, at
  // demand priority and pipelined (the prefetch finishes in the background).
  if (!in_flight_.empty()) {
    const PlannedChain& chain = plan_.chains[index];
    for (uint32_t m = chain.first_move; m < chain.end_move; ++m) {
      const uint32_t* bg = in_flight_.find(plan_.moves[m].key);
      if (!bg) continue;
      if (!read_through_prefetch(m, background_[*bg])) {
        background_[*bg].waiting_chains.push_back(index);
        return;
      }
      ++prefetch_late_;
    }
  }
  chains_[index].next_move = plan_.chains[index].first_move;
  start_move(ChainRef{false, index});
}

bool ExpertReplay::read_through_prefetch(uint32_t move_index, const BackgroundChain& bg) {
  PlannedMove& move = plan_.moves[move_index];
  const bool fetch = move.kind == MoveKind::kFetch || move.kind == MoveKind::kPromote || move.kind == MoveKind::kServe;
  if (!fetch || bg.target_tier == 0 || bg.target_tier == kNoTarget) return false;
  if (topology_.link(plan_.links[move.first_link]).spec().from_tier != bg.target_tier) return false;
  const PlannedMove* staged = nullptr;
  for (const PlannedMove& m : bg.moves)
    if (m.kind == MoveKind::kPrefetch && m.key == bg.key) staged = &m;
  if (!staged) return false;
  // Waiting costs what pipelining would have saved: only a chunked move loses by it.
  if (spec_.chunk_bytes == 0 || move.bytes <= spec_.chunk_bytes) return false;
  // A second read is worth it only where it runs beside the first: on independent fifo
  // servers (S3 GETs, copy engines). On a shared link it would halve both; wait instead.
  for (uint32_t h = 0; h < staged->hops; ++h) {
    const LinkSpec& spec = topology_.link(bg.links[staged->first_link + h]).spec();
    if (spec.sharing != Sharing::kFifo || spec.channels < 2) return false;
  }
  const std::vector<uint32_t> own(plan_.links.begin() + move.first_link, plan_.links.begin() + move.first_link + move.hops);
  const uint32_t first = static_cast<uint32_t>(plan_.links.size());
  plan_.links.insert(plan_.links.end(), bg.links.begin() + staged->first_link, bg.links.begin() + staged->first_link + staged->hops);
  plan_.links.insert(plan_.links.end(), own.begin(), own.end());
  move.first_link = first;
  move.hops += staged->hops;
  return true;
}

uint64_t ExpertReplay::chunk_size(ChainRef ref, uint32_t chunk) {
  const ChainProgress& chain = progress(ref);
  const uint64_t bytes = current_move(ref).bytes;
  if (chain.chunks == 1) return bytes;
  return chunk + 1 < chain.chunks ? spec_.chunk_bytes : bytes - spec_.chunk_bytes * (chain.chunks - 1);
}

namespace {
// Event arguments: (chain index << 32) | (chunk << 5) | (background << 4) | hop; a move
// has at most 2^16 chunks (expert_replay_spec.cpp).
uint64_t hop_argument(uint32_t index, bool background, uint32_t hop, uint32_t chunk) {
  return (uint64_t{index} << 32) | (uint64_t{chunk} << 5) | (background ? 16u : 0u) | hop;
}
}  // namespace

// Sends every chunk of the chain's current move onto its first link; each chunk is passed
// on to the next link as it arrives (on_hop_done).
void ExpertReplay::start_move(ChainRef ref) {
  ChainProgress& chain = progress(ref);
  const PlannedMove& move = current_move(ref);
  const bool chunked = spec_.chunk_bytes > 0 && move.hops > 1 && move.bytes > spec_.chunk_bytes;
  chain.chunks = chunked ? static_cast<uint32_t>((move.bytes + spec_.chunk_bytes - 1) / spec_.chunk_bytes) : 1;
  chain.done_at_last = 0;
  chain.move_started = simulator_.now();
  ILink& first = topology_.link(link_of(ref, move, 0));
  const Priority priority = ref.background ? Priority::kBackground : Priority::kDemand;
  for (uint32_t c = 0; c < chain.chunks; ++c) {
    first.submit(TransferRequest{chunk_size(ref, c), move.key, uint64_t{c} * spec_.chunk_bytes},
                 TransferDone{&ExpertReplay::on_hop_done, this, hop_argument(ref.index, ref.background, 0, c)}, priority);
  }
}

void ExpertReplay::on_hop_done(void* self, uint64_t argument) {
  ExpertReplay& replay = *static_cast<ExpertReplay*>(self);
  const ChainRef ref{(argument & 16) != 0, static_cast<uint32_t>(argument >> 32)};
  const uint32_t hop = static_cast<uint32_t>(argument & 15);
  const uint32_t chunk = static_cast<uint32_t>((argument >> 5) & 0x7ffffff);
  ChainProgress& chain = replay.progress(ref);
  const PlannedMove& move = replay.current_move(ref);
  if (hop + 1 < move.hops) {
    // The chunk that arrived goes on (chunks may overtake each other on shared links).
    const TransferRequest request{replay.chunk_size(ref, chunk), move.key, uint64_t{chunk} * replay.spec_.chunk_bytes};
    replay.topology_.link(replay.link_of(ref, move, hop + 1))
        .submit(request, TransferDone{&ExpertReplay::on_hop_done, self, hop_argument(ref.index, ref.background, hop + 1, chunk)},
                ref.background ? Priority::kBackground : Priority::kDemand);
    return;
  }
  if (++chain.done_at_last < chain.chunks) return;
  replay.move_latency_[static_cast<uint32_t>(move.kind)].record(
      static_cast<uint64_t>(replay.simulator_.now() - chain.move_started));
  const uint32_t end_move = ref.background ? static_cast<uint32_t>(replay.background_[ref.index].moves.size())
                                           : replay.plan_.chains[ref.index].end_move;
  if (++chain.next_move < end_move) {
    replay.start_move(ref);
    return;
  }
  if (ref.background) {
    replay.complete_background(ref.index);
    return;
  }
  const uint32_t index = ref.index;
  const PlannedPhase& planned = replay.plan_.phases[replay.plan_.chains[index].phase];
  PhaseProgress& phase = replay.phases_[replay.plan_.chains[index].phase];
  if (!replay.concurrent_chains() && phase.next_chain < planned.end_chain) {
    const uint32_t c = phase.next_chain;
    phase.next_chain = replay.next_demand_chain(c + 1, planned.end_chain);
    replay.start_chain(c);
  }
  if (--phase.pending == 0) {
    phase.ready = true;
    replay.pump();
  }
}

}  // namespace tiersim::models
