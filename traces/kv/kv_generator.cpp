#include "traces/kv/kv_generator.h"

#include "traces/kv/kv_request_source.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <nlohmann/json.hpp>
#include <vector>

#include "sim/config/config_node.h"
#include "sim/containers/flat_map.h"
#include "sim/engine/random.h"

namespace tiersim::traces {

namespace {

LengthDistribution parse_length(const ConfigNode& node) {
  node.allow_only({"dist", "value", "mean", "cv", "min", "max"});
  LengthDistribution d;
  const std::string kind = node.at("dist").as_enum({"constant", "uniform", "exponential", "lognormal"});
  constexpr uint64_t kMaxTokens = 1u << 24;
  if (kind == "constant") {
    d.kind = LengthDistribution::Kind::kConstant;
    d.min = d.max = node.at("value").as_uint(0, kMaxTokens);
    return d;
  }
  d.min = node.uint_or("min", kind == "uniform" ? 0 : 1, 0, kMaxTokens);
  d.max = node.uint_or("max", kind == "uniform" ? 0 : kMaxTokens, 0, kMaxTokens);
  if (kind == "uniform") {
    d.kind = LengthDistribution::Kind::kUniform;
    d.min = node.at("min").as_uint(0, kMaxTokens);
    d.max = node.at("max").as_uint(0, kMaxTokens);
  } else {
    d.kind = kind == "exponential" ? LengthDistribution::Kind::kExponential : LengthDistribution::Kind::kLognormal;
    d.mean = node.at("mean").as_double(1, double(kMaxTokens));
    if (d.kind == LengthDistribution::Kind::kLognormal) d.cv = node.double_or("cv", 1.0, 0.01, 100);
  }
  if (d.max < d.min) node.at("max").fail("max " + std::to_string(d.max) + " is below min " + std::to_string(d.min));
  return d;
}

// Standard normal by Box-Muller: a fixed formula, so a seed gives the same numbers everywhere.
double normal(sim::Rng& rng) {
  const double u = 1.0 - rng.uniform01();  // (0, 1]
  const double v = rng.uniform01();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

double exponential(sim::Rng& rng, double mean) { return -mean * std::log(1.0 - rng.uniform01()); }

// Gamma(shape, 1) by Marsaglia and Tsang (shape < 1 boosted by u^(1/shape)).
double gamma(sim::Rng& rng, double shape) {
  if (shape < 1) return gamma(rng, shape + 1) * std::pow(1.0 - rng.uniform01(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1.0 - rng.uniform01();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

uint64_t sample_length(const LengthDistribution& d, sim::Rng& rng) {
  double x = 0;
  switch (d.kind) {
    case LengthDistribution::Kind::kConstant: return d.min;
    case LengthDistribution::Kind::kUniform: return d.min + rng.below(d.max - d.min + 1);
    case LengthDistribution::Kind::kExponential: x = exponential(rng, d.mean); break;
    case LengthDistribution::Kind::kLognormal: {
      const double sigma2 = std::log(1.0 + d.cv * d.cv);
      x = std::exp(std::log(d.mean) - sigma2 / 2 + std::sqrt(sigma2) * normal(rng));
      break;
    }
  }
  const double clamped = std::clamp(std::round(x), double(d.min), double(d.max));
  return static_cast<uint64_t>(clamped);
}

// A prompt is a list of segments (a system prompt, a turn's input, an answer), each a run
// of tokens with its own identity.
struct Segment {
  uint64_t id;
  uint64_t tokens;
};

struct Session {
  std::vector<Segment> segments;
  uint64_t tokens = 0;
};

// Zipf(s) over [0, n): a cumulative table (n is small: distinct system prompts).
class ZipfTable {
 public:
  ZipfTable(uint32_t n, double s) : cumulative_(n) {
    double sum = 0;
    for (uint32_t i = 0; i < n; ++i) cumulative_[i] = sum += 1.0 / std::pow(double(i + 1), s);
    for (double& c : cumulative_) c /= sum;
  }
  uint32_t sample(sim::Rng& rng) const {
    const double u = rng.uniform01();
    return static_cast<uint32_t>(std::upper_bound(cumulative_.begin(), cumulative_.end() - 1, u) - cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

}  // namespace

KvGeneratorSpec parse_kv_generator(const ConfigNode& node, uint64_t run_seed) {
  node.allow_only({"requests", "arrival", "input_tokens", "output_tokens", "system_prompts", "sessions", "max_prompt_tokens", "seed"});
  KvGeneratorSpec s;
  s.seed = node.uint_or("seed", run_seed);
  s.requests = node.at("requests").as_uint(1, uint64_t{1} << 32);
  const ConfigNode arrival = node.at("arrival");
  arrival.allow_only({"process", "rate", "cv"});
  s.bursty = arrival.at("process").as_enum({"poisson", "bursty"}) == "bursty";
  s.rate_per_s = arrival.at("rate").as_double(1e-6, 1e9);
  if (s.bursty) {
    s.arrival_cv = arrival.at("cv").as_double(1.0, 100.0);
  } else if (arrival.has("cv")) {
    arrival.at("cv").fail("\"cv\" shapes bursty arrivals only (Poisson gaps have cv 1)");
  }
  s.input_tokens = parse_length(node.at("input_tokens"));
  if (auto o = node.find("output_tokens")) {
    s.output_tokens = parse_length(*o);
  } else {
    s.output_tokens.min = s.output_tokens.max = 0;
  }
  if (auto p = node.find("system_prompts")) {
    p->allow_only({"count", "tokens", "share", "zipf"});
    s.system_prompts = static_cast<uint32_t>(p->at("count").as_uint(1, 1u << 20));
    s.system_prompt_tokens = static_cast<uint32_t>(p->at("tokens").as_uint(1, 1u << 24));
    s.system_prompt_share = p->double_or("share", 1.0, 0.0, 1.0);
    s.system_prompt_zipf = p->double_or("zipf", 1.0, 0.0, 10.0);
  }
  if (auto p = node.find("sessions")) {
    p->allow_only({"turns_mean", "max_open"});
    s.turns_mean = p->double_or("turns_mean", 1.0, 1.0, 1e6);
    s.max_open_sessions = static_cast<uint32_t>(p->uint_or("max_open", 1000, 1, 1u << 24));
  }
  s.max_prompt_tokens = node.uint_or("max_prompt_tokens", s.max_prompt_tokens, 1, 1u << 24);
  return s;
}

namespace {

// The generator's state between requests: its random streams, the open conversations and
// the prefix hashes seen (block ids in first-use order).
class GeneratedSource final : public KvRequestSource {
 public:
  GeneratedSource(const KvGeneratorSpec& spec, uint32_t block_tokens)
      : spec_(spec),
        block_tokens_(block_tokens),
        arrivals_(sim::Rng::derive(spec.seed, 1)),
        lengths_(sim::Rng::derive(spec.seed, 2)),
        choices_(sim::Rng::derive(spec.seed, 3)),
        prompts_(std::max<uint32_t>(spec.system_prompts, 1), spec.system_prompt_zipf),
        gap_mean_us_(1e6 / spec.rate_per_s),
        gamma_shape_(1.0 / (spec.arrival_cv * spec.arrival_cv)),
        p_follow_up_(1.0 - 1.0 / spec.turns_mean) {}

  bool next(KvTrace& trace) override {
    if (made_ == spec_.requests) return false;
    if (made_ > 0) clock_us_ += spec_.bursty ? gamma(arrivals_, gamma_shape_) * gap_mean_us_ * spec_.arrival_cv * spec_.arrival_cv
                                             : exponential(arrivals_, gap_mean_us_);
    ++made_;
    const uint64_t input = sample_length(spec_.input_tokens, lengths_);
    const uint64_t output = sample_length(spec_.output_tokens, lengths_);
    const size_t at = conversation(input);
    Session& session = sessions_[at];
    session.segments.push_back({next_segment_++, input});
    session.tokens += input;
    if (session.tokens == 0) {  // an empty prompt has nothing to cache
      session.segments.push_back({next_segment_++, 1});
      session.tokens = 1;
    }
    KvRequest request;
    request.arrival_us = static_cast<uint64_t>(std::llround(clock_us_));
    request.input_tokens = static_cast<uint32_t>(session.tokens);
    request.output_tokens = static_cast<uint32_t>(output);
    request.first_block = trace.block_end();
    request.blocks = static_cast<uint32_t>(blocks_for_tokens(session.tokens, block_tokens_));
    add_block_ids(session, request.blocks, trace);
    trace.requests.push_back(request);

    // The answer joins the conversation; the conversation may end here.
    if (output > 0) {
      session.segments.push_back({next_segment_++, output});
      session.tokens += output;
    }
    if (spec_.turns_mean <= 1.0 || choices_.uniform01() < 1.0 / spec_.turns_mean) {
      sessions_[at] = std::move(sessions_.back());
      sessions_.pop_back();
    }
    return true;
  }

 private:
  // Continues an open conversation, or starts one; its index.
  size_t conversation(uint64_t input) {
    size_t at = sessions_.size();
    if (!sessions_.empty() && choices_.uniform01() < p_follow_up_) {
      at = choices_.below(sessions_.size());
      if (sessions_[at].tokens + input > spec_.max_prompt_tokens) {  // the context is full: it ends
        sessions_[at] = std::move(sessions_.back());
        sessions_.pop_back();
        at = sessions_.size();
      }
    }
    if (at == sessions_.size()) {
      if (sessions_.size() >= spec_.max_open_sessions) {  // full: the first in the pool gives way
        sessions_.erase(sessions_.begin());
        --at;
      }
      Session fresh;
      if (spec_.system_prompts && choices_.uniform01() < spec_.system_prompt_share) {
        fresh.segments.push_back({prompts_.sample(choices_) + 1, spec_.system_prompt_tokens});
        fresh.tokens = spec_.system_prompt_tokens;
      }
      sessions_.push_back(std::move(fresh));
    }
    return at;
  }

  // Block b's id hashes every (segment, token range) piece up to its end.
  void add_block_ids(const Session& session, uint32_t blocks, KvTrace& trace) {
    uint64_t hash = 0x6b762d7472616365ull;
    size_t segment = 0;
    uint64_t offset = 0;  // into the current segment
    for (uint32_t b = 0; b < blocks; ++b) {
      uint64_t want = std::min<uint64_t>(block_tokens_, session.tokens - uint64_t(b) * block_tokens_);
      while (want > 0) {
        const Segment& s = session.segments[segment];
        const uint64_t take = std::min(want, s.tokens - offset);
        hash = sim::mix64(hash ^ sim::mix64(s.id * 0x9e3779b97f4a7c15ull + offset) ^ (take << 1));
        offset += take;
        want -= take;
        if (offset == s.tokens) {
          ++segment;
          offset = 0;
        }
      }
      trace.block_ids.push_back(dense_.find_or_insert(hash, dense_.size()));
    }
  }

  const KvGeneratorSpec spec_;
  const uint32_t block_tokens_;
  sim::Rng arrivals_, lengths_, choices_;
  const ZipfTable prompts_;
  const double gap_mean_us_, gamma_shape_, p_follow_up_;
  std::vector<Session> sessions_;             // open conversations
  uint64_t next_segment_ = uint64_t{1} << 32;  // below: system prompts
  sim::FlatMap<uint64_t> dense_;               // prefix hash -> block id in first-use order
  double clock_us_ = 0;
  uint64_t made_ = 0;
};

}  // namespace

std::unique_ptr<KvRequestSource> generated_source(const KvGeneratorSpec& spec, uint32_t block_tokens) {
  return std::make_unique<GeneratedSource>(spec, block_tokens);
}

KvTrace generate_kv_trace(const KvGeneratorSpec& spec, uint32_t block_tokens) {
  KvTrace trace;
  trace.block_tokens = block_tokens;
  trace.source = "generator";
  trace.requests.reserve(spec.requests);
  drain(*generated_source(spec, block_tokens), trace);
  return trace;
}

std::string kv_trace_to_jsonl(const KvTrace& trace) {
  std::string out;
  for (const KvRequest& r : trace.requests) {
    out += "{\"timestamp\": ";
    const uint64_t ms = r.arrival_us / 1000, frac = r.arrival_us % 1000;
    out += std::to_string(ms);
    if (frac) {
      char text[8];
      std::snprintf(text, sizeof text, ".%03llu", static_cast<unsigned long long>(frac));
      out += text;
    }
    out += ", \"input_length\": " + std::to_string(r.input_tokens) + ", \"output_length\": " + std::to_string(r.output_tokens) +
           ", \"hash_ids\": [";
    const uint64_t* ids = trace.blocks_of(r);
    for (uint32_t b = 0; b < r.blocks; ++b) {
      if (b) out += ", ";
      out += std::to_string(ids[b]);
    }
    out += "]}\n";
  }
  return out;
}

}  // namespace tiersim::traces
