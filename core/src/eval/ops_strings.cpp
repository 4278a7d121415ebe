// cat and substr, with JavaScript's conversions to string.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "eval/evaluator.hpp"
#include "eval/js_semantics.hpp"

namespace hotstate::eval {
namespace {

// Byte offset of code point `index` in UTF-8 text (its size when past the end).
std::size_t byte_offset(std::string_view s, std::size_t index) {
  std::size_t at = 0;
  for (std::size_t seen = 0; at < s.size(); ++at) {
    if ((static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) continue;  // continuation byte
    if (seen++ == index) return at;
  }
  return s.size();
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// ToIntegerOrInfinity, clamped to what a string length can be.
double to_integer(const Val& v, Arena& arena) {
  double d = js_to_number(v, arena);
  return std::isnan(d) ? 0 : std::trunc(d);
}

// String.prototype.substr, over code points.
std::string_view substr(std::string_view s, double start, std::optional<double> length) {
  double size = static_cast<double>(code_points(s));
  double from = start < 0 ? std::max(size + start, 0.0) : std::min(start, size);
  double count = length ? std::clamp(*length, 0.0, size) : size;
  double to = std::min(from + count, size);
  if (to <= from) return {};
  auto begin = byte_offset(s, static_cast<std::size_t>(from));
  auto end = byte_offset(s, static_cast<std::size_t>(to));
  return s.substr(begin, end - begin);
}

}  // namespace

Val op_cat(Evaluator& ev, const Node& node, const Val& data) {
  if (node.arg_count == 1) {
    Val only = ev.arg(node, 0, data);
    if (only.is(Val::Kind::String)) return only;
    return Val::string(js_join_element(only, ev.arena));
  }
  auto* pieces = ev.arena.allocate<std::string_view>(node.arg_count == 0 ? 1 : node.arg_count);
  std::size_t total = 0;
  for (std::uint32_t i = 0; i < node.arg_count; ++i) {
    pieces[i] = js_join_element(ev.arg(node, i, data), ev.arena);
    total += pieces[i].size();
  }
  char* text = ev.arena.allocate<char>(total == 0 ? 1 : total);
  std::size_t at = 0;
  for (std::uint32_t i = 0; i < node.arg_count; ++i) {
    if (!pieces[i].empty()) std::memcpy(text + at, pieces[i].data(), pieces[i].size());
    at += pieces[i].size();
  }
  return Val::string({text, total});
}

// json-logic-js: a negative length drops that many characters from the end.
Val op_substr(Evaluator& ev, const Node& node, const Val& data) {
  std::string_view source = js_to_string(ev.arg(node, 0, data), ev.arena);
  double start = to_integer(ev.arg(node, 1, data), ev.arena);
  Val length = ev.arg(node, 2, data);
  if (length.is(Val::Kind::Undefined)) return Val::string(substr(source, start, std::nullopt));
  if (js_less(length, Val::number(0), false, ev.arena)) {
    std::string_view tail = substr(source, start, std::nullopt);
    return Val::string(substr(tail, 0, static_cast<double>(code_points(tail)) + to_integer(length, ev.arena)));
  }
  return Val::string(substr(source, start, to_integer(length, ev.arena)));
}

}  // namespace hotstate::eval
