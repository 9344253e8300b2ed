#include "models/tiers/topology.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "models/links/hardware_profile.h"
#include "models/links/link_model_registry.h"
#include "models/policies/partitioned_policy.h"
#include "models/policies/policy_registry.h"
#include "sim/config/config_node.h"
#include "sim/errors.h"
#include "sim/config/units.h"

namespace tiersim::models {

namespace {

// The tier's policy, by name or {"name": ..., parameters}: built once here so that a bad
// parameter is an error now, and kept as a maker of fresh instances.
void read_policy(const std::optional<ConfigNode>& policy, TierSpec& tier) {
  const PolicyEntry* entry = PolicyRegistry::find(tier.policy);
  std::shared_ptr<const nlohmann::json> parameters;
  std::string parameters_path, source;
  if (policy) {
    const ConfigNode name = policy->is_object() ? policy->at("name") : *policy;
    tier.policy = name.as_string();
    entry = PolicyRegistry::find(tier.policy);
    if (!entry) name.fail("unknown eviction policy \"" + tier.policy + "\"; expected one of: " + PolicyRegistry::names());
    if (policy->is_object()) {
      parameters = std::make_shared<const nlohmann::json>(policy->raw());
      parameters_path = policy->path();
      source = policy->source();
    }
  }
  tier.make_policy = [entry, parameters, parameters_path, source] {
    if (!parameters) return entry->make(nullptr);
    const ConfigNode node(*parameters, parameters_path, source);
    return entry->make(&node);
  };
  tier.offline_policy = tier.make_policy()->offline();
}

// "partition": "layer" gives each layer the tier's capacity and its own policy instance.
void read_partition(const ConfigNode& node, TierSpec& tier) {
  if (node.as_enum({"none", "layer"}) == "none") return;
  tier.partition_by_layer = true;
  tier.partition_path = node.source() + ": " + node.path();
  const bool in_bytes = tier.capacity.objects == UINT64_MAX;
  const uint64_t units = in_bytes ? tier.capacity.bytes : tier.capacity.objects;
  tier.make_policy = [inner = tier.make_policy, units, in_bytes] {
    return std::make_unique<PartitionedPolicy>(inner, units, in_bytes);
  };
}

TierSpec parse_tier(const ConfigNode& node, bool backing, uint64_t object_bytes) {
  for (const char* key : {"object_store", "compression"}) {
    if (!backing && node.has(key)) {
      node.at(key).fail(std::string(key) + " describes the backing store (the last tier), which objects are read from and "
                        "written to; a cache tier above it takes name, capacity and policy");
    }
  }
  node.allow_only(backing ? std::initializer_list<std::string_view>{"name", "capacity", "policy", "object_store", "compression"}
                          : std::initializer_list<std::string_view>{"name", "capacity", "policy", "partition",
                                                                    "refresh_on_hit_above"});
  TierSpec tier;
  tier.name = node.at("name").as_identifier();
  if (backing) {
    if (node.has("capacity") || node.has("policy")) {
      node.at(node.has("capacity") ? "capacity" : "policy")
          .fail("the last tier is the backing store: it holds every object and takes no capacity or policy");
    }
    if (auto store = node.find("object_store")) tier.object_store = parse_object_store(*store);
    if (auto compression = node.find("compression")) tier.compression = parse_compression(*compression);
    read_policy(std::nullopt, tier);
    tier.offline_policy = false;
    return tier;
  }
  const ConfigNode capacity = node.at("capacity");
  if (capacity.is_number()) {
    tier.capacity.objects = capacity.as_uint(1);
  } else if (capacity.is_string()) {
    const std::string text = capacity.as_string();
    const size_t slots_at = text.find("slots");
    if (slots_at != std::string::npos && text.substr(slots_at) == "slots") {
      uint64_t n = 0;
      bool digits = false;
      size_t i = 0;
      while (i < slots_at && text[i] == ' ') ++i;
      for (; i < slots_at && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (n > (uint64_t{1} << 40)) break;  // too many already: checked below, before it could wrap
        n = n * 10 + static_cast<uint64_t>(text[i] - '0');
        digits = true;
      }
      while (i < slots_at && text[i] == ' ') ++i;
      if (!digits || i != slots_at || n == 0 || n > (uint64_t{1} << 40)) {
        capacity.fail("expected a positive number of slots like \"16 slots\", got " + capacity.describe());
      }
      tier.capacity.objects = n;
    } else {
      tier.capacity.bytes = capacity.as_bytes();
      if (tier.capacity.bytes == 0) capacity.fail("capacity must be greater than zero, got " + capacity.describe());
      if (object_bytes > 0) {
        // Every object has the same size: a byte capacity is a number of slots.
        tier.capacity.objects = tier.capacity.bytes / object_bytes;
        if (tier.capacity.objects == 0) {
          capacity.fail("capacity " + capacity.describe() + " holds no object of " +
                        sim::units::format_bytes(object_bytes) + " (expected at least one object's worth)");
        }
      }
    }
  } else {
    capacity.fail("expected a number of slots (16), \"16 slots\" or a size (\"80 GiB\"), got " + capacity.describe());
  }
  read_policy(node.find("policy"), tier);
  if (auto partition = node.find("partition")) read_partition(*partition, tier);
  tier.refresh_on_hit_above = node.bool_or("refresh_on_hit_above", false);
  return tier;
}

uint32_t tier_index(const ConfigNode& node, const std::vector<TierSpec>& tiers) {
  const std::string name = node.as_string();
  for (size_t i = 0; i < tiers.size(); ++i)
    if (tiers[i].name == name) return static_cast<uint32_t>(i);
  std::string known;
  for (const TierSpec& t : tiers) known += (known.empty() ? "" : ", ") + t.name;
  node.fail("no tier named \"" + name + "\"; the tiers are: " + known);
}

LinkSpec parse_link(const ConfigNode& node, const std::vector<TierSpec>& tiers, const HardwareProfile* hardware) {
  node.allow_only(link_parameter_keys({"name", "from", "to", "profile"}));
  LinkSpec link;
  link.name = node.at("name").as_identifier();
  link.from_tier = tier_index(node.at("from"), tiers);
  link.to_tier = tier_index(node.at("to"), tiers);
  if (link.from_tier == link.to_tier) node.at("to").fail("a link must join two different tiers");
  LinkParameters model;
  if (auto profile = node.find("profile")) {
    const std::string name = profile->as_string();
    if (!hardware) profile->fail("a link profile needs the config's \"hardware\" key naming a profile file");
    const LinkParameters* found = hardware->find(name);
    if (!found) profile->fail("no link model \"" + name + "\" in " + hardware->path() + "; it has: " + hardware->names());
    model = *found;
  }
  read_link_parameters(node, model);
  if (!model.bandwidth_Bps) node.fail("missing required key \"bandwidth\" (or a \"profile\" that sets it)");
  apply_link_parameters(model, link);
  return link;
}

// Up from each tier to tier 0, taking the link that climbs highest at each tier (a direct
// link skips tiers in between); empty for tier 0. Throws `links_node`'s error when a tier
// has no way up.
std::vector<std::vector<uint32_t>> fetch_paths(const TopologySpec& spec, const ConfigNode* links_node) {
  const uint32_t n = static_cast<uint32_t>(spec.tiers.size());
  std::vector<std::vector<uint32_t>> paths(n);
  for (uint32_t source = 1; source < n; ++source) {
    uint32_t at = source;
    while (at != 0) {
      uint32_t best = kNoLink;
      for (uint32_t to = 0; to < at && best == kNoLink; ++to) best = link_between(spec.links, at, to);
      if (best == kNoLink) {
        const std::string message = "no link moves objects up from tier \"" + spec.tiers[at].name + "\" (add a link from \"" +
                                    spec.tiers[at].name + "\" to \"" + spec.tiers[at - 1].name + "\")";
        if (links_node) links_node->fail(message);
        throw std::logic_error(message);
      }
      paths[source].push_back(best);
      at = spec.links[best].to_tier;
    }
  }
  return paths;
}

void check_paths(const TopologySpec& spec, const ConfigNode& links_node, bool needs_writeback) {
  fetch_paths(spec, &links_node);
  if (!needs_writeback) return;
  for (uint32_t t = 0; t + 1 < spec.tiers.size(); ++t) {
    if (link_between(spec.links, t, t + 1) != kNoLink) continue;
    links_node.fail("training mode writes dirty objects back from \"" + spec.tiers[t].name + "\" to \"" + spec.tiers[t + 1].name +
                    "\": add a link from \"" + spec.tiers[t].name + "\" to \"" + spec.tiers[t + 1].name + "\"");
  }
}

}  // namespace

// "inclusion": "exclusive" moves every cache tier's victims into the tier below it, so each
// cache tier but the last needs a link down.
void read_inclusion(const ConfigNode& node, TopologySpec& spec) {
  spec.exclusive = node.as_enum({"inclusive", "exclusive"}) == "exclusive";
  if (!spec.exclusive) return;
  for (uint32_t t = 0; t + 2 < spec.tiers.size(); ++t) {
    bool down = false;
    for (const LinkSpec& l : spec.links) down = down || (l.from_tier == t && l.to_tier == t + 1);
    if (!down) {
      node.fail("an exclusive hierarchy moves \"" + spec.tiers[t].name + "\"'s victims into \"" + spec.tiers[t + 1].name +
                "\": add a link from \"" + spec.tiers[t].name + "\" to \"" + spec.tiers[t + 1].name + "\"");
    }
  }
}

TopologySpec parse_topology(const ConfigNode& config, uint64_t object_bytes, bool needs_writeback) {
  TopologySpec spec;
  spec.seed = config.uint_or("seed", 0);
  const ConfigNode tiers = config.at("tiers");
  if (tiers.size() < 2) tiers.fail("expected at least two tiers (a cache and the backing store), got " + std::to_string(tiers.size()));
  if (tiers.size() > 8) tiers.fail("expected at most 8 tiers, got " + std::to_string(tiers.size()));
  for (size_t i = 0; i < tiers.size(); ++i) {
    spec.tiers.push_back(parse_tier(tiers.at(i), i + 1 == tiers.size(), object_bytes));
    if (i == 0 && spec.tiers[0].refresh_on_hit_above) tiers.at(0).at("refresh_on_hit_above").fail("the first tier has no tier above it");
    for (size_t j = 0; j < i; ++j)
      if (spec.tiers[j].name == spec.tiers[i].name) tiers.at(i).at("name").fail("tier name \"" + spec.tiers[i].name + "\" is used twice");
  }
  std::optional<HardwareProfile> hardware;
  if (auto path = config.find("hardware")) {
    std::string looked;
    std::string file = path->resolved_path(&looked);
    std::error_code unreadable;  // a name too long, a loop of links: reported as "cannot read" below, not thrown
    if (std::filesystem::is_directory(file, unreadable)) file = (std::filesystem::path(file) / "profile.json").string();  // calibrate's folder
    try {
      hardware = HardwareProfile::load(file);
    } catch (const InputError& e) {
      path->fail(e.what() + (std::filesystem::exists(file, unreadable) ? "" : looked));
    }
    spec.hardware_path = file;
    spec.host_cpu = hardware->cpu();
  }
  const ConfigNode links = config.at("links");
  for (size_t i = 0; i < links.size(); ++i) {
    spec.links.push_back(parse_link(links.at(i), spec.tiers, hardware ? &*hardware : nullptr));
    for (size_t j = 0; j < i; ++j) {
      if (spec.links[j].name == spec.links[i].name) links.at(i).at("name").fail("link name \"" + spec.links[i].name + "\" is used twice");
      if (spec.links[j].from_tier == spec.links[i].from_tier && spec.links[j].to_tier == spec.links[i].to_tier) {
        links.at(i).fail("links \"" + spec.links[j].name + "\" and \"" + spec.links[i].name + "\" join the same tiers in the same direction");
      }
    }
  }
  check_paths(spec, links, needs_writeback);
  if (auto inclusion = config.find("inclusion")) read_inclusion(*inclusion, spec);
  return spec;
}

Topology::Topology(sim::Simulator& simulator, const TopologySpec& spec, const LinkFactory& make_link)
    : exclusive_(spec.exclusive), simulator_(simulator), make_link_(make_link) {
  for (size_t i = 0; i < spec.tiers.size(); ++i) {
    const bool backing = i + 1 == spec.tiers.size();
    std::unique_ptr<EvictionPolicy> policy = spec.tiers[i].make_policy();
    offline_ = offline_ || (!backing && policy->offline());
    tiers_.push_back(std::make_unique<Tier>(spec.tiers[i], std::move(policy), backing));
  }
  // The backing store counts its GETs and PUTs (and limits them when configured); a
  // compressed one has its codec.
  const TierSpec& store = spec.tiers.back();
  gate_ = std::make_unique<ObjectStoreGate>(store.object_store.value_or(ObjectStoreSpec{}), spec.seed);
  if (store.compression.enabled) {
    const CompressionSpec& z = store.compression;
    encoder_ = std::make_unique<QueueingLink>(simulator, codec_link_spec(store.name + "_encode", z.encode_Bps, z.channels));
    decoder_ = std::make_unique<QueueingLink>(simulator, codec_link_spec(store.name + "_decode", z.decode_Bps, z.channels));
  }
  for (const LinkSpec& l : spec.links) links_.push_back(instantiate_link(l));
  fetch_paths_ = fetch_paths(spec, nullptr);
  const uint32_t n = static_cast<uint32_t>(tiers_.size());
  writeback_links_.assign(n, kNoLink);
  for (uint32_t t = 0; t + 1 < n; ++t) writeback_links_[t] = link_between(t, t + 1);
}

std::unique_ptr<ILink> Topology::instantiate_link(const LinkSpec& l) {
  std::unique_ptr<ILink> link = make_link_ ? make_link_(simulator_, l) : make_modelled_link(simulator_, l);
  const uint32_t store = backing_tier();
  if (l.from_tier != store && l.to_tier != store) return link;
  const bool get = l.from_tier == store;
  link = std::make_unique<ObjectStoreLink>(simulator_, std::move(link), *gate_, get);
  if (encoder_) link = std::make_unique<CodecLink>(std::move(link), get ? *decoder_ : *encoder_, tiers_.back()->spec().compression, !get);
  return link;
}

Topology::~Topology() = default;

std::unique_ptr<Tier> Topology::replicate_tier(uint32_t i) const {
  return std::make_unique<Tier>(tiers_[i]->spec(), tiers_[i]->spec().make_policy(), tiers_[i]->is_backing_store());
}

uint32_t link_between(const std::vector<LinkSpec>& links, uint32_t from, uint32_t to) {
  for (uint32_t i = 0; i < links.size(); ++i)
    if (links[i].from_tier == from && links[i].to_tier == to) return i;
  return kNoLink;
}

uint32_t Topology::link_between(uint32_t from, uint32_t to) const {
  for (uint32_t i = 0; i < links_.size(); ++i)
    if (links_[i]->spec().from_tier == from && links_[i]->spec().to_tier == to) return i;
  return kNoLink;
}

}  // namespace tiersim::models
