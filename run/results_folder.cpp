#include "run/results_folder.h"

#include <nlohmann/json.hpp>

#include "run/provenance.h"
#include "sim/output/results_writer.h"

namespace tiersim {

std::string default_results_dir(const std::string& name) { return "results/" + name; }

void write_run_results(const models::WorkloadRun& run, const nlohmann::json& config, const std::string& source,
                       const std::string& out_dir) {
  // Wall-clock figures vary run to run, so they stay out of results.csv (which must be
  // byte-identical for the same config and seed) and go to summary.json only.
  nlohmann::ordered_json summary = summary_head(config, source);
  summary["config"] = config;
  nlohmann::ordered_json results;
  run.row.to_json(results);
  summary["results"] = results;
  const double wall = run.wall_seconds;
  auto per_second = [wall](uint64_t n) { return wall > 0 ? static_cast<double>(n) / wall : 0.0; };
  summary["performance"] = {{"wall_s", wall},
                            {"events", run.events},
                            {"events_per_s", per_second(run.events)},
                            {run.lookups_name + "_per_s", per_second(run.lookups)}};
  ResultsWriter writer(out_dir);
  writer.stage("results.csv", run.row.csv_header() + "\n" + run.row.csv_row() + "\n");
  writer.stage("summary.json", summary.dump(2) + "\n");
  for (const auto& [file, contents] : run.extra_files)
    if (!contents.empty()) writer.stage(file, contents);
  writer.commit();
}

}  // namespace tiersim
