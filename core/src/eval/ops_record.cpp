// record: another record of the replica, read through the RecordSource. Only what the
// rule reads is converted: the path is followed inside the FlexBuffer, and only the value
// at its end becomes a Val (strings stay views into the record's bytes).

#include <flatbuffers/flexbuffers.h>

#include <cstring>

#include "eval/evaluator.hpp"
#include "eval/flag.hpp"
#include "eval/js_semantics.hpp"

namespace hotstate::eval {
namespace {

Val materialise(const flexbuffers::Reference& ref, Arena& arena);

template <typename Vector>
Val materialise_vector(const Vector& vec, Arena& arena) {
  auto n = static_cast<std::uint32_t>(vec.size());
  Val* items = arena.allocate<Val>(n == 0 ? 1 : n);
  for (std::uint32_t i = 0; i < n; ++i) items[i] = materialise(vec[i], arena);
  return Val::array(items, n);
}

Val materialise(const flexbuffers::Reference& ref, Arena& arena) {
  if (ref.IsNull()) return Val::null();
  if (ref.IsBool()) return Val::boolean(ref.AsBool());
  if (ref.IsInt()) return Val::number(static_cast<double>(ref.AsInt64()));
  if (ref.IsUInt()) return Val::number(static_cast<double>(ref.AsUInt64()));
  if (ref.IsFloat()) return Val::number(ref.AsDouble());
  if (ref.IsString()) {
    auto s = ref.AsString();
    return Val::string({s.c_str(), s.length()});
  }
  if (ref.IsKey()) return Val::string(ref.AsKey());
  if (ref.IsMap()) {
    auto map = ref.AsMap();
    auto keys = map.Keys();
    auto values = map.Values();
    auto n = static_cast<std::uint32_t>(map.size());
    Member* members = arena.allocate<Member>(n == 0 ? 1 : n);
    for (std::uint32_t i = 0; i < n; ++i) members[i] = Member{keys[i].AsKey(), materialise(values[i], arena)};
    return Val::object(members, n);
  }
  if (ref.IsTypedVector()) return materialise_vector(ref.AsTypedVector(), arena);
  if (ref.IsFixedTypedVector()) return materialise_vector(ref.AsFixedTypedVector(), arena);
  if (ref.IsVector()) return materialise_vector(ref.AsVector(), arena);
  return Val::null();  // blobs have no JSON form
}

bool parse_index(std::string_view s, std::size_t& index) {
  if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return false;
  index = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

// One step along the path; false when it leads nowhere. `key` is NUL-terminated.
bool step(flexbuffers::Reference& ref, const char* key, std::size_t key_size) {
  if (ref.IsMap()) {
    auto map = ref.AsMap();
    // Map::operator[] answers null for an absent key; tell it from a present null.
    auto keys = map.Keys();
    std::size_t lo = 0, hi = keys.size();
    while (lo < hi) {
      std::size_t mid = (lo + hi) / 2;
      int c = std::strcmp(keys[mid].AsKey(), key);
      if (c == 0) {
        ref = map.Values()[mid];
        return true;
      }
      if (c < 0) lo = mid + 1; else hi = mid;
    }
    return false;
  }
  std::size_t index = 0;
  if (!parse_index({key, key_size}, index)) return false;
  auto at = [&](const auto& vec) {
    if (index >= vec.size()) return false;
    ref = vec[index];
    return true;
  };
  if (ref.IsTypedVector()) return at(ref.AsTypedVector());
  if (ref.IsFixedTypedVector()) return at(ref.AsFixedTypedVector());
  if (ref.IsUntypedVector()) return at(ref.AsVector());
  return false;
}

// A path computed at run time, followed with NUL-terminated copies of its segments.
bool follow_dynamic(flexbuffers::Reference& ref, std::string_view path, Arena& arena) {
  if (path.empty()) return true;
  char* copy = arena.allocate<char>(path.size() + 1);
  std::memcpy(copy, path.data(), path.size());
  copy[path.size()] = '\0';
  std::size_t start = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && copy[i] != '.') continue;
    copy[i] = '\0';
    if (!step(ref, copy + start, i - start)) return false;
    start = i + 1;
  }
  return true;
}

}  // namespace

Val op_record(Evaluator& ev, const Node& node, const Val& data) {
  if (node.arg_count < 2 || node.arg_count > 3 || ev.records == nullptr) return Val::null();
  Val collection = ev.arg(node, 0, data), key = ev.arg(node, 1, data);
  if (!collection.is(Val::Kind::String)) return Val::null();
  if (!key.is(Val::Kind::String) && !key.is(Val::Kind::Number)) return Val::null();
  auto bytes = ev.records->find(collection.as_string(), js_to_string(key, ev.arena));
  if (bytes.empty()) return Val::null();
  auto ref = flexbuffers::GetRoot(bytes.data(), bytes.size());
  if (node.aux != kNoIndex) {
    for (const auto& segment : ev.program.paths[node.aux].segments)
      if (!step(ref, segment.c_str(), segment.size())) return Val::null();
  } else if (node.arg_count == 3) {
    Val path = ev.arg(node, 2, data);
    if (!path.is_nullish() && !follow_dynamic(ref, js_to_string(path, ev.arena), ev.arena)) return Val::null();
  }
  return materialise(ref, ev.arena);
}

}  // namespace hotstate::eval
