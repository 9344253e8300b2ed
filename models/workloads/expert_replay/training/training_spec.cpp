#include "models/workloads/expert_replay/training/training_spec.h"

#include <nlohmann/json.hpp>

#include "sim/config/config_node.h"

namespace tiersim::models {

namespace {

GpuProfile default_gpu() {
  size_t count = 0;
  const GpuProfile* presets = gpu_presets(&count);
  for (size_t i = 0; i < count; ++i)
    if (presets[i].name == "h100_sxm") return presets[i];
  return presets[0];
}

// Plain SGD on the GPU: gradients of the weights' size, an fp32 master copy for bf16 weights.
OptimizerSpec default_optimizer(uint32_t weight_bytes) {
  OptimizerSpec o;
  o.grad_bytes = weight_bytes;
  o.master_bytes = weight_bytes < 4 ? 4 : 0;
  return o;
}

OptimizerSpec parse_optimizer(const ConfigNode& node, uint32_t weight_bytes) {
  OptimizerSpec o = default_optimizer(weight_bytes);
  if (node.is_string()) node.fail("expected an object such as {\"type\": \"adam\", \"placement\": \"hbm\"}, got " + node.describe());
  node.allow_only({"type", "placement", "state_bytes", "master_bytes", "grad_bytes"});
  if (auto type = node.find("type")) {
    const std::string t = type->as_enum({"none", "momentum", "adam"});
    o.kind = t == "adam" ? OptimizerSpec::Kind::kAdam : t == "momentum" ? OptimizerSpec::Kind::kMomentum : OptimizerSpec::Kind::kNone;
  }
  if (auto placement = node.find("placement")) {
    const std::string p = placement->as_enum({"hbm", "dram", "nvme"});
    o.placement = p == "nvme" ? OptimizerSpec::Placement::kNvme
                  : p == "dram" ? OptimizerSpec::Placement::kDram
                                : OptimizerSpec::Placement::kHbm;
  }
  o.state_bytes = static_cast<uint32_t>(node.uint_or("state_bytes", o.state_bytes, 1, 8));
  o.master_bytes = static_cast<uint32_t>(node.uint_or("master_bytes", o.master_bytes, 0, 8));
  o.grad_bytes = static_cast<uint32_t>(node.uint_or("grad_bytes", o.grad_bytes, 1, 8));
  return o;
}

EvictSafeSpec parse_evict_safe(const ConfigNode& node) {
  EvictSafeSpec e;
  if (!node.is_object()) {
    e.enabled = node.as_bool();
    return e;
  }
  node.allow_only({"activations", "activation_budget"});
  e.enabled = true;
  if (auto activations = node.find("activations")) e.keep_activations = activations->as_enum({"recompute", "keep"}) == "keep";
  if (auto budget = node.find("activation_budget")) {
    if (!e.keep_activations) budget->fail("an activation budget applies to \"activations\": \"keep\"");
    e.activation_budget = budget->as_bytes();
  }
  return e;
}

RoutingSpec parse_routing(const ConfigNode& node) {
  RoutingSpec r;
  if (!node.is_object()) node.fail("expected an object such as {\"type\": \"cache_aware\", \"value\": 0.1}, got " + node.describe());
  node.allow_only({"type", "candidates", "bias", "value", "capacity_factor", "score_spread", "compare", "n_experts"});
  r.cache_aware = node.at("type").as_enum({"top1", "cache_aware"}) == "cache_aware";
  if (!r.cache_aware) {
    node.allow_only({"type"});
    return r;
  }
  r.candidates = static_cast<uint32_t>(node.uint_or("candidates", r.candidates, 2, 64));
  if (auto bias = node.find("bias")) r.margin = bias->as_enum({"additive", "margin"}) == "margin";
  r.value = node.double_or("value", r.value, 0, 1);
  if (auto cf = node.find("capacity_factor")) {
    if (cf->is_number() && cf->raw().get<double>() < 1) {
      cf->fail("a capacity factor below 1 leaves some tokens no expert; expected at least 1, got " + cf->describe());
    }
    r.capacity_factor = cf->as_double(1, 1e6);
  }
  r.score_spread = node.double_or("score_spread", r.score_spread, 1e-6, 1e3);
  r.compare = node.bool_or("compare", true);
  r.n_experts = static_cast<uint32_t>(node.uint_or("n_experts", 0, 0, UINT32_MAX));
  return r;
}

CpuProfile parse_cpu(const ConfigNode& node, CpuProfile cpu) {
  node.allow_only({"flops", "memory_bandwidth"});
  if (auto flops = node.find("flops")) cpu.flops = flops->as_double(1e6, 1e18);
  if (auto bw = node.find("memory_bandwidth")) cpu.memory_Bps = static_cast<double>(bw->as_bandwidth_Bps());
  cpu.source = node.source() + ": " + node.path();
  return cpu;
}

}  // namespace

TrainingSpec parse_training(const ConfigNode& node, const CpuProfile* hardware_cpu) {
  node.allow_only({"batch_size", "envs_per_batch", "d_model", "d_hidden", "dtype", "lr", "sort_by_expert", "kernel_overhead",
                   "gpu", "cpu", "optimizer", "evict_safe", "routing"});
  TrainingSpec t;
  t.batch_size = static_cast<uint32_t>(node.uint_or("batch_size", t.batch_size, 1, 1u << 30));
  t.envs_per_batch = static_cast<uint32_t>(node.uint_or("envs_per_batch", t.envs_per_batch, 1, 1u << 16));
  if (t.batch_size < t.envs_per_batch) {
    node.at("batch_size").fail("a batch of " + std::to_string(t.batch_size) + " tokens cannot come from " +
                               std::to_string(t.envs_per_batch) + " environments (envs_per_batch): every environment needs a token; "
                               "expected batch_size >= envs_per_batch");
  }
  t.d_model = static_cast<uint32_t>(node.uint_or("d_model", t.d_model, 1, 1u << 20));
  t.d_hidden = static_cast<uint32_t>(node.uint_or("d_hidden", t.d_hidden, 1, 1u << 20));
  if (auto dtype = node.find("dtype")) t.weight_bytes = dtype->as_enum({"fp32", "bf16"}) == "bf16" ? 2 : 4;
  t.lr = node.double_or("lr", t.lr, -1e6, 1e6);
  t.sort_by_expert = node.bool_or("sort_by_expert", false);
  t.kernel_overhead = node.duration_or("kernel_overhead", t.kernel_overhead);
  if (t.kernel_overhead < 0) node.at("kernel_overhead").fail("expected a duration >= 0");
  t.gpu = node.has("gpu") ? parse_gpu_profile(node.at("gpu")) : default_gpu();
  if (hardware_cpu) t.cpu = *hardware_cpu;
  if (auto cpu = node.find("cpu")) t.cpu = parse_cpu(*cpu, t.cpu);
  t.optimizer = node.has("optimizer") ? parse_optimizer(node.at("optimizer"), t.weight_bytes) : default_optimizer(t.weight_bytes);
  if (auto evict = node.find("evict_safe")) t.evict_safe = parse_evict_safe(*evict);
  if (auto routing = node.find("routing")) t.routing = parse_routing(*routing);
  if (t.object_bytes() > (uint64_t{1} << 40)) node.fail("an expert of " + std::to_string(t.object_bytes()) + " bytes is beyond 1 TiB");
  return t;
}

const char* placement_name(OptimizerSpec::Placement placement) {
  static const char* const names[] = {"hbm", "dram", "nvme"};
  return names[static_cast<uint32_t>(placement)];
}

const char* optimizer_name(OptimizerSpec::Kind kind) {
  static const char* const names[] = {"none", "momentum", "adam"};
  return names[static_cast<uint32_t>(kind)];
}

}  // namespace tiersim::models
