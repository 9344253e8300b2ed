#pragma once
// A guard against JSON nested deeper than any config or trace needs: parsing, printing and
// freeing such a document recurse once per level, so a file nested 100,000 deep would
// overflow the stack. The text is scanned (strings and comments skipped) before it is
// parsed.
#include <cstddef>
#include <string>
#include <string_view>

namespace tiersim {

inline constexpr size_t kMaxJsonDepth = 256;

// Where byte `at` of `text` is, as "line:column" (both from 1), for messages.
std::string line_column(std::string_view text, size_t at);

// Throws InputError("<where>:<line>:<column>: JSON nested more than 256 levels deep ...")
// when `text` opens more than kMaxJsonDepth arrays and objects at once.
void require_json_depth(std::string_view text, const std::string& where);

}  // namespace tiersim
