#include <doctest/doctest.h>

#include <vector>

#include "real_backend/pattern.h"

using namespace tiersim::real;

TEST_CASE("an expert's content is found intact, and any changed byte is found where it is") {
  std::vector<uint64_t> words(4096);
  fill_pattern(words.data(), words.size() * 8, 42, 3);
  CHECK_FALSE(find_mismatch(words.data(), words.size() * 8, 42, 3).has_value());
  for (size_t byte : {0ul, 7ul, 8ul, 4095ul, 20000ul, 32767ul}) {
    std::vector<uint64_t> copy = words;
    reinterpret_cast<unsigned char*>(copy.data())[byte] ^= 1;
    const auto at = find_mismatch(copy.data(), copy.size() * 8, 42, 3);
    REQUIRE(at.has_value());
    CHECK(*at == byte);  // the byte itself, not its word
  }
}

TEST_CASE("another expert or another version does not pass for the expected one") {
  std::vector<uint64_t> words(512);
  fill_pattern(words.data(), words.size() * 8, 42, 3);
  CHECK(find_mismatch(words.data(), words.size() * 8, 42, 4).has_value());
  CHECK(find_mismatch(words.data(), words.size() * 8, 43, 3).has_value());
}

TEST_CASE("a chunk filled on its own matches the same bytes of the whole expert") {
  std::vector<uint64_t> whole(1024), chunk(256);
  fill_pattern(whole.data(), whole.size() * 8, 9, 1);
  fill_pattern(chunk.data(), chunk.size() * 8, 9, 1, 512 * 8);
  for (size_t i = 0; i < chunk.size(); ++i) REQUIRE(chunk[i] == whole[512 + i]);
  CHECK_FALSE(find_mismatch(chunk.data(), chunk.size() * 8, 9, 1, 512 * 8).has_value());
  CHECK(find_mismatch(chunk.data(), chunk.size() * 8, 9, 1, 0).has_value());
}
