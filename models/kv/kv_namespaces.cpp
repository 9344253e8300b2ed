#include "models/kv/kv_namespaces.h"

#include <algorithm>

#include "sim/config/config_node.h"
#include "sim/errors.h"

namespace tiersim::models {

NamespaceSpec parse_namespaces(const ConfigNode& node) {
  node.allow_only({"scope", "models", "instances"});
  NamespaceSpec n;
  n.path = node.source() + ": " + node.path();
  if (auto scope = node.find("scope")) {
    const std::string s = scope->as_enum({"global", "model", "instance"});
    n.scope = s == "model" ? NamespaceSpec::Scope::kModel : s == "instance" ? NamespaceSpec::Scope::kInstance : NamespaceSpec::Scope::kGlobal;
  }
  if (auto models = node.find("models")) {
    for (size_t i = 0; i < models->size(); ++i) {
      const ConfigNode m = models->at(i);
      m.allow_only({"name", "shape"});
      const std::string name = m.at("name").as_string();
      if (std::find(n.models.begin(), n.models.end(), name) != n.models.end()) m.at("name").fail("model \"" + name + "\" is listed twice");
      n.models.push_back(name);
      n.shapes.push_back(m.has("shape") ? std::optional<ModelShape>(parse_model_shape(m.at("shape"))) : std::nullopt);
    }
  }
  if (auto instances = node.find("instances")) {
    for (size_t i = 0; i < instances->size(); ++i) {
      const ConfigNode x = instances->at(i);
      x.allow_only({"name", "model", "isolation_id"});
      NamespaceSpec::Instance instance{x.at("name").as_string(), x.string_or("model", ""), x.string_or("isolation_id", "")};
      for (const auto& other : n.instances)
        if (other.name == instance.name) x.at("name").fail("instance \"" + instance.name + "\" is listed twice");
      if (!instance.model.empty() && std::find(n.models.begin(), n.models.end(), instance.model) == n.models.end()) {
        x.at("model").fail("model \"" + instance.model + "\" is not in namespaces.models");
      }
      n.instances.push_back(instance);
    }
  }
  return n;
}

namespace {

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none listed" : out;
}

}  // namespace

NamespaceAssigner::NamespaceAssigner(const NamespaceSpec& spec) : spec_(spec) {
  for (const auto& i : spec.instances) {
    instance_names_.push_back(i.name);
    const auto it = std::find(spec.models.begin(), spec.models.end(), i.model);
    instance_model_.push_back(it == spec.models.end() ? -1 : it - spec.models.begin());
  }
}

// A name's index in the config's list (cached per name the trace interned); an unlisted one
// is an InputError at its first use.
int64_t NamespaceAssigner::listed_index(const traces::KvTrace& trace, bool model, uint32_t name) {
  std::vector<int64_t>& cache = model ? model_of_ : instance_of_;
  if (name < cache.size() && cache[name] >= 0) return cache[name];
  const traces::KvNames& names = model ? trace.models : trace.instances;
  const std::vector<std::string>& allowed = model ? spec_.models : instance_names_;
  const auto it = std::find(allowed.begin(), allowed.end(), names.names[name]);
  if (it == allowed.end()) {
    throw InputError(trace.source + ":" + std::to_string(names.first_line[name]) + ": " + (model ? "model" : "instance") + " \"" +
                     names.names[name] + "\" is not in " + spec_.path + (model ? ".models" : ".instances") + " (" + listed(allowed) + ")");
  }
  if (cache.size() <= name) cache.resize(name + 1, -1);
  return cache[name] = it - allowed.begin();
}

// A request's namespace: 0 for all (global), else a number per (model, isolation_id) or
// per instance.
void NamespaceAssigner::assign(const traces::KvTrace& trace, traces::KvRequest& r) {
  const int64_t model_index = r.model ? listed_index(trace, true, r.model) : -1;
  const int64_t instance_index = r.instance ? listed_index(trace, false, r.instance) : -1;
  const NamespaceSpec::Instance* instance = r.instance ? &spec_.instances[static_cast<size_t>(instance_index)] : nullptr;
  const std::string model = r.model ? spec_.models[static_cast<size_t>(model_index)] : instance ? instance->model : "";
  // Its shape: the listed model's (an instance's model was checked to be listed), else the workload's.
  const int64_t shape = r.model ? model_index : instance && !instance->model.empty() ? instance_model_[static_cast<size_t>(instance_index)] : -1;
  r.shape = static_cast<uint32_t>(shape + 1);
  if (instance && r.model && !instance->model.empty() && instance->model != model) {
    throw InputError(trace.source + ": a request of model \"" + model + "\" names instance \"" + instance->name + "\", which serves \"" +
                     instance->model + "\" (" + spec_.path + ".instances)");
  }
  switch (spec_.scope) {
    case NamespaceSpec::Scope::kGlobal:
      r.ns = 0;
      break;
    case NamespaceSpec::Scope::kInstance:
      r.ns = r.instance;  // 0: the one unnamed instance
      break;
    case NamespaceSpec::Scope::kModel: {
      const std::pair<std::string, std::string> domain{model, instance ? instance->isolation_id : ""};
      auto it = std::find(domains_.begin(), domains_.end(), domain);
      if (it == domains_.end()) it = domains_.insert(domains_.end(), domain);
      r.ns = static_cast<uint32_t>(it - domains_.begin());
      break;
    }
  }
}

void assign_namespaces(const NamespaceSpec& spec, traces::KvTrace& trace) {
  NamespaceAssigner assigner(spec);
  for (traces::KvRequest& r : trace.requests) assigner.assign(trace, r);
}

}  // namespace tiersim::models
