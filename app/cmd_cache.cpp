// `tiersim cache`: replay a trace through one single-tier cache per capacity, counting
// only (the fast path for policy research and capacity sweeps).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/policies/partitioned_replay.h"
#include "models/policies/policy_registry.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/config/units.h"
#include "app/commands.h"
#include "app/progress_printer.h"
#include "sim/output/metrics.h"
#include "sim/output/results_writer.h"
#include "traces/trace_format.h"
#include "sim/config/excerpt.h"

namespace tiersim {

namespace {

std::vector<std::string> split(const std::string& text, char separator = ',') {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  for (std::string& p : parts) {
    while (!p.empty() && p.front() == ' ') p.erase(p.begin());
    while (!p.empty() && p.back() == ' ') p.pop_back();
  }
  return parts;
}

// One --policy entry: "name" or "name:key=value:key=value".
struct PolicyChoice {
  std::string spec;
  const models::PolicyEntry* entry = nullptr;
  nlohmann::json parameters;  // {"name": ..., key: value...}
};

PolicyChoice parse_policy(const std::string& spec) {
  const std::vector<std::string> parts = split(spec, ':');
  PolicyChoice choice;
  choice.spec = spec;
  choice.entry = models::PolicyRegistry::find(parts.front());
  if (!choice.entry) {
    throw InputError("--policy: unknown eviction policy \"" + parts.front() + "\"; expected one of: " + models::PolicyRegistry::names());
  }
  choice.parameters = nlohmann::json::object({{"name", parts.front()}});
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError("--policy " + spec + ": expected name:key=value[:key=value...], got \"" + excerpt(parts[i]) + "\"");
    }
    const std::string value = parts[i].substr(eq + 1);
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    choice.parameters[parts[i].substr(0, eq)] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return choice;
}

}  // namespace

std::vector<uint64_t> parse_count_list(const std::string& text, const std::string& flag) {
  std::vector<uint64_t> values;
  for (const std::string& part : split(text)) {
    uint64_t v = 0;
    bool ok = !part.empty() && part.size() <= 18;
    for (char c : part) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok || v == 0) throw InputError(flag + ": expected comma-separated positive integers like 16,64,256, got \"" + excerpt(text) + "\"");
    values.push_back(v);
  }
  return values;
}

int cache_command(const CacheCommand& command) {
  std::vector<models::Capacity> capacities;
  if (!command.sizes.empty()) {
    for (uint64_t n : parse_count_list(command.sizes, "--size")) capacities.push_back(models::Capacity{n, UINT64_MAX});
  }
  if (!command.sizes_bytes.empty()) {
    for (const std::string& part : split(command.sizes_bytes)) {
      uint64_t bytes = 0;
      try {
        bytes = sim::units::parse_bytes(part);
      } catch (const sim::units::UnitError& e) {
        throw InputError("--size-bytes: " + std::string(e.what()));
      }
      if (bytes == 0) throw InputError("--size-bytes: capacities must be greater than zero");
      capacities.push_back(models::Capacity{UINT64_MAX, bytes});
    }
  }
  if (capacities.empty()) throw InputError("give the cache capacities: --size 16,64,256 (objects) or --size-bytes \"1 GiB,4 GiB\"");
  std::vector<PolicyChoice> policies;
  for (const std::string& spec : split(command.policies)) policies.push_back(parse_policy(spec));
  const std::optional<traces::Format> format = traces::parse_format(command.format);

  std::vector<Metrics> rows;
  if (!command.sizes_bytes.empty() && !traces::open_trace(command.trace, format)->has_sizes()) {
    throw InputError("--size-bytes: " + command.trace +
                     " has no object sizes (only oracleGeneral traces carry them); use --size for object counts");
  }
  const models::TraceOpener open = [&] { return traces::open_trace(command.trace, format); };
  const ProgressPrinter progress("cache", false);
  for (const PolicyChoice& choice : policies) {
    const models::PolicyEntry* policy = choice.entry;
    const ConfigNode parameters(choice.parameters, "--policy " + choice.spec, "command line");
    const auto start = std::chrono::steady_clock::now();
    const bool by_layer = command.partition == "layer";
    const std::vector<models::CountingResult> results =
        by_layer ? models::replay_partitioned(open, capacities, *policy, &parameters) : policy->replay(open, capacities, &parameters);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (size_t i = 0; i < results.size(); ++i) {
      const models::CountingResult& r = results[i];
      const models::Capacity& c = capacities[i];
      const bool by_bytes = c.bytes != UINT64_MAX;
      const double miss_ratio = r.requests ? static_cast<double>(r.misses) / static_cast<double>(r.requests) : 0.0;
      std::printf("%s %s=%s requests=%llu misses=%llu miss_ratio=%.6f", choice.spec.c_str(), by_bytes ? "size_bytes" : "size",
                  by_bytes ? std::to_string(c.bytes).c_str() : std::to_string(c.objects).c_str(),
                  static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.misses), miss_ratio);
      if (by_bytes && r.bytes_requested) {
        std::printf(" byte_miss_ratio=%.6f", static_cast<double>(r.bytes_missed) / static_cast<double>(r.bytes_requested));
      }
      std::printf("\n");
      Metrics row;
      row.add("policy", choice.spec);
      row.add("partition", command.partition);
      row.add("capacity_objects", by_bytes ? uint64_t{0} : c.objects);
      row.add("capacity_bytes", by_bytes ? c.bytes : uint64_t{0});
      row.add("requests", r.requests);
      row.add("misses", r.misses);
      row.add("miss_ratio", miss_ratio);
      row.add("bytes_requested", r.bytes_requested);
      row.add("bytes_missed", r.bytes_missed);
      row.add("expirations", r.expirations);
      rows.push_back(std::move(row));
    }
    const uint64_t requests = results.empty() ? 0 : results.front().requests;
    std::fprintf(stderr, "%s: %llu requests x %zu capacities in %.3f s (%.1f M requests/s per capacity)\n",
                 choice.spec.c_str(), static_cast<unsigned long long>(requests), capacities.size(), seconds,
                 seconds > 0 ? static_cast<double>(requests) * static_cast<double>(capacities.size()) / seconds / 1e6 : 0.0);
  }
  if (!command.out_dir.empty()) {
    std::string csv = rows.front().csv_header() + "\n";
    for (const Metrics& row : rows) csv += row.csv_row() + "\n";
    ResultsWriter writer(command.out_dir);
    writer.stage("results.csv", csv);
    writer.commit();
    std::printf("results: %s/results.csv\n", command.out_dir.c_str());
  }
  return 0;
}

}  // namespace tiersim
