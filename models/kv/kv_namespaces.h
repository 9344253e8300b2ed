#pragma once
// KV namespaces (the KVSS design's stage 3): which requests or calls may see each other's
// cached entries. {"scope": "global" (default: all) | "model" (replicas of a model in one
// trust domain: a request's model and its instance's isolation_id) | "instance" (each
// serving instance alone), "models": [{"name", "shape"}], "instances": [{"name", "model",
// "isolation_id"}]}: the names requests may give in their "model" and "instance" fields (a
// trace without them is one model, one instance). Shared by the KV workloads.
#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "models/compute/model_shape.h"
#include "traces/kv/kv_trace.h"

namespace tiersim {
class ConfigNode;
}

namespace tiersim::models {

struct NamespaceSpec {
  enum class Scope { kGlobal, kModel, kInstance };
  struct Instance {
    std::string name, model, isolation_id;
  };
  Scope scope = Scope::kGlobal;
  std::vector<std::string> models;
  std::vector<std::optional<ModelShape>> shapes;  // per model: its own shape, or the workload's
  std::vector<Instance> instances;
  std::string path;  // where the block is, for errors
};

// workload.namespaces.
NamespaceSpec parse_namespaces(const ConfigNode& node);
// Puts requests in their namespaces one at a time, as a replay reads them.
class NamespaceAssigner {
 public:
  explicit NamespaceAssigner(const NamespaceSpec& spec);
  // Sets r.ns and r.shape; a model or instance the config does not list is an InputError
  // naming the trace's line of its first use.
  void assign(const traces::KvTrace& trace, traces::KvRequest& r);

 private:
  int64_t listed_index(const traces::KvTrace& trace, bool model, uint32_t name);
  const NamespaceSpec& spec_;
  std::vector<std::string> instance_names_;
  std::vector<int64_t> instance_model_;     // per listed instance: its model's index in the list, -1 if none
  std::vector<int64_t> model_of_, instance_of_;  // per name the trace interned: its listed index (-1: not yet looked up)
  std::vector<std::pair<std::string, std::string>> domains_;  // (model, isolation_id), one namespace each
};

// Puts each request of `trace` in its namespace (KvRequest::ns, ::shape); a model or
// instance the config does not list is an InputError naming the trace's line.
void assign_namespaces(const NamespaceSpec& spec, traces::KvTrace& trace);

}  // namespace tiersim::models
