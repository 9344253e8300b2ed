#pragma once
// A list of named implementations (eviction policies, samplers, ...) that files add
// themselves to at static-initialization time. `Entry` needs a `std::string name`.
// Built on first use, so registration order between files does not matter.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sim {

template <class Entry>
class NamedRegistry {
 public:
  static bool add(Entry entry) {
    if (find(entry.name)) throw std::logic_error("registered twice: " + entry.name);
    entries().push_back(std::move(entry));
    return true;
  }

  static const Entry* find(std::string_view name) {
    for (const Entry& e : entries())
      if (e.name == name) return &e;
    return nullptr;
  }

  // Sorted by name.
  static std::vector<const Entry*> all() {
    std::vector<const Entry*> list;
    for (const Entry& e : entries()) list.push_back(&e);
    std::sort(list.begin(), list.end(), [](const Entry* a, const Entry* b) { return a->name < b->name; });
    return list;
  }

  // "a, b, c", for messages that list the valid names.
  static std::string names() {
    std::string out;
    for (const Entry* e : all()) out += (out.empty() ? "" : ", ") + e->name;
    return out;
  }

 private:
  static std::vector<Entry>& entries() {
    static std::vector<Entry> list;
    return list;
  }
};

}  // namespace sim
