#include "sim/config/json_shape.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "sim/errors.h"
#include "sim/config/excerpt.h"

namespace tiersim {

std::string line_column(std::string_view text, size_t at, uint64_t first_line) {
  uint64_t line = first_line, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

namespace {

// The end of the string literal starting at text[open] (the index of its closing quote).
size_t string_end(std::string_view text, size_t open) {
  size_t i = open + 1;
  for (; i < text.size() && text[i] != '"'; ++i)
    if (text[i] == '\\') ++i;
  return i;
}

// Index of the next character that is not whitespace or a comment.
size_t skip_blank(std::string_view text, size_t i) {
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

// A key as the parser will see it: escapes decoded ("\u0061" is "a").
std::string decoded_key(std::string_view literal) {
  if (literal.find('\\') == std::string_view::npos) return std::string(literal.substr(1, literal.size() - 2));
  const nlohmann::json value = nlohmann::json::parse(literal, nullptr, /*allow_exceptions=*/false);
  return value.is_string() ? value.get<std::string>() : std::string(literal);
}

struct Frame {
  bool object;
  std::set<std::string> keys;  // objects: the keys seen so far
};

}  // namespace

void require_json_shape(std::string_view text, const std::string& where, uint64_t first_line) {
  std::vector<Frame> open;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const size_t end = string_end(text, i);
      const size_t next = skip_blank(text, end + 1);
      if (!open.empty() && open.back().object && next < text.size() && text[next] == ':') {
        std::string key = decoded_key(text.substr(i, std::min(end, text.size() - 1) + 1 - i));
        if (open.back().keys.count(key)) {
          throw InputError(where + ":" + line_column(text, i, first_line) + ": duplicate key \"" + excerpt(key) +
                           "\": an object may give each key once (the parser would keep only the last)");
        }
        open.back().keys.insert(std::move(key));
      }
      i = end;
    } else if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')) {
      i = skip_blank(text, i) - 1;
    } else if (c == '[' || c == '{') {
      if (open.size() >= kMaxJsonDepth) {
        throw InputError(where + ":" + line_column(text, i, first_line) + ": JSON nested more than " + std::to_string(kMaxJsonDepth) +
                         " levels deep; a config or trace record needs far fewer");
      }
      open.push_back({c == '{', {}});
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    }
  }
}

}  // namespace tiersim
