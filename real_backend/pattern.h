#pragma once
// The content every copy of an expert must hold: 64-bit words derived from (key, version)
// and the word's position, so that any chunk can be filled or checked on its own, a byte
// flipped anywhere is caught, and a copy of the wrong expert or an old version is told
// apart from a good one. Sizes and offsets are multiples of 8 bytes.
#include <cstdint>
#include <optional>

namespace tiersim::real {

void fill_pattern(void* data, uint64_t bytes, uint64_t key, uint64_t version, uint64_t offset = 0);

// The offset (from the start of the object) of the first 8-byte word that differs, or
// nothing when all of [offset, offset + bytes) is as expected.
std::optional<uint64_t> find_mismatch(const void* data, uint64_t bytes, uint64_t key, uint64_t version, uint64_t offset = 0);

// The offset of the first 8-byte word where `a` and `b` differ (`bytes` a multiple of 8).
std::optional<uint64_t> first_difference(const void* a, const void* b, uint64_t bytes);

// Which (key, version) a word at `offset` would hold, if it holds any of the candidates'
// patterns: lets an error say "holds version 3" rather than only "differs".
uint64_t pattern_word(uint64_t key, uint64_t version, uint64_t offset);

}  // namespace tiersim::real
