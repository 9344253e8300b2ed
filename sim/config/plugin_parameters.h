#pragma once
// Reading a policy's (or prefetcher's) parameters from its config object, which may be
// absent (the policy was named by a plain string): absent keys take their defaults.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/config_node.h"

namespace tiersim {

class Parameters {
 public:
  // Rejects keys other than "name" and `allowed`.
  Parameters(const ConfigNode* node, std::initializer_list<std::string_view> allowed) : node_(node) {
    if (!node_) return;
    std::vector<std::string_view> keys{"name"};
    keys.insert(keys.end(), allowed.begin(), allowed.end());
    node_->allow_only(keys);
  }

  double real(std::string_view key, double fallback, double min, double max) const {
    return node_ ? node_->double_or(key, fallback, min, max) : fallback;
  }
  uint64_t count(std::string_view key, uint64_t fallback, uint64_t min = 0, uint64_t max = UINT64_MAX) const {
    return node_ ? node_->uint_or(key, fallback, min, max) : fallback;
  }
  bool flag(std::string_view key, bool fallback) const { return node_ ? node_->bool_or(key, fallback) : fallback; }
  std::string text(std::string_view key, std::string fallback) const {
    return node_ ? node_->string_or(key, std::move(fallback)) : fallback;
  }
  const ConfigNode* node() const { return node_; }

 private:
  const ConfigNode* node_;
};

}  // namespace tiersim
