#pragma once
// The value type of evaluation: a 16-byte tagged view of JSON-like data that lives
// elsewhere -- a compiled rule's constants, the context, a record's FlexBuffer bytes or
// the per-thread scratch arena -- so evaluating a rule copies no strings or arrays.
//
// Undefined exists because json-logic-js tells a missing argument (undefined) from null
// (`{"==": [null]}` is true, `{"cat": [null]}` is ""); it never leaves the evaluator: a
// rule's result of undefined is reported as null.

#include <boost/json/value.hpp>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace hotstate::eval {

struct Member;
struct RootScope;

class Val {
 public:
  enum class Kind : std::uint8_t { Undefined, Null, Bool, Number, String, Array, Object };

  Val() = default;
  static Val null() { return Val(Kind::Null); }
  static Val boolean(bool b) {
    Val v(Kind::Bool);
    v.u_.boolean = b;
    return v;
  }
  static Val number(double d) {
    Val v(Kind::Number);
    v.u_.number = d;
    return v;
  }
  static Val string(std::string_view s) {
    Val v(Kind::String);
    v.u_.chars = s.data();
    v.size_ = static_cast<std::uint32_t>(s.size());
    return v;
  }
  // A view of a Boost.JSON value (constants, context attributes, test data).
  static Val json(const boost::json::value& value);
  // Arrays and objects built during evaluation (items live in the scratch arena).
  static Val array(const Val* items, std::uint32_t count) {
    Val v(Kind::Array, Repr::Items);
    v.u_.items = items;
    v.size_ = count;
    return v;
  }
  static Val object(const Member* members, std::uint32_t count) {
    Val v(Kind::Object, Repr::Members);
    v.u_.members = members;
    v.size_ = count;
    return v;
  }
  // The top-level data of a flag evaluation: the context, plus `$flagd`.
  static Val root(const RootScope* scope) {
    Val v(Kind::Object, Repr::Root);
    v.u_.root = scope;
    return v;
  }

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  bool is_nullish() const { return kind_ == Kind::Null || kind_ == Kind::Undefined; }
  bool as_bool() const { return u_.boolean; }
  double as_number() const { return u_.number; }
  std::string_view as_string() const { return {u_.chars, size_}; }

  // Arrays: element count and elements.
  std::uint32_t array_size() const;
  Val at(std::uint32_t index) const;
  // Objects: the member called `key`, or undefined when there is none. (Returned, not
  // written through a reference: a Val travels in two registers, and a Val stored in
  // parts then read whole would stall the store buffer.)
  Val get(std::string_view key) const;
  // The same, with name_hash(key) already known (faster on the context).
  Val get(std::string_view key, std::uint32_t hash) const;
  // Objects: member count and members in order (for rendering as JSON).
  std::uint32_t object_size() const;
  std::string_view key_at(std::uint32_t index) const;
  Val value_at(std::uint32_t index) const;

  // True for the same array or object (JS reference identity), never for two copies.
  bool same_reference(const Val& other) const;

 private:
  enum class Repr : std::uint8_t { Inline, JsonArray, JsonObject, Items, Members, Root };
  explicit Val(Kind kind, Repr repr = Repr::Inline) : kind_(kind), repr_(repr) {}

  Kind kind_ = Kind::Undefined;
  Repr repr_ = Repr::Inline;
  std::uint32_t size_ = 0;
  union {
    bool boolean;
    double number;
    const char* chars;
    const boost::json::array* json_array;
    const boost::json::object* json_object;
    const Val* items;
    const Member* members;
    const RootScope* root;
  } u_{};
};

// Equal text: lengths first, then word-sized loads (the keys and names rules compare are
// short, and a libc memcmp call costs more than comparing them).
inline bool same_text(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char *x = a.data(), *y = b.data();
  auto load8 = [](const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  auto load4 = [](const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8)
      if (load8(x + i) != load8(y + i)) return false;
    return load8(x + n - 8) == load8(y + n - 8);  // the tail, overlapping
  }
  if (n >= 4) return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// FNV-1a of a name: attribute names and `var` paths' first segments carry it, so looking
// an attribute up compares integers, not text, until the one that matches.
inline std::uint32_t name_hash(std::string_view name) {
  std::uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

struct Member {
  std::string_view key;
  Val value;
};

// Inline: every `var` of the context goes through it.
inline Val Val::json(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: return null();
    case boost::json::kind::bool_: return boolean(value.get_bool());
    case boost::json::kind::int64: return number(static_cast<double>(value.get_int64()));
    case boost::json::kind::uint64: return number(static_cast<double>(value.get_uint64()));
    case boost::json::kind::double_: return number(value.get_double());
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      return string(std::string_view(s.data(), s.size()));
    }
    case boost::json::kind::array: {
      Val v(Kind::Array, Repr::JsonArray);
      v.u_.json_array = &value.get_array();
      v.size_ = static_cast<std::uint32_t>(value.get_array().size());
      return v;
    }
    case boost::json::kind::object: {
      Val v(Kind::Object, Repr::JsonObject);
      v.u_.json_object = &value.get_object();
      v.size_ = static_cast<std::uint32_t>(value.get_object().size());
      return v;
    }
  }
  return null();
}

}  // namespace hotstate::eval
