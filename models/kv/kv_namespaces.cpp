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

// Each request's namespace: 0 for all (global), else a number per (model, isolation_id) or
// per instance. Names are checked against the config's lists.
void assign_namespaces(const NamespaceSpec& spec, traces::KvTrace& trace) {
  std::vector<std::string> instance_names;
  for (const auto& i : spec.instances) instance_names.push_back(i.name);
  auto unknown = [&](const traces::KvNames& names, uint32_t index, const char* what, const std::vector<std::string>& allowed) {
    throw InputError(trace.source + ":" + std::to_string(names.first_line[index]) + ": " + what + " \"" + names.names[index] +
                     "\" is not in " + spec.path + (std::string(what) == "model" ? ".models" : ".instances") + " (" + listed(allowed) + ")");
  };
  std::vector<int64_t> model_of(trace.models.names.size(), -1), instance_of(trace.instances.names.size(), -1);
  for (uint32_t m = 1; m < trace.models.names.size(); ++m) {
    const auto it = std::find(spec.models.begin(), spec.models.end(), trace.models.names[m]);
    if (it == spec.models.end()) unknown(trace.models, m, "model", spec.models);
    model_of[m] = it - spec.models.begin();
  }
  for (uint32_t i = 1; i < trace.instances.names.size(); ++i) {
    const auto it = std::find(instance_names.begin(), instance_names.end(), trace.instances.names[i]);
    if (it == instance_names.end()) unknown(trace.instances, i, "instance", instance_names);
    instance_of[i] = it - instance_names.begin();
  }
  std::vector<int64_t> instance_model;  // per listed instance: its model's index in the list, -1 if none
  for (const auto& i : spec.instances) {
    const auto it = std::find(spec.models.begin(), spec.models.end(), i.model);
    instance_model.push_back(it == spec.models.end() ? -1 : it - spec.models.begin());
  }
  std::vector<std::pair<std::string, std::string>> domains;  // (model, isolation_id), one namespace each
  for (traces::KvRequest& r : trace.requests) {
    const NamespaceSpec::Instance* instance = r.instance ? &spec.instances[static_cast<size_t>(instance_of[r.instance])] : nullptr;
    const std::string model = r.model ? spec.models[static_cast<size_t>(model_of[r.model])] : instance ? instance->model : "";
    // Its shape: the listed model's (an instance's model was checked to be listed), else the workload's.
    const int64_t listed = r.model ? model_of[r.model] : instance && !instance->model.empty() ? instance_model[instance_of[r.instance]] : -1;
    r.shape = static_cast<uint32_t>(listed + 1);
    if (instance && r.model && !instance->model.empty() && instance->model != model) {
      throw InputError(trace.source + ": a request of model \"" + model + "\" names instance \"" + instance->name + "\", which serves \"" +
                       instance->model + "\" (" + spec.path + ".instances)");
    }
    switch (spec.scope) {
      case NamespaceSpec::Scope::kGlobal:
        r.ns = 0;
        break;
      case NamespaceSpec::Scope::kInstance:
        r.ns = r.instance;  // 0: the one unnamed instance
        break;
      case NamespaceSpec::Scope::kModel: {
        const std::pair<std::string, std::string> domain{model, instance ? instance->isolation_id : ""};
        auto it = std::find(domains.begin(), domains.end(), domain);
        if (it == domains.end()) it = domains.insert(domains.end(), domain);
        r.ns = static_cast<uint32_t>(it - domains.begin());
        break;
      }
    }
  }
}

}  // namespace tiersim::models
