#include "models/workloads/kv_cache/kv_serving_spec.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "models/tiers/topology.h"
#include "sim/config/config_node.h"
#include "sim/config/excerpt.h"
#include "traces/trace_source.h"
#include "sim/config/units.h"
#include "sim/errors.h"
#include "traces/kv/kv_request_source.h"
#include "traces/kv/mooncake_trace.h"

namespace tiersim::models {

namespace {

// A duration in picoseconds with three more decimals than the engine's integer clock
// ("0.45 ps" per token pair is a real attention cost): the text is read one unit up
// (ps as ns, ...) and scaled back.
double fine_duration_ps(const ConfigNode& node) {
  std::string text = node.as_string();
  static const char* const kUnits[][2] = {{"ps", "ns"}, {"ns", "us"}, {"us", "ms"}, {"ms", "s"}};
  for (const auto& unit : kUnits) {
    const std::string from = unit[0];
    if (text.size() >= from.size() && text.compare(text.size() - from.size(), from.size(), from) == 0) {
      text = text.substr(0, text.size() - from.size()) + unit[1];
      try {
        return static_cast<double>(sim::units::parse_duration(text)) / 1000.0;
      } catch (const std::exception& e) {
        node.fail(e.what());
      }
    }
  }
  return static_cast<double>(node.as_duration());
}

std::vector<uint32_t> tier_list(const ConfigNode& node, const TopologySpec& topology) {
  std::vector<uint32_t> tiers;
  for (size_t i = 0; i < node.size(); ++i) {
    const ConfigNode item = node.at(i);
    const std::string name = item.as_string();
    uint32_t found = UINT32_MAX;
    for (uint32_t t = 0; t < topology.tiers.size(); ++t)
      if (topology.tiers[t].name == name) found = t;
    if (found == UINT32_MAX) item.fail("no tier named \"" + name + "\"");
    if (found == 0) item.fail("new chunks are computed into \"" + name + "\", the first tier: list the tiers below it");
    if (std::find(tiers.begin(), tiers.end(), found) != tiers.end()) item.fail("tier \"" + name + "\" is listed twice");
    tiers.push_back(found);
  }
  std::sort(tiers.begin(), tiers.end());
  return tiers;
}

bool has_link(const TopologySpec& topology, uint32_t from, uint32_t to) {
  for (const LinkSpec& l : topology.links)
    if (l.from_tier == from && l.to_tier == to) return true;
  return false;
}

void require_write_links(const ConfigNode& where, const TopologySpec& topology, uint32_t deepest, const char* why) {
  for (uint32_t t = 0; t < deepest; ++t) {
    if (!has_link(topology, t, t + 1)) {
      where.fail(std::string(why) + " writes chunks from \"" + topology.tiers[t].name + "\" down to \"" + topology.tiers[t + 1].name +
                 "\": add a link from \"" + topology.tiers[t].name + "\" to \"" + topology.tiers[t + 1].name + "\"");
    }
  }
}

}  // namespace

sim::Time PrefillCost::time(uint64_t cached, uint64_t fresh) const {
  if (roofline) return sim::saturating_add(fixed, roofline->prefill(cached, fresh));
  const double total = double(cached + fresh);
  const double quadratic = per_token2_ps * (total * total - double(cached) * double(cached));
  const double ps = double(fixed) + double(per_token) * double(fresh) + quadratic;
  return ps >= double(sim::kEndOfTime) ? sim::kEndOfTime : static_cast<sim::Time>(std::llround(ps));
}



// Each listed model's shape (the workload's where it gives none) and its prefill cost: the
// hand-set terms are shared, a roofline is the model's own on the workload's GPU.
void add_shapes(const ConfigNode& workload, KvServingSpec& spec, const std::shared_ptr<const Roofline>& roofline) {
  spec.shapes = {spec.model};
  spec.prefill_by_shape = {spec.prefill};
  for (size_t i = 0; i < spec.namespaces.shapes.size(); ++i) {
    const std::optional<ModelShape>& shape = spec.namespaces.shapes[i];
    spec.shapes.push_back(shape ? *shape : spec.model);
    PrefillCost cost = spec.prefill;
    if (shape && cost.roofline) {
      std::string missing;
      if (!shape->has_compute_shape(&missing)) {
        workload.at("namespaces").at("models").at(i).at("shape").fail("the GPU's roofline needs the model's \"" + missing + "\"");
      }
      cost.roofline = std::make_shared<const Roofline>(*shape, roofline->gpu());
    }
    spec.prefill_by_shape.push_back(cost);
  }
}

KvServingSpec parse_kv_serving(const ConfigNode& workload, const TopologySpec& topology, uint64_t run_seed) {
  const std::string store = "tiers[" + std::to_string(topology.tiers.size() - 1) + "]";
  for (const char* moved : {"object_store", "compression"}) {
    if (workload.has(moved)) {
      workload.at(moved).fail(std::string("moved to the backing store's tier: give it as ") + store + "." + moved + " (\"" +
                              topology.tiers.back().name + "\"), where every workload's links to the store use it");
    }
  }
  workload.allow_only({"type", "trace", "generator", "block_tokens", "chunk_tokens", "model", "prefill", "layerwise", "prefill_slots",
                       "write", "cost", "workers", "decode", "max_requests", "request_log", "request_log_max_rows", "load_policy", "gpu",
                       "namespaces", "index", "discovery"});
  for (const TierSpec& t : topology.tiers) {
    if (t.partition_by_layer) {
      throw InputError(t.partition_path + ": a KV chunk holds every layer of its tokens, so a KV tier cannot be partitioned by layer; "
                       "remove \"partition\"");
    }
  }
  KvServingSpec spec;
  spec.seed = run_seed;
  const TraceSource source =
      read_trace_source(workload, "missing the requests: give \"trace\" (a Mooncake JSON-lines file) or \"generator\"");
  if (source.generator) {
    spec.generator = traces::parse_kv_generator(*source.generator, run_seed);
    spec.block_tokens = 16;
  } else {
    spec.trace_path = source.path;
    if (source.format) source.format->as_enum({"mooncake"});
  }
  spec.block_tokens = static_cast<uint32_t>(workload.uint_or("block_tokens", spec.block_tokens, 1, 1u << 20));
  if (auto c = workload.find("chunk_tokens")) {
    spec.chunk_tokens = static_cast<uint32_t>(c->as_uint(1, 1u << 24));
    if (spec.chunk_tokens % spec.block_tokens != 0) {
      c->fail("chunk_tokens " + std::to_string(spec.chunk_tokens) + " is not a multiple of block_tokens " +
              std::to_string(spec.block_tokens) + " (a chunk is a whole number of blocks)");
    }
  } else {
    spec.chunk_tokens = (256 + spec.block_tokens - 1) / spec.block_tokens * spec.block_tokens;
  }
  spec.model = parse_model_shape(workload.at("model"));

  std::shared_ptr<const Roofline> roofline;
  if (auto gpu = workload.find("gpu")) {
    std::string missing;
    if (!spec.model.has_compute_shape(&missing)) {
      workload.at("model").fail("the GPU's roofline needs the model's \"" + missing + "\" (or a preset: " + model_preset_names() + ")");
    }
    roofline = std::make_shared<const Roofline>(spec.model, parse_gpu_profile(*gpu));
  }
  const std::optional<ConfigNode> prefill = roofline ? workload.find("prefill") : std::optional<ConfigNode>(workload.at("prefill"));
  if (prefill) {
    prefill->allow_only({"fixed", "per_token", "per_token2"});
    spec.prefill.fixed = prefill->duration_or("fixed", 0);
    spec.prefill.per_token = prefill->duration_or("per_token", 0);
    if (auto q = prefill->find("per_token2")) spec.prefill.per_token2_ps = fine_duration_ps(*q);
  }
  if (!prefill || (!prefill->has("per_token") && !prefill->has("per_token2"))) spec.prefill.roofline = roofline;
  spec.layerwise = workload.bool_or("layerwise", true);
  if (auto policy = workload.find("load_policy")) spec.load_when_faster = policy->as_enum({"when_faster", "always"}) == "when_faster";
  spec.prefill_slots = static_cast<uint32_t>(workload.uint_or("prefill_slots", 1, 1, 1024));
  spec.max_requests = workload.uint_or("max_requests", UINT64_MAX, 1);
  const std::optional<ConfigNode> workers = workload.find("workers"), decode = workload.find("decode");
  spec.workers = parse_kv_workers(workers ? &*workers : nullptr, topology);
  spec.decode = parse_kv_decode(decode ? &*decode : nullptr, roofline != nullptr);
  if (roofline && spec.decode.enabled && (!decode->has("step") || spec.decode.step.roofline_with_fixed)) {
    spec.decode.step.roofline = roofline;
    spec.decode.step.bytes_per_token = spec.model.bytes_per_token();
  }
  spec.request_log = workload.bool_or("request_log", false);
  spec.request_log_max_rows = workload.uint_or("request_log_max_rows", spec.request_log_max_rows, 1, uint64_t{1} << 40);
  if (auto namespaces = workload.find("namespaces")) spec.namespaces = parse_namespaces(*namespaces);
  else spec.namespaces.path = workload.source() + ": " + workload.path() + ".namespaces";
  add_shapes(workload, spec, roofline);
  if (auto discovery = workload.find("discovery")) {
    discovery->allow_only({"mode", "query_latency", "remote_from", "prefetch"});
    const std::string mode = discovery->at("mode").as_enum({"local", "always", "prefix_map", "hint"});
    spec.discovery.mode = mode == "always"       ? DiscoverySpec::Mode::kAlways
                          : mode == "prefix_map" ? DiscoverySpec::Mode::kPrefixMap
                          : mode == "hint"       ? DiscoverySpec::Mode::kHint
                                                 : DiscoverySpec::Mode::kLocal;
    spec.discovery.query_latency = discovery->duration_or("query_latency", 0);
    spec.discovery.prefetch = discovery->bool_or("prefetch", false);
    if (spec.discovery.prefetch && spec.discovery.mode != DiscoverySpec::Mode::kHint) {
      discovery->at("prefetch").fail("a prefetch follows a hint: it applies with \"mode\": \"hint\"");
    }
    if (spec.discovery.query_latency < 0) discovery->at("query_latency").fail("expected a duration >= 0");
    if (auto remote = discovery->find("remote_from")) {
      const std::string name = remote->as_string();
      for (uint32_t t = 0; t < topology.tiers.size(); ++t)
        if (topology.tiers[t].name == name) spec.discovery.remote_from = t;
      if (spec.discovery.remote_from == UINT32_MAX || spec.discovery.remote_from == 0) {
        remote->fail("expected a tier below the first, by name, got \"" + excerpt(name) + "\"");
      }
    }
  }
  if (auto index = workload.find("index")) {
    index->allow_only({"architecture", "service_time", "servers"});
    spec.index.pooled = index->at("architecture").as_enum({"distributed", "pooled"}) == "pooled";
    if (!spec.index.pooled) {
      index->allow_only({"architecture"});
    } else {
      spec.index.service_time = index->duration_or("service_time", 0);
      if (spec.index.service_time < 0) index->at("service_time").fail("expected a duration >= 0");
      spec.index.servers = static_cast<uint32_t>(index->uint_or("servers", 1, 1, 4096));
    }
  }

  if (auto w = workload.find("write")) {
    w->allow_only({"through", "back", "store_after_hits"});
    spec.store_after_hits = static_cast<uint32_t>(w->uint_or("store_after_hits", 0, 0, 1u << 20));
    if (auto through = w->find("through")) {
      spec.write_through = tier_list(*through, topology);
      if (!spec.write_through.empty()) require_write_links(*through, topology, spec.write_through.back(), "write-through");
    }
    spec.write_back = w->bool_or("back", true);
    if (topology.exclusive && !spec.write_through.empty()) {
      w->at("through").fail("an exclusive hierarchy keeps one copy of a chunk: write-through would keep two; remove \"through\" "
                            "or use \"inclusion\": \"inclusive\"");
    }
    if (spec.write_back) require_write_links(w->has("back") ? w->at("back") : *w, topology, static_cast<uint32_t>(topology.tiers.size() - 1), "write-back");
  } else {
    require_write_links(workload, topology, static_cast<uint32_t>(topology.tiers.size() - 1),
                        "write-back (the default write policy; set \"write\": {\"back\": false} to drop evicted chunks)");
  }

  spec.cost.storage_usd_per_gb_month.assign(topology.tiers.size(), 0.0);
  if (auto c = workload.find("cost")) {
    c->allow_only({"storage_usd_per_gb_month", "get_usd_per_1000", "put_usd_per_1000"});
    if (auto s = c->find("storage_usd_per_gb_month")) {
      if (!s->is_object()) s->fail("expected an object of tier name -> price, got " + s->describe());
      for (uint32_t t = 0; t < topology.tiers.size(); ++t)
        spec.cost.storage_usd_per_gb_month[t] = s->double_or(topology.tiers[t].name, 0, 0, 1e9);
      std::vector<std::string_view> names;
      for (const TierSpec& t : topology.tiers) names.push_back(t.name);
      s->allow_only(names);
    }
    spec.cost.get_usd_per_1000 = c->double_or("get_usd_per_1000", 0, 0, 1e9);
    spec.cost.put_usd_per_1000 = c->double_or("put_usd_per_1000", 0, 0, 1e9);
  }
  return spec;
}

std::unique_ptr<traces::KvRequestSource> open_kv_source(const KvServingSpec& spec, traces::KvTrace& trace) {
  trace.block_tokens = spec.block_tokens;
  if (spec.generator) {
    trace.source = "generator";
    traces::KvGeneratorSpec g = *spec.generator;
    g.requests = std::min(g.requests, spec.max_requests);
    return traces::generated_source(g, spec.block_tokens);
  }
  trace.source = spec.trace_path;
  return traces::mooncake_source(spec.trace_path);
}

traces::KvTrace load_kv_trace(const KvServingSpec& spec) {
  traces::KvTrace trace;
  traces::drain(*open_kv_source(spec, trace), trace, spec.max_requests);
  if (!spec.generator) traces::require_requests(trace);
  assign_namespaces(spec.namespaces, trace);
  return trace;
}

}  // namespace tiersim::models
