#include "sim/config/units.h"
#include "sim/config/excerpt.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace sim::units {

namespace {

using u128 = unsigned __int128;

struct Decimal {
  u128 mantissa = 0;  // digits without the point
  int exponent10 = 0;  // value = mantissa * 10^exponent10
};

std::string quoted(std::string_view text) { return "\"" + tiersim::excerpt(text) + "\""; }

// Splits "12.5 GB/s" into the number and the unit; throws on a malformed number.
Decimal parse_number(std::string_view text, std::string_view& unit, std::string_view what) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && text[i] == '-') throw UnitError(what.data() + std::string(" must not be negative, got ") + quoted(text));
  if (i < text.size() && text[i] == '+') ++i;
  Decimal d;
  bool any_digit = false, after_point = false;
  int significant = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      any_digit = true;
      if (d.mantissa == 0 && c == '0') {
        if (after_point) --d.exponent10;
        continue;
      }
      if (significant < 30) {
        d.mantissa = d.mantissa * 10 + static_cast<unsigned>(c - '0');
        ++significant;
        if (after_point) --d.exponent10;
      } else if (!after_point) {
        ++d.exponent10;  // digits beyond precision before the point still scale
      }
    } else if (c == '.' && !after_point) {
      after_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) throw UnitError("expected a number followed by a unit, got " + quoted(text));
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E') && i + 1 < text.size() &&
      (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' || text[i + 1] == '+')) {
    size_t j = i + 1;
    bool negative = false;
    if (text[j] == '-' || text[j] == '+') negative = text[j++] == '-';
    int e = 0;
    bool exponent_digits = false;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
      exponent_digits = true;
      if (e < 1000) e = e * 10 + (text[j] - '0');
      ++j;
    }
    if (exponent_digits) {
      d.exponent10 += negative ? -e : e;
      i = j;
    }
  }
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t end = text.size();
  while (end > i && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  unit = text.substr(i, end - i);
  return d;
}

// round(d * numerator / denominator) with overflow detection.
uint64_t scale(const Decimal& d, u128 numerator, u128 denominator, std::string_view text) {
  constexpr u128 kLimit = static_cast<u128>(UINT64_MAX);
  if (d.mantissa == 0) return 0;
  u128 value = d.mantissa;
  int e = d.exponent10;
  auto too_large = [&] { return UnitError("value " + quoted(text) + " is too large"); };
  // Multiply first (exact), dividing last to round once.
  auto mul = [&](u128& x, u128 by) {
    if (by != 0 && x > (~static_cast<u128>(0)) / by) throw too_large();
    x *= by;
  };
  mul(value, numerator);
  u128 divisor = denominator;
  while (e > 0) { mul(value, 10); --e; }
  while (e < 0) {
    if (divisor > (~static_cast<u128>(0)) / 10) { value /= 10; } else { divisor *= 10; }
    ++e;
  }
  const u128 result = (value + divisor / 2) / divisor;
  if (result > kLimit) throw too_large();
  return static_cast<uint64_t>(result);
}

struct Unit {
  std::string_view name;
  u128 numerator;
  u128 denominator;
};

constexpr u128 kKi = 1024, kK = 1000;

constexpr std::array<Unit, 11> kByteUnits{{
    {"B", 1, 1},
    {"KB", kK, 1}, {"MB", kK * kK, 1}, {"GB", kK * kK * kK, 1}, {"TB", kK * kK * kK * kK, 1},
    {"PB", kK * kK * kK * kK * kK, 1},
    {"KiB", kKi, 1}, {"MiB", kKi * kKi, 1}, {"GiB", kKi * kKi * kKi, 1}, {"TiB", kKi * kKi * kKi * kKi, 1},
    {"PiB", kKi * kKi * kKi * kKi * kKi, 1},
}};
constexpr std::array<Unit, 5> kBitUnits{{
    {"b", 1, 8}, {"Kb", kK, 8}, {"Mb", kK * kK, 8}, {"Gb", kK * kK * kK, 8}, {"Tb", kK * kK * kK * kK, 8},
}};
constexpr std::array<Unit, 7> kTimeUnits{{
    {"ps", 1, 1}, {"ns", 1000, 1}, {"us", 1000000, 1}, {"\xC2\xB5s", 1000000, 1},
    {"ms", 1000000000ull, 1}, {"s", 1000000000000ull, 1}, {"sec", 1000000000000ull, 1},
}};

template <size_t N>
const Unit* find_unit(const std::array<Unit, N>& table, std::string_view name) {
  for (const Unit& u : table)
    if (u.name == name) return &u;
  // A lower-case 'k' is common for kilo ("kB", "kb", "kiB").
  if (!name.empty() && name[0] == 'k') {
    std::string upper(name);
    upper[0] = 'K';
    for (const Unit& u : table)
      if (u.name == upper) return &u;
  }
  return nullptr;
}

}  // namespace

uint64_t parse_bytes(std::string_view text) {
  std::string_view unit;
  const Decimal d = parse_number(text, unit, "a size");
  if (unit.empty()) {
    if (d.exponent10 < 0) throw UnitError("a size in bytes must be a whole number, got " + quoted(text));
    return scale(d, 1, 1, text);
  }
  const Unit* u = find_unit(kByteUnits, unit);
  if (!u) {
    throw UnitError("expected a size like \"64 GiB\" or \"512 KB\" (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), got " +
                    quoted(text));
  }
  return scale(d, u->numerator, u->denominator, text);
}

uint64_t parse_bandwidth_Bps(std::string_view text) {
  std::string_view unit;
  const Decimal d = parse_number(text, unit, "a bandwidth");
  const Unit* u = nullptr;
  if (unit.size() > 2 && unit.substr(unit.size() - 2) == "/s") {
    const std::string_view base = unit.substr(0, unit.size() - 2);
    u = find_unit(kByteUnits, base);
    if (!u) u = find_unit(kBitUnits, base);
  } else if (unit.size() > 3 && unit.substr(unit.size() - 3) == "bps") {
    const std::string base = std::string(unit.substr(0, unit.size() - 3)) + "b";
    u = find_unit(kBitUnits, base);
  }
  if (!u) {
    throw UnitError("expected a bandwidth like \"25 GB/s\", \"12 GiB/s\" or \"100 Gb/s\", got " + quoted(text));
  }
  return scale(d, u->numerator, u->denominator, text);
}

Time parse_duration(std::string_view text) {
  std::string_view unit;
  const Decimal d = parse_number(text, unit, "a duration");
  const Unit* u = find_unit(kTimeUnits, unit);
  if (!u) throw UnitError("expected a duration like \"3 us\" or \"0.2 ms\" (units ps, ns, us, ms, s), got " + quoted(text));
  const uint64_t ps = scale(d, u->numerator, u->denominator, text);
  if (ps > static_cast<uint64_t>(INT64_MAX)) throw UnitError("duration " + quoted(text) + " is too large");
  return static_cast<Time>(ps);
}

std::string format_bytes(uint64_t bytes) {
  static const char* const kNames[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  int i = 0;
  while (i < 5 && value >= 1024.0) {
    value /= 1024.0;
    ++i;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g %s", value, kNames[i]);
  return buffer;
}

}  // namespace sim::units
