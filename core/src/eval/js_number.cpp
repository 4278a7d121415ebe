#include "eval/js_number.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace hotstate::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// ECMAScript's WhiteSpace and LineTerminator, as UTF-8: what parseFloat and ToNumber trim.
std::size_t whitespace_length(std::string_view s, std::size_t at) {
  auto c = static_cast<unsigned char>(s[at]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  auto rest = s.substr(at);
  static constexpr std::string_view kMultiByte[] = {
      "\xC2\xA0",      // U+00A0 no-break space
      "\xEF\xBB\xBF",  // U+FEFF byte order mark
      "\xE1\x9A\x80",  // U+1680
      "\xE2\x80\xA8", "\xE2\x80\xA9",  // line and paragraph separators
      "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80",
  };
  for (auto ws : kMultiByte)
    if (rest.substr(0, ws.size()) == ws) return ws.size();
  // U+2000..U+200A
  if (rest.size() >= 3 && c == 0xE2 && static_cast<unsigned char>(rest[1]) == 0x80 &&
      static_cast<unsigned char>(rest[2]) >= 0x80 && static_cast<unsigned char>(rest[2]) <= 0x8A)
    return 3;
  return 0;
}

std::string_view trim_start(std::string_view s) {
  std::size_t at = 0, n;
  while (at < s.size() && (n = whitespace_length(s, at)) > 0) at += n;
  return s.substr(at);
}

std::string_view trim(std::string_view s) {
  s = trim_start(s);
  // Trailing whitespace: scan forward, remembering where the last non-space ended.
  std::size_t at = 0, end = 0, n;
  while (at < s.size()) {
    if ((n = whitespace_length(s, at)) > 0) {
      at += n;
    } else {
      end = ++at;
    }
  }
  return s.substr(0, end);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The length of the StrUnsignedDecimalLiteral at the start of `s` (digits, fraction,
// exponent), or 0 when there is none.
std::size_t decimal_literal_length(std::string_view s) {
  std::size_t at = 0, digits = 0;
  while (at < s.size() && is_digit(s[at])) ++at, ++digits;
  if (at < s.size() && s[at] == '.') {
    std::size_t frac = at + 1;
    while (frac < s.size() && is_digit(s[frac])) ++frac, ++digits;
    if (digits == 0) return 0;
    at = frac;
  }
  if (digits == 0) return 0;
  if (at < s.size() && (s[at] == 'e' || s[at] == 'E')) {
    std::size_t exp = at + 1;
    if (exp < s.size() && (s[exp] == '+' || s[exp] == '-')) ++exp;
    std::size_t exp_digits = exp;
    while (exp_digits < s.size() && is_digit(s[exp_digits])) ++exp_digits;
    if (exp_digits > exp) at = exp_digits;
  }
  return at;
}

double parse_decimal(std::string_view literal) {
  double value = 0;
  auto result = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  if (result.ec == std::errc::result_out_of_range) {
    // from_chars reports overflow and underflow alike; tell them apart by the exponent.
    auto e = literal.find_first_of("eE");
    bool tiny = e != std::string_view::npos && e + 1 < literal.size() && literal[e + 1] == '-';
    return tiny ? 0.0 : kInfinity;
  }
  return value;
}

// A signed decimal literal or Infinity at the start of `s`; `length` gets how much was read.
double signed_prefix(std::string_view s, std::size_t& length) {
  length = 0;
  bool negative = false;
  std::size_t at = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    at = 1;
  }
  auto rest = s.substr(at);
  if (rest.substr(0, 8) == "Infinity") {
    length = at + 8;
    return negative ? -kInfinity : kInfinity;
  }
  std::size_t n = decimal_literal_length(rest);
  if (n == 0) return kNaN;
  length = at + n;
  double value = parse_decimal(rest.substr(0, n));
  return negative ? -value : value;
}

double parse_radix(std::string_view digits, int radix) {
  if (digits.empty()) return kNaN;
  double value = 0;
  for (char c : digits) {
    int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'z') ? c - 'a' + 10 : (c >= 'A' && c <= 'Z') ? c - 'A' + 10 : 99;
    if (d >= radix) return kNaN;
    value = value * radix + d;
  }
  return value;
}

}  // namespace

std::size_t js_number_to_chars(double value, char* out) {
  auto put = [](char* at, std::string_view s) {
    std::memcpy(at, s.data(), s.size());
    return s.size();
  };
  if (std::isnan(value)) return put(out, "NaN");
  if (value == 0) return put(out, "0");  // both zeros
  std::size_t length = 0;
  if (value < 0) {
    out[length++] = '-';
    value = -value;
  }
  if (std::isinf(value)) return length + put(out + length, "Infinity");

  // The shortest digits that round-trip, as d.ddde±x; JS places the point from them.
  char sci[kMaxJsNumberChars];
  auto end = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific).ptr;
  char digits[20];
  int k = 0;
  char* p = sci;
  for (; p < end && *p != 'e'; ++p)
    if (*p != '.') digits[k++] = *p;
  int exponent = 0;
  std::from_chars(*(p + 1) == '+' ? p + 2 : p + 1, end, exponent);
  int n = exponent + 1;  // value = 0.digits x 10^n

  char* o = out + length;
  if (k <= n && n <= 21) {
    std::memcpy(o, digits, static_cast<std::size_t>(k));
    o += k;
    for (int i = k; i < n; ++i) *o++ = '0';
  } else if (0 < n && n <= 21) {
    std::memcpy(o, digits, static_cast<std::size_t>(n));
    o += n;
    *o++ = '.';
    std::memcpy(o, digits + n, static_cast<std::size_t>(k - n));
    o += k - n;
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -n; ++i) *o++ = '0';
    std::memcpy(o, digits, static_cast<std::size_t>(k));
    o += k;
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      std::memcpy(o, digits + 1, static_cast<std::size_t>(k - 1));
      o += k - 1;
    }
    *o++ = 'e';
    *o++ = n - 1 >= 0 ? '+' : '-';
    o = std::to_chars(o, o + 8, n - 1 >= 0 ? n - 1 : 1 - n).ptr;
  }
  return static_cast<std::size_t>(o - out);
}

double js_parse_float(std::string_view text) {
  std::size_t length = 0;
  return signed_prefix(trim_start(text), length);
}

double js_string_to_number(std::string_view text) {
  auto s = trim(text);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    char r = s[1];
    if (r == 'x' || r == 'X') return parse_radix(s.substr(2), 16);
    if (r == 'o' || r == 'O') return parse_radix(s.substr(2), 8);
    if (r == 'b' || r == 'B') return parse_radix(s.substr(2), 2);
  }
  std::size_t length = 0;
  double value = signed_prefix(s, length);
  return length == s.size() ? value : kNaN;
}

}  // namespace hotstate::eval
