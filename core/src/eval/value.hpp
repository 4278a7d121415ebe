#pragma once
// The value type of evaluation: a 16-byte tagged view of JSON-like data that lives
// elsewhere -- a compiled rule's constants, the context, a record's FlexBuffer bytes or
// the per-thread scratch arena -- so evaluating a rule copies no strings or arrays.
//
// Undefined exists because json-logic-js tells a missing argument (undefined) from null
// (`{"==": [null]}` is true, `{"cat": [null]}` is ""); it never leaves the evaluator: a
// rule's result of undefined is reported as null.

#include <boost/json/fwd.hpp>
#include <cstdint>
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
  // Objects: the member called `key`; false when there is none (JS undefined).
  bool find(std::string_view key, Val& out) const;
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

struct Member {
  std::string_view key;
  Val value;
};

}  // namespace hotstate::eval
