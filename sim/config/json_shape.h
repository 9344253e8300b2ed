#pragma once
// Checks on JSON text before it is parsed (strings and comments skipped):
//  - nesting: parsing, printing and freeing a document recurse once per level, so a file
//    nested 100,000 deep would overflow the stack;
//  - duplicate keys: a parser keeps the last of two equal keys in one object without a
//    word, so a config saying "capacity" twice would run with one of them silently.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tiersim {

inline constexpr size_t kMaxJsonDepth = 256;

// Where byte `at` of `text` is, as "line:column" (columns from 1, lines from
// `first_line`), for messages.
std::string line_column(std::string_view text, size_t at, uint64_t first_line = 1);

// Throws InputError("<where>:<line>:<column>: ...") when `text` opens more than
// kMaxJsonDepth arrays and objects at once, or gives one object the same key twice.
// `first_line`: the line `text` starts on in its file (a trace's JSON line).
void require_json_shape(std::string_view text, const std::string& where, uint64_t first_line = 1);

}  // namespace tiersim
