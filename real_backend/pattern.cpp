#include "real_backend/pattern.h"

#include <cstring>

namespace tiersim::real {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Word i holds base + i * step: one add per word, so filling and checking run at memory
// speed, while two (key, version) pairs never share a base.
uint64_t base_of(uint64_t key, uint64_t version) { return mix(key * 0x100000001b3ull ^ mix(version)); }
constexpr uint64_t kStep = 0xd6e8feb86659fd93ull;

}  // namespace

uint64_t pattern_word(uint64_t key, uint64_t version, uint64_t offset) { return base_of(key, version) + (offset / 8) * kStep; }

void fill_pattern(void* data, uint64_t bytes, uint64_t key, uint64_t version, uint64_t offset) {
  uint64_t* words = static_cast<uint64_t*>(data);
  uint64_t value = pattern_word(key, version, offset);
  const uint64_t n = bytes / 8;
  for (uint64_t i = 0; i < n; ++i, value += kStep) words[i] = value;
}

// Words are little-endian: the lowest set bit of the difference is in the first byte that differs.
uint64_t first_differing_byte(uint64_t a, uint64_t b) { return static_cast<uint64_t>(__builtin_ctzll(a ^ b)) / 8; }

std::optional<uint64_t> find_mismatch(const void* data, uint64_t bytes, uint64_t key, uint64_t version, uint64_t offset) {
  const uint64_t* words = static_cast<const uint64_t*>(data);
  const uint64_t first = pattern_word(key, version, offset);
  const uint64_t n = bytes / 8;
  // Blocks of 512 words checked without branches, then the failing block word by word.
  constexpr uint64_t kBlock = 512;
  for (uint64_t start = 0; start < n; start += kBlock) {
    const uint64_t end = start + kBlock < n ? start + kBlock : n;
    uint64_t value = first + start * kStep, differ = 0;
    for (uint64_t i = start; i < end; ++i, value += kStep) differ |= words[i] ^ value;
    if (differ == 0) continue;
    value = first + start * kStep;
    for (uint64_t i = start; i < end; ++i, value += kStep)
      if (words[i] != value) return offset + i * 8 + first_differing_byte(words[i], value);
  }
  return std::nullopt;
}

std::optional<uint64_t> first_difference(const void* a, const void* b, uint64_t bytes) {
  if (std::memcmp(a, b, bytes) == 0) return std::nullopt;
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  uint64_t offset = 0;
  while (std::memcmp(x + offset, y + offset, 8) == 0) offset += 8;
  return offset;
}

}  // namespace tiersim::real
