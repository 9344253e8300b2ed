// Mooncake's JSON-lines request traces: reading, the errors bad lines get, and the stats
// of an unbounded prefix cache worked out by hand.
#include <doctest/doctest.h>

#include "sim/errors.h"
#include "trace_fixtures.h"
#include "traces/kv/kv_trace_stats.h"
#include "traces/kv/mooncake_trace.h"

using namespace tiersim;
using namespace tiersim::traces;

namespace {

std::string error_for(const std::string& text, uint32_t block_tokens = 4) {
  testing::TempDir dir;
  const std::string path = dir.file("t.jsonl");
  testing::write_text(path, text);
  try {
    read_mooncake_trace(path, block_tokens);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a Mooncake trace reads into requests and flat block ids") {
  testing::TempDir dir;
  const std::string path = dir.file("t.jsonl");
  testing::write_text(path,
                      "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 3, \"hash_ids\": [7, 8, 9]}\n"
                      "\n"
                      "{\"timestamp\": 1.5, \"input_length\": 8, \"output_length\": 0, \"hash_ids\": [7, 8]}");
  const KvTrace t = read_mooncake_trace(path, 4);
  REQUIRE(t.requests.size() == 2);
  CHECK(t.requests[1].arrival_us == 1500);
  CHECK(t.requests[0].blocks == 3);
  CHECK(t.tokens_in_block(t.requests[0], 2) == 2);  // 10 tokens: 4 + 4 + 2
  CHECK(t.tokens_in_block(t.requests[1], 1) == 4);
  CHECK(t.blocks_of(t.requests[1])[1] == 8);
}

TEST_CASE("bad lines are errors with file:line and what was expected") {
  CHECK(error_for("{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 1, \"hash_ids\": [1]}\nnot json\n")
            .find("t.jsonl:2: not valid JSON") != std::string::npos);
  CHECK(error_for("{\"timestamp\": 0, \"input_length\": -4, \"output_length\": 1, \"hash_ids\": [1]}").find(":1: \"input_length\" is -4") !=
        std::string::npos);
  const std::string too_many = error_for("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}");
  CHECK(too_many.find("3 block ids, but input_length 5 in blocks of 4 tokens makes 2 (more blocks than the tokens allow)") !=
        std::string::npos);
  CHECK(error_for("{\"timestamp\": 0, \"input_length\": 9, \"output_length\": 1, \"hash_ids\": [1]}").find("makes 3") != std::string::npos);
  CHECK(error_for("{\"timestamp\": 0, \"output_length\": 1, \"hash_ids\": []}").find("missing \"input_length\"") != std::string::npos);
  CHECK(error_for("{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 1, \"hash_ids\": [\"a\"]}").find("\"hash_ids\"[0]") !=
        std::string::npos);
  CHECK(error_for("{\"timestamp\": 5, \"input_length\": 4, \"output_length\": 1, \"hash_ids\": [1]}\n"
                  "{\"timestamp\": 4, \"input_length\": 4, \"output_length\": 1, \"hash_ids\": [1]}")
            .find(":2: \"timestamp\" 4 is earlier") != std::string::npos);
  CHECK(error_for("[1, 2]").find("expected a JSON object") != std::string::npos);
  CHECK(error_for("\n\n").find("no requests") != std::string::npos);
}

TEST_CASE("an unbounded prefix cache hits the longest prefix seen before") {
  testing::TempDir dir;
  const std::string path = dir.file("t.jsonl");
  // Request 2 shares [1, 2] then diverges; request 3 holds 3 (seen) behind a new first block,
  // so it is seen before but not a prefix hit.
  testing::write_text(path,
                      "{\"timestamp\": 0, \"input_length\": 12, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}\n"
                      "{\"timestamp\": 1000, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [1, 2, 4]}\n"
                      "{\"timestamp\": 2000, \"input_length\": 8, \"output_length\": 1, \"hash_ids\": [5, 3]}\n");
  const KvTraceStats s = compute_kv_trace_stats(read_mooncake_trace(path, 4));
  CHECK(s.requests == 3);
  CHECK(s.duration_s == doctest::Approx(2.0));
  CHECK(s.block_lookups == 8);
  CHECK(s.unique_blocks == 5);
  CHECK(s.unique_tokens == 4 + 4 + 4 + 2 + 4);
  CHECK(s.prefix_hit_blocks == 2);
  CHECK(s.prefix_hit_tokens == 8);
  CHECK(s.seen_before_blocks == 3);
  CHECK(s.requests_with_cached_prefix == 1);
  CHECK(s.hit_ratio_blocks() == doctest::Approx(2.0 / 8));
  CHECK(s.hit_ratio_tokens() == doctest::Approx(8.0 / 30));
}
