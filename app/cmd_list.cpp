// `tiersim list`: what can be named in configs and flags.
#include <cstdio>

#include "models/compute/gpu_profile.h"
#include "models/compute/model_shape.h"
#include "models/links/link_model_registry.h"
#include "models/policies/policy_registry.h"
#include "models/prefetchers/prefetcher_registry.h"
#include "models/workloads/workload_registry.h"
#include "sim/errors.h"
#include "app/commands.h"
#include "traces/generators/sampler_registry.h"
#include "traces/trace_format.h"

namespace tiersim {

int list_command(const std::string& what) {
  const bool all = what.empty() || what == "all";
  if (!all && what != "policies" && what != "prefetchers" && what != "samplers" && what != "formats" && what != "links" && what != "workloads" &&
      what != "models" && what != "gpus") {
    throw InputError("list: unknown category \"" + what +
                     "\"; expected one of: policies, prefetchers, samplers, formats, links, workloads, models, gpus");
  }
  if (all || what == "policies") {
    std::printf("eviction policies:\n");
    for (const models::PolicyEntry* e : models::PolicyRegistry::all()) std::printf("  %-10s %s\n", e->name.c_str(), e->description.c_str());
  }
  if (all || what == "prefetchers") {
    std::printf("prefetchers (workload.prefetch.name):\n");
    std::printf("  %-10s %s\n", "none", "no prefetching (the default)");
    for (const models::PrefetcherEntry* e : models::PrefetcherRegistry::all()) {
      std::printf("  %-10s %s\n", e->name.c_str(), e->description.c_str());
    }
  }
  if (all || what == "samplers") {
    std::printf("trace samplers:\n");
    for (const traces::SamplerEntry* e : traces::SamplerRegistry::all()) {
      std::string parameters;
      for (const traces::SamplerParameter& p : e->parameters) parameters += (parameters.empty() ? "" : ", ") + p.key;
      std::printf("  %-10s %s%s\n", e->name.c_str(), e->description.c_str(),
                  parameters.empty() ? "" : (" (params: " + parameters + ")").c_str());
    }
  }
  if (all || what == "formats") {
    std::printf("trace formats:\n");
    for (const traces::TraceFormatEntry* e : traces::TraceFormatRegistry::all()) {
      std::printf("  %-14s %s%s\n", e->name.c_str(), e->description.c_str(), e->create ? "" : " (read only)");
    }
  }
  if (all || what == "links") {
    std::printf("link models (links[].model; calibrate measures the parameters named):\n");
    for (const models::LinkModelEntry* e : models::LinkModelRegistry::all()) {
      std::string measured;
      for (const std::string& k : e->calibrated) measured += (measured.empty() ? "" : ", ") + k;
      std::printf("  %-14s %s (calibrated: %s)\n", e->name.c_str(), e->description.c_str(), measured.empty() ? "none" : measured.c_str());
    }
  }
  if (all || what == "workloads") {
    std::printf("workloads (workload.type):\n");
    for (const models::WorkloadEntry* e : models::WorkloadRegistry::all()) std::printf("  %-14s %s\n", e->name.c_str(), e->description.c_str());
  }
  if (all || what == "models") {
    std::printf("model presets (workload.model):\n  %s\n", models::model_preset_names().c_str());
  }
  if (all || what == "gpus") {
    std::printf("GPU presets (workload.gpu; dense TFLOP/s bf16 / fp8, HBM):\n");
    size_t count = 0;
    const models::GpuProfile* gpus = models::gpu_presets(&count);
    for (size_t i = 0; i < count; ++i) {
      const models::GpuProfile& g = gpus[i];
      std::printf("  %-10s %7.1f / %7.1f TFLOP/s, %4.0f GB at %.2f TB/s  (%s)\n", g.name.c_str(), g.bf16_flops / 1e12, g.fp8_flops / 1e12,
                  static_cast<double>(g.hbm_bytes) / 1e9, g.hbm_Bps / 1e12, g.source);
    }
  }
  return 0;
}

}  // namespace tiersim
