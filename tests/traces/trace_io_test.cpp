#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <zstd.h>

#include "sim/errors.h"
#include "sim/engine/random.h"
#include "trace_fixtures.h"
#include "traces/trace_format.h"

using namespace tiersim;
using namespace tiersim::traces;
using testing::TempDir;

namespace {

std::vector<Access> sample_accesses() {
  std::vector<Access> v;
  sim::Rng rng(5);
  for (uint64_t step = 0; step < 300; step += 1 + rng.below(3)) {
    for (int k = 0; k < 4; ++k) v.push_back(testing::expert_access(step, static_cast<uint32_t>(rng.below(3)), static_cast<uint32_t>(rng.below(5000))));
  }
  return v;
}

std::vector<Access> read_all(TraceReader& reader) {
  std::vector<Access> all, batch(7);  // odd batch size to cross batch boundaries
  size_t n;
  while ((n = reader.read(batch.data(), batch.size())) > 0) all.insert(all.end(), batch.begin(), batch.begin() + n);
  return all;
}

void write_all(const std::string& path, Format format, const std::vector<Access>& accesses) {
  auto writer = create_trace_writer(path, format, 4096);
  writer->write(accesses.data(), accesses.size());
  writer->finish();
}

}  // namespace

TEST_CASE("csv, bin and oracleGeneral round-trip the same accesses") {
  TempDir dir;
  const std::vector<Access> original = sample_accesses();
  for (Format format : {format_named("csv"), format_named("bin"), format_named("oracleGeneral")}) {
    const std::string path = dir.file(std::string("t.") + format_name(format) + (format == format_named("csv") ? ".csv" : ""));
    write_all(path, format, original);
    CHECK(detect_format(path) == format);
    auto reader = open_trace(path, std::nullopt);
    const std::vector<Access> back = read_all(*reader);
    REQUIRE(back.size() == original.size());
    for (size_t i = 0; i < back.size(); ++i) {
      CHECK(back[i].step == original[i].step);
      CHECK(back[i].object == original[i].object);
    }
  }
}

TEST_CASE("oracleGeneral gets each request's next access index") {
  TempDir dir;
  const std::vector<Access> original = sample_accesses();
  const std::string path = dir.file("t.oracleGeneral.bin");
  write_all(path, format_named("oracleGeneral"), original);
  auto reader = open_trace(path, format_named("oracleGeneral"));
  const std::vector<Access> back = read_all(*reader);
  std::unordered_map<uint64_t, int64_t> next;
  for (size_t i = back.size(); i-- > 0;) {
    const auto it = next.find(back[i].object);
    CHECK(back[i].next_access == (it == next.end() ? -1 : it->second));
    CHECK(back[i].size_bytes == 4096);
    next[back[i].object] = static_cast<int64_t>(i);
  }
}

TEST_CASE("malformed CSV names file and line") {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  testing::write_text(path, "step,layer,expert\n0,0,1\n\n# comment\n0,x,2\n");
  auto reader = open_trace(path, std::nullopt);
  std::vector<Access> batch(16);
  CHECK_THROWS_WITH_AS(reader->read(batch.data(), batch.size()), doctest::Contains("bad.csv:5: expected step,layer,expert"), InputError);

  testing::write_text(path, "time,id\n1,2\n");
  CHECK_THROWS_WITH_AS(open_trace(path, std::nullopt), doctest::Contains("bad.csv:1: expected the header"), InputError);

  testing::write_text(path, "step,layer,expert\n5,0,1\n4,0,1\n");
  auto ordered = open_trace(path, std::nullopt);
  ordered->require_ordered_steps(true);
  CHECK_THROWS_WITH_AS(ordered->read(batch.data(), batch.size()), doctest::Contains("bad.csv:3: expected steps in non-decreasing order"),
                       InputError);

  testing::write_text(path, "step,layer,expert\n1,0,99999999999\n");
  auto big = open_trace(path, std::nullopt);
  CHECK_THROWS_AS(big->read(batch.data(), batch.size()), InputError);
}

TEST_CASE("truncated binary traces and missing files are errors, not crashes") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(open_trace(dir.file("missing.csv"), std::nullopt), doctest::Contains("cannot open trace file"), InputError);
  std::vector<Access> batch(16);
  const std::string og = dir.file("t.oracleGeneral");
  testing::write_text(og, std::string(30, '\0'));
  CHECK_THROWS_WITH_AS(open_trace(og, std::nullopt)->read(batch.data(), batch.size()),
                       doctest::Contains("record 2 is cut short"), InputError);
  const std::string bin = dir.file("t.bin");
  testing::write_text(bin, std::string("TSIMEXP1\x01\0\0\0\0\0\0\0", 16) + "abc");
  CHECK_THROWS_WITH_AS(open_trace(bin, std::nullopt)->read(batch.data(), batch.size()),
                       doctest::Contains("truncated binary trace"), InputError);
  const std::string csv_named_txt = dir.file("trace.txt");
  testing::write_text(csv_named_txt, "step,layer,expert\n0,0,1\n");
  CHECK(detect_format(csv_named_txt) == format_named("csv"));
  const std::string unknown = dir.file("t.dat");
  testing::write_text(unknown, "hello");
  CHECK_THROWS_WITH_AS(open_trace(unknown, std::nullopt), doctest::Contains("cannot tell the trace format"), InputError);
}

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string zstd_compress(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}
}  // namespace

TEST_CASE("zstd-compressed traces read as the uncompressed ones, in every format") {
  TempDir dir;
  const std::vector<Access> original = sample_accesses();
  for (Format format : {format_named("csv"), format_named("bin"), format_named("oracleGeneral")}) {
    const std::string plain = dir.file(std::string("t.") + format_name(format));
    write_all(plain, format, original);
    // Named without .zst on purpose: compression is recognised by content.
    const std::string packed = dir.file(std::string("packed.") + format_name(format));
    testing::write_text(packed, zstd_compress(slurp(plain)));
    auto a = open_trace(plain, format);
    auto b = open_trace(packed, std::nullopt);
    const std::vector<Access> x = read_all(*a), y = read_all(*b);
    REQUIRE(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      CHECK(x[i].object == y[i].object);
      CHECK(x[i].next_access == y[i].next_access);
    }
  }
  std::vector<Access> batch(4096);
  const std::string compressed = zstd_compress(slurp(dir.file("t.oracleGeneral")));
  const std::string cut = dir.file("cut.oracleGeneral.zst");
  testing::write_text(cut, compressed.substr(0, compressed.size() / 2));
  // The error comes on opening (format detection decompresses the start) or on reading.
  auto read_whole = [&](const std::string& path) {
    auto reader = open_trace(path, format_named("oracleGeneral"));
    while (reader->read(batch.data(), batch.size()) > 0) {
    }
  };
  CHECK_THROWS_WITH_AS(read_whole(cut), doctest::Contains("truncated zstd stream"), InputError);
  std::string damaged = compressed;
  for (size_t i = 8; i < damaged.size(); i += 7) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  const std::string bad = dir.file("bad.oracleGeneral.zst");
  testing::write_text(bad, damaged);
  CHECK_THROWS_AS(read_whole(bad), InputError);
}
