#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "real_backend/profile_steadiness.h"

using namespace tiersim::real;

namespace {

// A profile file that lives for one test.
struct ProfileFile {
  std::string path;
  explicit ProfileFile(const nlohmann::json& content) : path("profile_steadiness_test_" + std::to_string(std::rand()) + ".json") {
    std::ofstream(path) << content.dump();
  }
  ~ProfileFile() { std::remove(path.c_str()); }
};

nlohmann::json config_using(const std::string& profile, std::initializer_list<const char*> links) {
  nlohmann::json config{{"hardware", profile}, {"links", nlohmann::json::array()}};
  for (const char* link : links) config["links"].push_back({{"name", std::string("l_") + link}, {"profile", link}});
  return config;
}

}  // namespace

TEST_CASE("a calibrated profile's round spreads are read, and the unsteady links the run uses are named") {
  const ProfileFile file(nlohmann::json{
      {"links", {{"host_copy", {{"bandwidth", "18 GB/s"}}}, {"nvme_read", {{"bandwidth", "6 GB/s"}}}, {"nvme_write", {{"bandwidth", "6 GB/s"}}}}},
      {"calibration",
       {{"host", "box"},
        {"date", "2026-11-23"},
        {"fit",
         {{"host_copy", {{"r2", 0.99}, {"round_spread", 0.021}}},
          {"nvme_read", {{"r2", 0.99}, {"round_spread", 0.14}}},
          {"nvme_write", {{"r2", 0.99}, {"round_spread", 0.25}}}}}}}});
  // The run uses host_copy and nvme_read; nvme_write is unsteady but not used.
  const ProfileSteadiness s = read_profile_steadiness(config_using(file.path, {"host_copy", "nvme_read"}), file.path);
  CHECK(s.path == file.path);
  CHECK(s.when == "calibrated 2026-11-23 on box");
  REQUIRE(s.round_spread.size() == 3);
  CHECK(s.round_spread[1].first == "nvme_read");
  CHECK(s.round_spread[1].second == doctest::Approx(0.14));
  REQUIRE(s.unsteady.size() == 1);
  CHECK(s.unsteady[0] == "nvme_read");
  CHECK(s.describe() == "host_copy 2.1 %, nvme_read 14.0 % (unsteady), nvme_write 25.0 % (unsteady)");
  CHECK(s.unsteady_note() ==
        "the profile's nvme_read was calibrated while the machine's speed moved by more than 10 % between rounds: predictions "
        "for it cannot be closer than that (calibrate again when the machine is quiet, or with more --rounds)");
  // Every link used: the two unsteady ones are named together.
  const ProfileSteadiness all = read_profile_steadiness(config_using(file.path, {"host_copy", "nvme_read", "nvme_write"}), file.path);
  CHECK(all.unsteady_note().starts_with("the profile's nvme_read and nvme_write were calibrated "));
  CHECK(all.unsteady_note().find("predictions for them cannot") != std::string::npos);
}

TEST_CASE("a profile without a calibration record, or with one of another shape, has no round spreads") {
  const ProfileFile nominal(nlohmann::json{{"links", {{"pcie", {{"bandwidth", "50 GB/s"}}}}}});
  const ProfileSteadiness s = read_profile_steadiness(config_using(nominal.path, {"pcie"}), nominal.path);
  CHECK(s.path == nominal.path);
  CHECK(s.when.empty());
  CHECK(s.round_spread.empty());
  CHECK(s.describe().empty());
  CHECK(s.unsteady_note().empty());

  const ProfileFile odd(nlohmann::json{{"links", {{"pcie", {{"bandwidth", "50 GB/s"}}}}},
                                       {"calibration", {{"date", 7}, {"fit", {{"pcie", {{"round_spread", "lots"}}}, {"x", 3}}}}}});
  const ProfileSteadiness t = read_profile_steadiness(config_using(odd.path, {"pcie"}), odd.path);
  CHECK(t.when.empty());
  CHECK(t.round_spread.empty());
  CHECK(t.unsteady.empty());

  CHECK(read_profile_steadiness(nlohmann::json{{"links", nlohmann::json::array()}}, "").path.empty());  // no profile named
}
