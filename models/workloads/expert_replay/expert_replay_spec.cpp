#include "models/workloads/expert_replay/expert_replay_spec.h"


#include <nlohmann/json.hpp>

#include "models/prefetchers/prefetcher_registry.h"
#include "sim/config/config_node.h"
#include "traces/trace_source.h"
#include "sim/errors.h"
#include "traces/generators/environment_routing.h"
#include "traces/generators/generated_trace.h"
#include "models/workloads/expert_replay/training/token_batches.h"

namespace tiersim::models {

namespace {

PrefetchSpec parse_prefetch(const ConfigNode& node) {
  PrefetchSpec spec;
  const ConfigNode name = node.is_object() ? node.at("name") : node;
  spec.name = name.as_string();
  const PrefetcherEntry* entry = PrefetcherRegistry::find(spec.name);
  if (spec.name == "none") {
    if (node.is_object()) node.allow_only({"name"});  // nothing else applies to no prefetching
    return spec;
  }
  if (!entry) {
    name.fail("unknown prefetcher \"" + spec.name + "\"; expected one of: none, " + PrefetcherRegistry::names());
  }
  nlohmann::json own = nlohmann::json::object();  // the prefetcher's own parameters
  if (node.is_object()) {
    spec.depth = static_cast<uint32_t>(node.uint_or("depth", 1, 1, 4096));
    if (auto target = node.find("target")) {
      spec.target = target->as_string();
      spec.target_path = node.source() + ": " + target->path();
    }
    if (auto budget = node.find("budget_per_step")) spec.budget_per_step = budget->as_bytes();
    if (auto bandwidth = node.find("bandwidth")) spec.bandwidth_Bps = bandwidth->as_bandwidth_Bps();
    if (auto throttle = node.find("throttle")) spec.feedback_throttle = throttle->as_enum({"feedback", "none"}) == "feedback";
    spec.compare_with_none = node.bool_or("compare", true);
    for (const auto& [key, value] : node.raw().items()) {
      if (key != "depth" && key != "target" && key != "budget_per_step" && key != "bandwidth" && key != "throttle" && key != "compare") {
        own[key] = value;
      }
    }
  }
  const auto parameters = node.is_object() ? std::make_shared<const nlohmann::json>(own) : nullptr;
  spec.make = [entry, parameters, path = node.path(), source = node.source(), depth = spec.depth] {
    if (!parameters) return entry->make(nullptr, depth);
    const ConfigNode node(*parameters, path, source);
    return entry->make(&node, depth);
  };
  spec.make();  // its parameters are checked now, not when the run starts
  return spec;
}

// "model", "gpu" and the batch: compute from the model's shape.
void parse_compute(const ConfigNode& workload, ExpertReplaySpec& spec, std::optional<ModelShape>& model) {
  if (auto m = workload.find("model")) model = parse_model_shape(*m);
  spec.batch_tokens = static_cast<uint32_t>(workload.uint_or("batch_tokens", 1, 1, 1u << 24));
  spec.context_tokens = workload.uint_or("context_tokens", 0, 0, 1ull << 32);
  if (auto stage = workload.find("stage")) spec.prefill_stage = stage->as_enum({"decode", "prefill"}) == "prefill";
  const std::optional<ConfigNode> gpu = workload.find("gpu");
  if (!gpu) return;
  if (!model) gpu->fail("a GPU needs the model it runs: add \"model\" (a preset such as \"mixtral_8x7b\", or its shape)");
  std::string missing;
  if (!model->has_compute_shape(&missing)) {
    workload.at("model").fail("the roofline needs the model's \"" + missing + "\" (or a preset: " + model_preset_names() + ")");
  }
  if (!model->is_moe()) workload.at("model").fail("an expert replay needs an MoE model (\"experts\" and \"expert_ff\")");
  spec.roofline.emplace(*model, parse_gpu_profile(*gpu));
}

// A training block sets the compute, the expert's size and the mode itself.
void check_training_keys(const ConfigNode& workload, ExpertReplaySpec& spec) {
  for (const char* key : {"compute_per_layer", "model", "gpu", "expert_bytes", "batch_tokens", "stage", "context_tokens"}) {
    if (workload.has(key)) {
      workload.at(key).fail(std::string("a training block computes this itself (from training.d_model, d_hidden, dtype, "
                                        "optimizer and gpu); remove \"") + key + "\"");
    }
  }
  if (auto mode = workload.find("mode"); mode && mode->as_string() != "training") mode->fail("a training block needs \"mode\": \"training\"");
  spec.mode = ExpertReplaySpec::Mode::kTraining;
  const TrainingSpec& t = *spec.training;
  if (!t.evict_safe.enabled) return;
  const ConfigNode evict = workload.at("training").at("evict_safe");
  if (workload.has("warm_tier")) evict.fail("evict-safe backward does not combine with the warm-tier protocol");
  if (auto protect = workload.find("protect"); protect && protect->as_string() == "step") {
    evict.fail("evict-safe backward spares only the expert in use; \"protect\": \"step\" contradicts it");
  }
  if (auto prefetch = workload.find("prefetch")) {
    const ConfigNode name = prefetch->is_object() ? prefetch->at("name") : *prefetch;
    if (name.is_string() && name.as_string() == "next_layer") evict.fail("evict-safe backward does not combine with the next_layer prefetcher");
  }
}

}  // namespace

ExpertReplaySpec parse_expert_replay(const ConfigNode& workload, uint64_t run_seed) {
  workload.reject_renamed("seed001_counters", "\"bench_cache_counters\"");
  workload.allow_only({"type", "mode", "overlap", "compute_per_layer", "expert_bytes", "chunk_bytes", "trace", "generator",
                     "bench_cache_counters", "prefetch", "timeseries_interval", "timeseries_max_rows", "warm_tier", "check_invariants", "model", "gpu",
                     "batch_tokens", "stage", "context_tokens", "protect", "training"});
  ExpertReplaySpec spec;
  workload.at("type").as_enum({"expert_replay"});
  if (auto training = workload.find("training")) spec.training = parse_training(*training, nullptr);
  if (auto mode = workload.find("mode")) {
    spec.mode = mode->as_enum({"inference", "training"}) == "training" ? ExpertReplaySpec::Mode::kTraining
                                                                        : ExpertReplaySpec::Mode::kInference;
  }
  if (auto overlap = workload.find("overlap")) {
    spec.overlap = overlap->as_enum({"serial", "pipelined"}) == "pipelined" ? ExpertReplaySpec::Overlap::kPipelined
                                                                             : ExpertReplaySpec::Overlap::kSerial;
  }
  if (spec.training) check_training_keys(workload, spec);
  std::optional<ModelShape> model;
  parse_compute(workload, spec, model);
  spec.compute_per_layer = workload.duration_or("compute_per_layer", 0);
  if (workload.has("compute_per_layer")) spec.roofline.reset();  // hand-set costs override
  if (spec.training) {
    spec.expert_bytes = spec.training->object_bytes();
  } else if (auto bytes = workload.find("expert_bytes")) {
    spec.expert_bytes = bytes->as_bytes();
    if (spec.expert_bytes == 0) bytes->fail("expert_bytes must be greater than zero, got " + bytes->describe());
  } else if (model && model->expert_bytes() > 0) {
    spec.expert_bytes = model->expert_bytes();
  } else {
    workload.fail(model ? "missing \"expert_bytes\": the model gives no expert size (it needs \"d_model\" and \"expert_ff\")"
                        : "missing required key \"expert_bytes\" (or a \"model\" whose experts give it)");
  }
  if (auto chunk = workload.find("chunk_bytes")) {
    spec.chunk_bytes = chunk->as_bytes();
    constexpr uint64_t kMaxChunks = 1 << 16;
    if (spec.chunk_bytes > 0 && (spec.expert_bytes - 1) / spec.chunk_bytes + 1 > kMaxChunks) {
      chunk->fail("splits each expert into more than 65536 chunks; expected at least " +
                  std::to_string((spec.expert_bytes + kMaxChunks - 1) / kMaxChunks) + " bytes");
    }
  }
  spec.bench_cache_counters = workload.bool_or("bench_cache_counters", false);
  if (auto prefetch = workload.find("prefetch")) spec.prefetch = parse_prefetch(*prefetch);
  spec.seed = run_seed;
  spec.check_invariants = workload.bool_or("check_invariants", false);
  if (auto protect = workload.find("protect")) spec.protect_step = protect->as_enum({"accessed", "step"}) == "step";
  if (auto warm = workload.find("warm_tier")) spec.warm_tier = parse_warm_tier(*warm);
  if (auto interval = workload.find("timeseries_interval")) {
    spec.timeseries_interval = interval->as_duration();
    if (spec.timeseries_interval <= 0) interval->fail("expected a positive duration such as \"10 ms\", got " + interval->describe());
  }
  spec.timeseries_max_rows = workload.uint_or("timeseries_max_rows", spec.timeseries_max_rows, 1, uint64_t{1} << 40);

  const TraceSource source =
      read_trace_source(workload, "missing the access stream: give \"trace\" (a file) or \"generator\" (a synthetic trace)");
  if (source.generator) {
    spec.generator = traces::parse_generator(*source.generator, run_seed, spec.training ? 1 : traces::GeneratorSpec{}.experts_per_step);
    if (spec.training && source.generator->has("experts_per_step")) {
      source.generator->at("experts_per_step")
          .fail("training routes each environment's tokens to one expert (top-1): the unique experts per step come from "
                "workload.training.envs_per_batch");
    }
    if (spec.training && spec.training->envs_per_batch > traces::environments(*spec.generator)) {
      workload.at("training").at("envs_per_batch").fail("expected at most n_envs (" + std::to_string(traces::environments(*spec.generator)) +
                                                        ") environments per batch, got " + std::to_string(spec.training->envs_per_batch));
    }
  } else {
    if (spec.training && workload.at("training").has("envs_per_batch")) {
      workload.at("training").at("envs_per_batch").fail("a recorded routing gives each step's experts; envs_per_batch applies to a generator");
    }

    spec.trace_path = source.path;
    if (source.format) {
      try {
        spec.trace_format = traces::parse_format(source.format->as_string());
      } catch (const InputError& e) {
        source.format->fail(e.what());
      }
    }
  }
  return spec;
}

std::unique_ptr<traces::TraceReader> open_replay_trace(const ExpertReplaySpec& spec) {
  std::unique_ptr<traces::TraceReader> reader;
  if (spec.training && spec.generator) {
    reader = std::make_unique<TokenBatchTrace>(*spec.generator, spec.training->batch_size, spec.training->envs_per_batch);
  } else if (spec.training) {
    reader = std::make_unique<TokenSplitTrace>(traces::open_trace(spec.trace_path, spec.trace_format), spec.training->batch_size);
  } else if (spec.generator) {
    reader = std::make_unique<traces::GeneratedTrace>(*spec.generator);
  } else {
    reader = traces::open_trace(spec.trace_path, spec.trace_format);
  }
  reader->require_ordered_steps(true);
  return reader;
}

}  // namespace tiersim::models
