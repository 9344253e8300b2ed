// The table of renamed flags, and the scan that finds an old spelling before CLI11 parses.
#include "app/renamed_flags.h"

#include <algorithm>
#include <cstring>

#include "traces/generators/sampler_registry.h"

namespace tiersim {

std::string kebab(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

std::vector<RenamedFlag> renamed_flags() {
  // bench-cache keeps the MoE prototype's own underscore flags as aliases; the flags tiersim
  // added to it are kebab-case only.
  std::vector<RenamedFlag> table = {
      {"bench-cache", "--trace_format", "--trace-format"},
      {"bench-cache", "--compute_per_layer", "--compute-per-layer"},
      {"bench-cache", "--expert_bytes", "--expert-bytes"},
      {"bench-cache", "--n_layers", "--n-layers"},
      {"bench-cache", "--zipf_alpha", "--zipf-alpha"},
      {"trace gen", "--object_size", "--object-size"},
      {"trace gen", "--output", "-o"},
      {"trace gen-kv", "--output", "-o"},
  };
  std::vector<std::string> keys = {"n_experts", "n_layers", "experts_per_step"};
  for (const traces::SamplerParameter& p : traces::all_sampler_parameters()) keys.push_back(p.key);
  for (const std::string& key : keys) {
    if (key.find('_') == std::string::npos) continue;
    std::string old_spelling = "--";
    old_spelling.append(key);
    table.push_back({"trace gen", old_spelling, kebab(old_spelling)});
  }
  return table;
}

namespace {

// The subcommand path: the leading words before the first flag ("trace gen", "run").
std::string command_of(int argc, char** argv) {
  std::string command;
  for (int i = 1; i < argc && i < 3 && argv[i][0] != '-'; ++i) {
    if (i == 2 && command != "trace") break;
    if (!command.empty()) command.push_back(' ');
    command.append(argv[i]);
  }
  return command;
}

}  // namespace

std::optional<std::string> renamed_flag_error(int argc, char** argv) {
  const std::string command = command_of(argc, argv);
  const std::vector<RenamedFlag> table = renamed_flags();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) break;
    std::string flag = argv[i];
    flag = flag.substr(0, flag.find('='));
    for (const RenamedFlag& r : table) {
      if (r.command == command && r.old_spelling == flag) {
        std::string message = command;
        message.append(": ").append(flag).append(" is now ").append(r.new_spelling).append(" (see docs/renamed.md)");
        return message;
      }
    }
  }
  return std::nullopt;
}

}  // namespace tiersim
