#include "eval/semver.hpp"

namespace hotstate::eval {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'; }

// Digits at the start of `s` with no leading zero; empty when there are none.
std::string_view take_number(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return {};
  auto number = s.substr(0, n);
  s.remove_prefix(n);
  return number;
}

// Dot-separated identifiers up to the first character that cannot be in one;
// `numeric_rules`: numeric identifiers may not have leading zeros (prerelease, not build).
bool take_identifiers(std::string_view& s, bool numeric_rules, std::string_view& out) {
  std::size_t at = 0, start = 0;
  auto ident_ok = [&](std::size_t from, std::size_t to) {
    if (to == from) return false;
    if (!numeric_rules) return true;
    bool numeric = true;
    for (std::size_t i = from; i < to; ++i) numeric = numeric && is_digit(s[i]);
    return !(numeric && to - from > 1 && s[from] == '0');
  };
  while (at < s.size() && (is_ident_char(s[at]) || s[at] == '.')) {
    if (s[at] == '.') {
      if (!ident_ok(start, at)) return false;
      start = at + 1;
    }
    ++at;
  }
  if (!ident_ok(start, at)) return false;
  out = s.substr(0, at);
  s.remove_prefix(at);
  return true;
}

int compare_numbers(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c)) return false;
  return !s.empty();
}

std::string_view next_identifier(std::string_view& s) {
  auto dot = s.find('.');
  auto ident = s.substr(0, dot);
  s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  return ident;
}

int compare_prerelease(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (a.empty()) return 1;  // a release is newer than any of its prereleases
  if (b.empty()) return -1;
  while (!a.empty() && !b.empty()) {
    auto x = next_identifier(a), y = next_identifier(b);
    if (x == y) continue;
    bool xn = all_digits(x), yn = all_digits(y);
    if (xn && yn) return compare_numbers(x, y);
    if (xn != yn) return xn ? -1 : 1;  // numeric identifiers sort first
    return x < y ? -1 : 1;
  }
  if (a.empty() && b.empty()) return 0;
  return a.empty() ? -1 : 1;
}

}  // namespace

std::optional<SemVer> parse_semver(std::string_view text) {
  if (!text.empty() && text[0] == 'v') text.remove_prefix(1);
  SemVer v;
  v.major = take_number(text);
  if (v.major.empty()) return std::nullopt;
  v.minor = v.patch = "0";
  if (text.empty()) return v;
  if (text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  v.minor = take_number(text);
  if (v.minor.empty()) return std::nullopt;
  if (text.empty()) return v;
  if (text[0] != '.') return std::nullopt;
  text.remove_prefix(1);
  v.patch = take_number(text);
  if (v.patch.empty()) return std::nullopt;
  if (!text.empty() && text[0] == '-') {
    text.remove_prefix(1);
    if (!take_identifiers(text, true, v.prerelease)) return std::nullopt;
  }
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
    std::string_view build;
    if (!take_identifiers(text, false, build)) return std::nullopt;
  }
  if (!text.empty()) return std::nullopt;
  return v;
}

int compare_semver(const SemVer& a, const SemVer& b) {
  if (int c = compare_numbers(a.major, b.major)) return c;
  if (int c = compare_numbers(a.minor, b.minor)) return c;
  if (int c = compare_numbers(a.patch, b.patch)) return c;
  return compare_prerelease(a.prerelease, b.prerelease);
}

std::optional<SemVerOp> parse_semver_op(std::string_view text) {
  if (text == "=") return SemVerOp::Equal;
  if (text == "!=") return SemVerOp::NotEqual;
  if (text == "<") return SemVerOp::Less;
  if (text == "<=") return SemVerOp::LessOrEqual;
  if (text == ">=") return SemVerOp::GreaterOrEqual;
  if (text == ">") return SemVerOp::Greater;
  if (text == "^") return SemVerOp::SameMajor;
  if (text == "~") return SemVerOp::SameMinor;
  return std::nullopt;
}

bool semver_matches(const SemVer& version, SemVerOp op, const SemVer& target) {
  switch (op) {
    case SemVerOp::Equal: return compare_semver(version, target) == 0;
    case SemVerOp::NotEqual: return compare_semver(version, target) != 0;
    case SemVerOp::Less: return compare_semver(version, target) < 0;
    case SemVerOp::LessOrEqual: return compare_semver(version, target) <= 0;
    case SemVerOp::GreaterOrEqual: return compare_semver(version, target) >= 0;
    case SemVerOp::Greater: return compare_semver(version, target) > 0;
    case SemVerOp::SameMajor: return compare_numbers(version.major, target.major) == 0;
    case SemVerOp::SameMinor:
      return compare_numbers(version.major, target.major) == 0 && compare_numbers(version.minor, target.minor) == 0;
  }
  return false;
}

}  // namespace hotstate::eval
