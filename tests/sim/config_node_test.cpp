#include "sim/config/config_node.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/errors.h"
#include "sim/config/load_config.h"
#include "sim/config/overrides.h"

using nlohmann::json;
using tiersim::ConfigNode;
using tiersim::InputError;

TEST_CASE("errors name the source, the JSON path and what was expected") {
  const json doc = json::parse(R"({"links": [{"bandwidth": "12 GB/z"}], "x": -3, "y": "abc"})");
  const ConfigNode root(doc, "", "c.json");
  CHECK_THROWS_WITH_AS(root.at("links").at(size_t{0}).at("bandwidth").as_bandwidth_Bps(),
                       doctest::Contains("c.json: links[0].bandwidth: expected a bandwidth"), InputError);
  CHECK_THROWS_WITH_AS(root.at("x").as_uint(), doctest::Contains("x: expected a non-negative integer, got -3"), InputError);
  CHECK_THROWS_WITH_AS(root.at("y").as_enum({"a", "b"}), doctest::Contains("expected one of a, b"), InputError);
  CHECK_THROWS_WITH_AS(root.at("missing"), doctest::Contains("missing required key \"missing\""), InputError);
}

TEST_CASE("unknown keys are errors listing the known ones") {
  const json doc = json::parse(R"({"workload": {"mode": "training", "modee": 1}})");
  const ConfigNode root(doc, "", "c.json");
  CHECK_THROWS_WITH_AS(root.at("workload").allow_only({"mode", "overlap"}),
                       doctest::Contains("workload.modee: unknown key \"modee\"; expected one of: mode, overlap"), InputError);
}

TEST_CASE("zero bandwidth and negative sizes are rejected") {
  const json doc = json::parse(R"({"bw": "0 GB/s", "size": "-1 GiB", "d": 5})");
  const ConfigNode root(doc, "", "");
  CHECK_THROWS_WITH_AS(root.at("bw").as_bandwidth_Bps(), doctest::Contains("greater than zero"), InputError);
  CHECK_THROWS_WITH_AS(root.at("size").as_bytes(), doctest::Contains("must not be negative"), InputError);
  CHECK_THROWS_WITH_AS(root.at("d").as_duration(), doctest::Contains("with a unit"), InputError);
}

TEST_CASE("--set overrides by path, index and element name") {
  json doc = json::parse(R"({"tiers": [{"name": "hbm", "capacity": 4}, {"name": "dram"}], "workload": {"mode": "inference"}})");
  tiersim::apply_override(doc, "tiers.hbm.capacity=32");
  tiersim::apply_override(doc, "tiers[1].capacity=64 GiB");
  tiersim::apply_override(doc, "workload.mode=training");
  tiersim::apply_override(doc, "workload.generator.steps=100");
  CHECK(doc["tiers"][0]["capacity"] == 32);
  CHECK(doc["tiers"][1]["capacity"] == "64 GiB");
  CHECK(doc["workload"]["mode"] == "training");
  CHECK(doc["workload"]["generator"]["steps"] == 100);
  CHECK_THROWS_WITH_AS(tiersim::apply_override(doc, "tiers.nvme.capacity=1"), doctest::Contains("none is \"nvme\""), InputError);
  CHECK_THROWS_AS(tiersim::apply_override(doc, "no_equals_sign"), InputError);
}

TEST_CASE("malformed JSON reports file:line:column") {
  CHECK_THROWS_WITH_AS(tiersim::parse_json_text("{\n  \"a\": 1,\n  \"b\": ]\n}", "c.json"), doctest::Contains("c.json:3:"),
                       InputError);
}

TEST_CASE("configs may carry comments") {
  const auto doc = tiersim::parse_json_text("{\n  // why 16: the GPU holds four layers' experts\n  \"a\": 16, /* and this */ \"b\": \"x // not a comment\"\n}",
                                            "c.json");
  CHECK(doc["a"] == 16);
  CHECK(doc["b"] == "x // not a comment");
  CHECK_THROWS_WITH_AS(tiersim::parse_json_text("{\"a\": 1 /* never closed", "c.json"), doctest::Contains("c.json:1:"), InputError);
}

TEST_CASE("a key given twice in one object is an error at its line and column") {
  using tiersim::InputError;
  CHECK_THROWS_WITH_AS(tiersim::parse_json_text("{\n  \"a\": 1,\n  \"a\": 2\n}", "c.json"),
                       doctest::Contains("c.json:3:3: duplicate key \"a\""), InputError);
  CHECK_THROWS_WITH_AS(tiersim::parse_json_text("{\"x\": {\"k\": 1, /* c */ \"\\u006b\" : 2}}", "c.json"),
                       doctest::Contains("duplicate key \"k\""), InputError);
  // The same key in sibling objects, a value equal to a key, and keys in arrays of objects are fine.
  const auto doc = tiersim::parse_json_text(R"({"a": {"k": 1}, "b": {"k": "a"}, "c": [{"k": 1}, {"k": 2}], "d": "a"})", "c.json");
  CHECK(doc["c"][1]["k"] == 2);
}

TEST_CASE("an override that is not UTF-8 is refused, since no JSON string can hold it") {
  nlohmann::json doc = nlohmann::json::object();
  CHECK_THROWS_WITH_AS(tiersim::apply_override(doc, "a\xff=1"), doctest::Contains("expected UTF-8 text"), tiersim::InputError);
  CHECK_THROWS_WITH_AS(tiersim::apply_override(doc, "name=\xc3"), doctest::Contains("expected UTF-8 text"), tiersim::InputError);
  tiersim::apply_override(doc, "name=caf\xc3\xa9");
  CHECK(doc["name"] == "caf\xc3\xa9");
}
