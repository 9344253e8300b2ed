#include <doctest/doctest.h>

#include <map>
#include <set>

#include "sim/errors.h"
#include "traces/generators/generated_trace.h"
#include "traces/generators/sampler_registry.h"

using namespace tiersim::traces;

namespace {

std::vector<Access> generate(const GeneratorSpec& spec) {
  GeneratedTrace trace(spec);
  std::vector<Access> all, batch(1000);
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) all.insert(all.end(), batch.begin(), batch.begin() + n);
  return all;
}

GeneratorSpec spec_for(const std::string& sampler) {
  GeneratorSpec s;
  s.sampler = sampler;
  s.n_experts = 300;
  s.n_layers = 3;
  s.experts_per_step = 5;
  s.steps = 400;
  s.seed = 9;
  s.set("n_envs", 40);
  s.set("envs_per_batch", 2);
  return s;
}

}  // namespace

TEST_CASE("every sampler is deterministic per seed, in step order, distinct and sorted per layer") {
  for (const SamplerEntry* entry : SamplerRegistry::all()) {
    CAPTURE(entry->name);
    const GeneratorSpec spec = spec_for(entry->name);
    const std::vector<Access> a = generate(spec);
    const std::vector<Access> b = generate(spec);
    REQUIRE(a.size() == b.size());
    bool same = true;
    for (size_t i = 0; i < a.size(); ++i) same = same && a[i].object == b[i].object && a[i].step == b[i].step;
    CHECK(same);
    GeneratorSpec other = spec;
    other.seed = 10;
    const std::vector<Access> c = generate(other);
    bool differs = c.size() != a.size();
    for (size_t i = 0; !differs && i < a.size(); ++i) differs = a[i].object != c[i].object;
    CHECK(differs);
    std::set<uint64_t> steps;
    for (size_t i = 1; i < a.size(); ++i) {
      CHECK(a[i].step >= a[i - 1].step);
      if (a[i].step == a[i - 1].step && a[i].layer() == a[i - 1].layer()) CHECK(a[i].expert() > a[i - 1].expert());
      CHECK(a[i].expert() < spec.n_experts);
      CHECK(a[i].layer() < spec.n_layers);
    }
    for (const Access& x : a) steps.insert(x.step);
    CHECK(steps.size() == spec.steps);
  }
}

TEST_CASE("uniform routes exactly experts_per_step distinct experts per layer") {
  const std::vector<Access> a = generate(spec_for("uniform"));
  CHECK(a.size() == 400u * 3u * 5u);
}

TEST_CASE("episode keeps one environment's window for episode_len steps") {
  GeneratorSpec s = spec_for("episode");
  s.n_layers = 1;
  s.set("episode_len", 10);
  s.set("n_envs", 0);  // base = env id, as in the MoE prototype
  const std::vector<Access> a = generate(s);
  std::map<uint64_t, std::set<uint32_t>> per_episode;
  for (const Access& x : a) per_episode[x.step / 10].insert(x.expert());
  for (const auto& [episode, experts] : per_episode) {
    // All of an episode's experts lie within env_width (8) consecutive ids (mod n).
    bool fits_window = false;
    for (uint32_t start : experts) {
      bool all_in = true;
      for (uint32_t e : experts) all_in = all_in && (e + 300 - start) % 300 < 8;
      fits_window = fits_window || all_in;
    }
    CHECK(fits_window);
    CHECK(experts.size() <= 8);
  }
}

TEST_CASE("zipf favours low ranks") {
  GeneratorSpec s = spec_for("zipf");
  s.n_layers = 1;
  s.experts_per_step = 1;
  s.steps = 20000;
  s.set("zipf_alpha", 1.0);
  std::map<uint32_t, uint64_t> counts;
  for (const Access& x : generate(s)) ++counts[x.expert()];
  // Under Zipf(1) over 300 ranks, rank 1 has probability 1/H(300) ~ 0.159, rank 2 half that.
  CHECK(static_cast<double>(counts[0]) / 20000.0 == doctest::Approx(0.159).epsilon(0.08));
  CHECK(counts[0] > counts[1]);
  CHECK(counts[1] > counts[9]);
}

TEST_CASE("bad generator parameters are rejected") {
  GeneratorSpec s = spec_for("uniform");
  s.experts_per_step = 301;
  CHECK_THROWS_WITH_AS(GeneratedTrace{s}, doctest::Contains("experts_per_step (301) exceeds n_experts (300)"), tiersim::InputError);
  s = spec_for("nope");
  CHECK_THROWS_WITH_AS(GeneratedTrace{s}, doctest::Contains("unknown sampler"), tiersim::InputError);
}
