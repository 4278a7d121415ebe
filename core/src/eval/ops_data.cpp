// var, missing and missing_some: reading the data by dotted paths.

#include <string_view>

#include "eval/evaluator.hpp"
#include "eval/js_semantics.hpp"

namespace hotstate::eval {
namespace {

// An array index as JavaScript accepts one in a property name: canonical digits only
// ("1", never "01" or "1.0").
bool parse_index(std::string_view s, std::uint32_t& index) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return false;
  std::uint32_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  index = n;
  return true;
}

template <typename Segments>
bool read_segments(const Val& data, const Segments& segments, Val& out) {
  Val current = data;
  for (const auto& segment : segments) {
    std::string_view key(segment);
    if (current.is_nullish()) return false;
    if (current.is(Val::Kind::Object)) {
      if (!current.find(key, current)) return false;
    } else if (current.is(Val::Kind::Array)) {
      std::uint32_t index = 0;
      if (!parse_index(key, index) || index >= current.array_size()) return false;
      current = current.at(index);
    } else {
      return false;  // properties of strings, numbers and booleans are not data
    }
  }
  out = current;
  return true;
}

// Splits a path computed at run time ("a.b" -> a, b) into views kept in the arena.
struct RuntimePath {
  const std::string_view* begin_ = nullptr;
  const std::string_view* end_ = nullptr;
  const std::string_view* begin() const { return begin_; }
  const std::string_view* end() const { return end_; }
};

RuntimePath split_path(std::string_view path, Arena& arena) {
  std::size_t count = 1;
  for (char c : path) count += c == '.';
  auto* parts = arena.allocate<std::string_view>(count);
  std::size_t n = 0, start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '.') {
      parts[n++] = path.substr(start, i - start);
      start = i + 1;
    }
  return {parts, parts + n};
}

// `var` of a key computed at run time: null, undefined, "" and [] mean the whole data.
bool read_dynamic(const Val& data, const Val& key, Arena& arena, Val& out) {
  if (key.is_nullish() || (key.is(Val::Kind::String) && key.as_string().empty()) ||
      (key.is(Val::Kind::Array) && key.array_size() == 0)) {
    out = data;
    return true;
  }
  return read_segments(data, split_path(js_to_string(key, arena), arena), out);
}

// json-logic-js's missing: a key is missing when `var` finds null or "" (or nothing).
bool is_missing(const Val& data, const Val& key, Arena& arena) {
  Val value;
  if (!read_dynamic(data, key, arena, value)) return true;
  return value.is_nullish() || (value.is(Val::Kind::String) && value.as_string().empty());
}

// The missing keys among `keys` (an array of keys, or the arguments themselves).
Val missing_among(Evaluator& ev, const Val* keys, std::uint32_t count, const Val& data) {
  Val* missing = ev.arena.allocate<Val>(count == 0 ? 1 : count);
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < count; ++i)
    if (is_missing(data, keys[i], ev.arena)) missing[n++] = keys[i];
  return Val::array(missing, n);
}

Val missing_in_array(Evaluator& ev, const Val& keys, const Val& data) {
  std::uint32_t count = keys.array_size();
  Val* items = ev.arena.allocate<Val>(count == 0 ? 1 : count);
  for (std::uint32_t i = 0; i < count; ++i) items[i] = keys.at(i);
  return missing_among(ev, items, count, data);
}

}  // namespace

bool read_path(const Val& data, const std::vector<std::string>& segments, Val& out) {
  return read_segments(data, segments, out);
}

Val op_var(Evaluator& ev, const Node& node, const Val& data) {
  Val found;
  bool ok = node.aux != kNoIndex ? read_segments(data, ev.program.paths[node.aux].segments, found)
                                 : read_dynamic(data, ev.arg(node, 0, data), ev.arena, found);
  if (ok) return found;
  if (node.arg_count >= 2) return ev.arg(node, 1, data);
  return Val::null();
}

Val op_missing(Evaluator& ev, const Node& node, const Val& data) {
  Val first = ev.arg(node, 0, data);
  if (first.is(Val::Kind::Array)) return missing_in_array(ev, first, data);
  Val* keys = ev.arena.allocate<Val>(node.arg_count == 0 ? 1 : node.arg_count);
  for (std::uint32_t i = 0; i < node.arg_count; ++i) keys[i] = i == 0 ? first : ev.arg(node, i, data);
  return missing_among(ev, keys, node.arg_count, data);
}

Val op_missing_some(Evaluator& ev, const Node& node, const Val& data) {
  Val need = ev.arg(node, 0, data), options = ev.arg(node, 1, data);
  Val missing = options.is(Val::Kind::Array) ? missing_in_array(ev, options, data)
                                             : missing_among(ev, &options, options.is_nullish() ? 0 : 1, data);
  double present = static_cast<double>(options.is(Val::Kind::Array) ? options.array_size() : 1) -
                   static_cast<double>(missing.array_size());
  if (present >= js_to_number(need, ev.arena)) return Val::array(nullptr, 0);
  return missing;
}

}  // namespace hotstate::eval
