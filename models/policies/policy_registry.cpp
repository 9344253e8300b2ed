#include "models/policies/policy_registry.h"

#include <algorithm>
#include <stdexcept>

namespace tiersim::models {

namespace {
// Built on first use, so registration from other files' static initializers is safe.
std::vector<PolicyEntry>& entries() {
  static std::vector<PolicyEntry> list;
  return list;
}
}  // namespace

bool PolicyRegistry::add(PolicyEntry entry) {
  if (find(entry.name)) throw std::logic_error("eviction policy registered twice: " + entry.name);
  entries().push_back(std::move(entry));
  return true;
}

const PolicyEntry* PolicyRegistry::find(std::string_view name) {
  for (const PolicyEntry& e : entries())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<const PolicyEntry*> PolicyRegistry::all() {
  std::vector<const PolicyEntry*> list;
  for (const PolicyEntry& e : entries()) list.push_back(&e);
  std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return list;
}

std::string PolicyRegistry::names() {
  std::string out;
  for (const PolicyEntry* e : all()) out += (out.empty() ? "" : ", ") + e->name;
  return out;
}

}  // namespace tiersim::models
