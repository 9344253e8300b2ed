// `tiersim trace gen` and `tiersim trace stats`.
#include <cstdio>

#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "app/commands.h"
#include "sim/config/load_config.h"
#include "models/workloads/kv_cache/kv_cache_workload.h"
#include "run/config_paths.h"
#include "run/run_config.h"
#include "sim/output/results_writer.h"
#include "traces/kv/kv_generator.h"
#include "sim/config/units.h"
#include "traces/generators/generated_trace.h"
#include "traces/kv/api_trace.h"
#include "traces/kv/api_trace_stats.h"
#include "traces/kv/kv_trace_stats.h"
#include "traces/kv/mooncake_trace.h"
#include "traces/stats/trace_stats.h"
#include "traces/trace_format.h"

namespace tiersim {

int trace_gen_command(const TraceGenCommand& command) {
  if (command.output.empty()) throw InputError("trace gen: give the output file with -o FILE");
  const ConfigNode flags(command.generator, "", "command line");
  const traces::GeneratorSpec spec = traces::parse_generator(flags, flags.uint_or("seed", 0));
  const std::optional<traces::Format> format = traces::parse_format(command.format);
  if (!format) throw InputError("--format: choose csv, bin or oracleGeneral for the output");
  if (command.object_size == 0 || command.object_size > UINT32_MAX) {
    throw InputError("--object_size: expected bytes in [1, 4294967295]");
  }
  traces::GeneratedTrace trace(spec);
  const std::unique_ptr<traces::TraceWriter> writer =
      traces::create_trace_writer(command.output, *format, static_cast<uint32_t>(command.object_size));
  std::vector<traces::Access> batch(1 << 14);
  uint64_t total = 0;
  size_t n;
  while ((n = trace.read(batch.data(), batch.size())) > 0) {
    writer->write(batch.data(), n);
    total += n;
  }
  writer->finish();
  std::printf("wrote %llu accesses (%llu steps, sampler %s) to %s (%s)\n", static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(spec.steps), spec.sampler.c_str(), command.output.c_str(),
              traces::format_name(*format));
  return 0;
}

int trace_gen_kv_command(const TraceGenKvCommand& command) {
  const nlohmann::json config = load_config(command.config_path, anchor_overrides(command.overrides));
  const RunConfig parsed = parse_run_config(config, command.config_path, config_dir(command.config_path));
  const auto* kv = parsed.workload_as<models::KvCacheWorkload>();
  if (!kv || !kv->spec().generator) {
    throw InputError(command.config_path + ": workload: expected a \"kv_cache\" workload with a \"generator\" block");
  }
  const traces::KvTrace trace = models::load_kv_trace(kv->spec());
  write_file_atomically(command.output, traces::kv_trace_to_jsonl(trace));
  std::printf("wrote %zu requests (%zu block ids of %u tokens) to %s\n", trace.requests.size(), trace.block_ids.size(),
              trace.block_tokens, command.output.c_str());
  return 0;
}

namespace {

double kv_bytes_per_token_of(const TraceStatsCommand& command) {
  if (command.kv_bytes_per_token.empty()) return 0;
  try {
    return static_cast<double>(sim::units::parse_bytes(command.kv_bytes_per_token));
  } catch (const std::exception& e) {
    throw InputError(std::string("--kv-bytes-per-token: ") + e.what());
  }
}

int api_trace_stats(const TraceStatsCommand& command) {
  const double kv_bytes_per_token = kv_bytes_per_token_of(command);
  const traces::ApiTraceStats stats = traces::compute_api_trace_stats(traces::read_api_trace(command.trace, command.block_tokens));
  if (command.json) {
    nlohmann::ordered_json out;
    out["trace"] = command.trace;
    traces::api_trace_stats_to_json(stats, kv_bytes_per_token, out);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", traces::format_api_trace_stats(stats, command.trace, kv_bytes_per_token).c_str());
  }
  return 0;
}

int kv_trace_stats(const TraceStatsCommand& command) {
  const double kv_bytes_per_token = kv_bytes_per_token_of(command);
  const traces::KvTrace trace = traces::read_mooncake_trace(command.trace, command.block_tokens);
  const traces::KvTraceStats stats = traces::compute_kv_trace_stats(trace);
  if (command.json) {
    nlohmann::ordered_json out;
    out["trace"] = command.trace;
    traces::kv_trace_stats_to_json(stats, kv_bytes_per_token, out);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", traces::format_kv_trace_stats(stats, command.trace, kv_bytes_per_token).c_str());
  }
  return 0;
}

}  // namespace

int trace_stats_command(const TraceStatsCommand& command) {
  const bool json_lines = command.format == "auto" && traces::looks_like_kv_trace(command.trace);
  if (command.format == "api" || (json_lines && traces::looks_like_api_trace(command.trace))) return api_trace_stats(command);
  if (command.format == "mooncake" || json_lines) return kv_trace_stats(command);
  const std::vector<uint64_t> windows = parse_count_list(command.windows, "--window");
  const std::unique_ptr<traces::TraceReader> trace = traces::open_trace(command.trace, traces::parse_format(command.format));
  const traces::TraceStats stats = traces::compute_trace_stats(*trace, windows);
  if (command.json) {
    nlohmann::ordered_json out;
    out["trace"] = command.trace;
    traces::trace_stats_to_json(stats, out);
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("%s", traces::format_trace_stats(stats, command.trace).c_str());
  }
  return 0;
}

}  // namespace tiersim

namespace tiersim {

int trace_to_api_command(const TraceToApiCommand& command) {
  const traces::KvTrace trace = traces::read_mooncake_trace(command.trace, command.block_tokens);
  const std::string calls = traces::mooncake_as_api_calls(trace);
  write_file_atomically(command.output, calls);
  std::printf("wrote %zu requests as query, load and store calls to %s\n", trace.requests.size(), command.output.c_str());
  return 0;
}

}  // namespace tiersim
