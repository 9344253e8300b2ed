#pragma once
// The simulator's prediction beside the real backend's measurement of the same run: the
// main figures (step time, stall, and per link bytes, time in flight and transfer
// latency), each with its relative error (predicted - measured) / measured. A link's busy
// time is compared as its time in flight: a real copy's service and latency cannot be
// told apart, so the simulated link's is counted the same way (service plus delivery).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersim {
class Metrics;
}
namespace tiersim::models {
class Topology;
}

namespace tiersim::real {

struct Figure {
  std::string name;
  double predicted = 0, measured = 0;
  double error() const { return measured != 0 ? (predicted - measured) / measured : (predicted == 0 ? 0.0 : 1.0); }
};

class Comparison {
 public:
  std::vector<Figure> figures;
  // Adds predicted_<figure> and error_<figure> columns.
  void append_columns(Metrics& row) const;
  std::string csv() const;
  std::string table() const;
  nlohmann::ordered_json to_json() const;
};

Comparison compare(const Metrics& predicted, const Metrics& measured, const models::Topology& topology);

}  // namespace tiersim::real
