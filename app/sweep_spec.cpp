#include "app/sweep_spec.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "sim/errors.h"
#include "sim/config/excerpt.h"
#include "sim/config/json_hash.h"
#include "sim/config/load_config.h"
#include "sim/config/overrides.h"
#include "run/config_paths.h"
#include "run/run_config.h"
#include "sim/config/config_node.h"
#include "sim/engine/random.h"

namespace tiersim {

namespace {

void set_value(nlohmann::json& config, const std::string& path, const nlohmann::json& value) {
  apply_override(config, path + "=" + value.dump());
}

// The parameters of one section ("grid" or "zip"), in the order the file gives them.
std::vector<SweepParameter> read_section(const nlohmann::ordered_json& file, const std::string& section,
                                         const std::string& source, const std::string& sweep_dir) {
  std::vector<SweepParameter> parameters;
  if (!file.contains(section)) return parameters;
  const nlohmann::ordered_json& node = file.at(section);
  if (!node.is_object()) {
    throw InputError(source + ": " + section + ": expected an object of JSON path -> list of values, got " + json_excerpt(node));
  }
  for (const auto& [path, values] : node.items()) {
    const std::string where = source + ": " + section + ".\"" + excerpt(path) + "\"";
    if (!values.is_array() || values.empty()) {
      throw InputError(where + ": expected a non-empty list of values, got " + json_excerpt(values));
    }
    if (path == "workload") {
      throw InputError(where + ": the workload cannot be swapped whole (its kind decides every other key); vary its keys "
                       "(\"workload.mode\", ...), or sweep each workload in its own sweep file");
    }
    SweepParameter p{path, {}};
    for (const auto& v : values) p.values.push_back(anchored(path, nlohmann::json::parse(v.dump()), sweep_dir));
    parameters.push_back(std::move(p));
  }
  return parameters;
}

bool varies(const SweepSpec& spec, const std::string& path) {
  for (const std::vector<SweepParameter>* section : {&spec.grid, &spec.zip})
    for (const SweepParameter& p : *section)
      if (p.path == path) return true;
  return false;
}

// The number of points, checked against overflow and against max_points before anything
// is written: a sweep too large to run is refused with its size.
void check_point_count(const nlohmann::ordered_json& file, const SweepSpec& spec, const std::string& path) {
  uint64_t limit = kDefaultMaxSweepPoints;
  if (file.contains("max_points")) {
    const auto& m = file.at("max_points");
    if (!m.is_number_unsigned() || m.get<uint64_t>() == 0) {
      throw InputError(path + ": max_points: expected a positive integer, got " + json_excerpt(m));
    }
    limit = m.get<uint64_t>();
  }
  std::vector<uint64_t> factors{spec.repeats};
  for (const SweepParameter& p : spec.grid) factors.push_back(p.values.size());
  if (!spec.zip.empty()) factors.push_back(spec.zip.front().values.size());
  long double estimate = 1;
  for (uint64_t f : factors) estimate *= static_cast<long double>(f);
  if (estimate > static_cast<long double>(limit)) {
    char size[32];
    std::snprintf(size, sizeof size, "%.3Lg", estimate);
    throw InputError(path + ": the sweep has " + size + " points (repeats x grid x zip), more than max_points " +
                     std::to_string(limit) + "; split it, or raise \"max_points\" in the sweep file");
  }
}

}  // namespace

uint64_t SweepSpec::size() const {
  uint64_t n = repeats;
  for (const SweepParameter& p : grid) n *= p.values.size();
  if (!zip.empty()) n *= zip.front().values.size();
  return n;  // load_sweep checked the product against max_points
}

std::vector<std::string> SweepSpec::varied_paths() const {
  std::vector<std::string> paths;
  for (const SweepParameter& p : grid) paths.push_back(p.path);
  for (const SweepParameter& p : zip) paths.push_back(p.path);
  return paths;
}

SweepSpec::Point SweepSpec::point(uint64_t index) const {
  Point point;
  const uint64_t repeat = index % repeats;
  uint64_t rest = index / repeats;
  const uint64_t zip_rows = zip.empty() ? 1 : zip.front().values.size();
  const uint64_t zip_row = rest % zip_rows;
  rest /= zip_rows;
  std::vector<uint64_t> grid_at(grid.size());
  for (size_t g = grid.size(); g-- > 0;) {
    grid_at[g] = rest % grid[g].values.size();
    rest /= grid[g].values.size();
  }
  point.config = base;
  for (size_t g = 0; g < grid.size(); ++g) {
    point.values.push_back(grid[g].values[grid_at[g]]);
    set_value(point.config, grid[g].path, point.values.back());
  }
  for (const SweepParameter& p : zip) {
    point.values.push_back(p.values[zip_row]);
    set_value(point.config, p.path, point.values.back());
  }
  // Repeat 0 keeps the point's own seed; the others derive theirs from it.
  uint64_t seed = point.config.contains("seed") && point.config["seed"].is_number_unsigned()
                      ? point.config["seed"].get<uint64_t>()
                      : base_seed;
  if (repeat > 0) seed = sim::mix64(seed ^ sim::mix64(repeat)) >> 11;  // fits a JSON double exactly
  point.config["seed"] = seed;
  point.seed = seed;
  return point;
}

SweepSpec load_sweep(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the sweep file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  parse_json_text(text, path);  // file:line:column errors for malformed JSON
  // Parsed again keeping the order the file gives its parameters in (json sorts keys).
  const nlohmann::ordered_json file = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  SweepSpec spec;
  spec.source = path;
  if (!file.is_object()) throw InputError(path + ": expected a sweep object with \"base\" and \"grid\"/\"zip\"");
  for (const auto& [key, value] : file.items()) {
    if (key != "name" && key != "description" && key != "base" && key != "set" && key != "grid" && key != "zip" &&
        key != "repeats" && key != "max_points") {
      throw InputError(path + ": " + excerpt(key) +
                       ": unknown key; expected one of: name, description, base, set, grid, zip, repeats, max_points");
    }
  }
  if (file.contains("description") && !file.at("description").is_string()) {
    throw InputError(path + ": description: expected a string (the question the sweep answers)");
  }
  if (file.contains("name") && !file.at("name").is_string()) {
    throw InputError(path + ": name: expected a string (the sweep's name), got " + json_excerpt(file.at("name")));
  }
  spec.name = file.value("name", std::string());
  if (!file.contains("base")) throw InputError(path + ": missing \"base\": a config file path or an inline config");
  const nlohmann::ordered_json& base = file.at("base");
  const std::string sweep_dir = config_dir(path);
  if (base.is_string()) {
    // Relative to the sweep file, as every path in a file is.
    const std::filesystem::path written(base.get<std::string>());
    const std::string base_path = written.is_absolute() || sweep_dir.empty() ? written.string()
                                                                             : (std::filesystem::path(sweep_dir) / written).string();
    std::error_code unreadable;
    if (!std::filesystem::exists(base_path, unreadable)) {
      throw InputError(path + ": base: cannot read the base config \"" + written.string() + "\"" +
                       (written.is_absolute() ? "" : " (looked for " + base_path + ": relative paths are from the sweep file's folder)"));
    }
    spec.base = load_json_file(base_path);
    spec.base_dir = config_dir(base_path);
  } else if (base.is_object()) {
    spec.base = nlohmann::json::parse(base.dump());
    spec.base_dir = sweep_dir;
  } else {
    throw InputError(path + ": base: expected a config file path or an inline config object, got " + json_excerpt(base));
  }
  if (file.contains("set")) {
    if (!file.at("set").is_object()) throw InputError(path + ": set: expected an object of JSON path -> value");
    for (const auto& [p, value] : file.at("set").items()) {
      try {
        set_value(spec.base, p, anchored(p, nlohmann::json::parse(value.dump()), sweep_dir));
      } catch (const InputError& e) {
        throw InputError(path + ": set.\"" + p + "\": " + e.what());
      }
    }
  }
  spec.grid = read_section(file, "grid", path, sweep_dir);
  spec.zip = read_section(file, "zip", path, sweep_dir);
  for (const SweepParameter& p : spec.zip) {
    if (p.values.size() != spec.zip.front().values.size()) {
      throw InputError(path + ": zip.\"" + p.path + "\": has " + std::to_string(p.values.size()) +
                       " values but zip.\"" + spec.zip.front().path + "\" has " +
                       std::to_string(spec.zip.front().values.size()) + "; zipped lists must have equal lengths");
    }
  }
  if (file.contains("repeats")) {
    const auto& r = file.at("repeats");
    if (!r.is_number_unsigned() || r.get<uint64_t>() == 0) {
      throw InputError(path + ": repeats: expected a positive integer, got " + json_excerpt(r));
    }
    spec.repeats = r.get<uint64_t>();
  }
  if (spec.repeats > 1 && varies(spec, "seed")) {
    throw InputError(path + ": repeats: " + std::to_string(spec.repeats) +
                     " with \"seed\" varied: repeats derive each point's seeds from its own, so the two would collide; "
                     "vary \"seed\" alone or use repeats alone");
  }
  check_point_count(file, spec, path);
  spec.base_seed = spec.base.contains("seed") && spec.base["seed"].is_number_unsigned() ? spec.base["seed"].get<uint64_t>() : 0;

  // Check the base and every single value before anything runs.
  try {
    parse_run_config(spec.base, path + " (base)", spec.base_dir);
  } catch (const InputError& e) {
    throw InputError(path + ": base: " + e.what());
  }
  for (const std::vector<SweepParameter>* section : {&spec.grid, &spec.zip}) {
    const std::string name = section == &spec.grid ? "grid" : "zip";
    for (const SweepParameter& p : *section) {
      for (size_t i = 0; i < p.values.size(); ++i) {
        nlohmann::json config = spec.base;
        try {
          set_value(config, p.path, p.values[i]);
          parse_run_config(config, "point config", spec.base_dir);
        } catch (const InputError& e) {
          throw InputError(path + ": " + name + ".\"" + excerpt(p.path) + "\"[" + std::to_string(i) + "] = " + json_excerpt(p.values[i]) +
                           ": " + e.what());
        }
      }
    }
  }
  nlohmann::json identity = {{"base", spec.base}, {"repeats", spec.repeats}};
  for (const SweepParameter& p : spec.grid) identity["grid"].push_back({p.path, p.values});
  for (const SweepParameter& p : spec.zip) identity["zip"].push_back({p.path, p.values});
  spec.hash = json_hash(identity);
  return spec;
}

}  // namespace tiersim
