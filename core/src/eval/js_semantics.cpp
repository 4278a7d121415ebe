#include "eval/js_semantics.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "eval/js_number.hpp"

namespace hotstate::eval {
namespace {

using Kind = Val::Kind;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The length of String(v), and writing it: two passes, so an array's text is allocated once.
std::size_t string_length(const Val& v, bool in_join);
char* write_string(const Val& v, bool in_join, char* out);

std::size_t array_text_length(const Val& v) {
  std::size_t n = v.array_size() == 0 ? 0 : v.array_size() - 1;  // the commas
  for (std::uint32_t i = 0; i < v.array_size(); ++i) n += string_length(v.at(i), true);
  return n;
}

std::size_t string_length(const Val& v, bool in_join) {
  char buf[kMaxJsNumberChars];
  switch (v.kind()) {
    case Kind::Undefined: return in_join ? 0 : 9;
    case Kind::Null: return in_join ? 0 : 4;
    case Kind::Bool: return v.as_bool() ? 4 : 5;
    case Kind::Number: return js_number_to_chars(v.as_number(), buf);
    case Kind::String: return v.as_string().size();
    case Kind::Array: return array_text_length(v);
    case Kind::Object: return 15;  // [object Object]
  }
  return 0;
}

char* put(char* out, std::string_view s) {
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* write_string(const Val& v, bool in_join, char* out) {
  switch (v.kind()) {
    case Kind::Undefined: return in_join ? out : put(out, "undefined");
    case Kind::Null: return in_join ? out : put(out, "null");
    case Kind::Bool: return put(out, v.as_bool() ? "true" : "false");
    case Kind::Number: return out + js_number_to_chars(v.as_number(), out);
    case Kind::String: return put(out, v.as_string());
    case Kind::Array:
      for (std::uint32_t i = 0; i < v.array_size(); ++i) {
        if (i) *out++ = ',';
        out = write_string(v.at(i), true, out);
      }
      return out;
    case Kind::Object: return put(out, "[object Object]");
  }
  return out;
}

std::string_view to_string(const Val& v, bool in_join, Arena& arena) {
  if (v.is(Kind::String)) return v.as_string();
  if (v.is(Kind::Bool)) return v.as_bool() ? "true" : "false";
  if (v.is(Kind::Null)) return in_join ? "" : "null";
  if (v.is(Kind::Undefined)) return in_join ? "" : "undefined";
  if (v.is(Kind::Object)) return "[object Object]";
  std::size_t n = string_length(v, in_join);
  char* text = arena.allocate<char>(n == 0 ? 1 : n);
  write_string(v, in_join, text);
  return {text, n};
}

// ToPrimitive: arrays and objects become their String(); everything else is itself.
Val to_primitive(const Val& v, Arena& arena) {
  if (v.is(Kind::Array) || v.is(Kind::Object)) return Val::string(to_string(v, false, arena));
  return v;
}

}  // namespace

bool js_truthy(const Val& v) {
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::Null: return false;
    case Kind::Bool: return v.as_bool();
    case Kind::Number: return v.as_number() != 0 && !std::isnan(v.as_number());
    case Kind::String: return !v.as_string().empty();
    case Kind::Array: return v.array_size() > 0;
    case Kind::Object: return true;
  }
  return false;
}

double js_to_number(const Val& v, Arena& arena) {
  switch (v.kind()) {
    case Kind::Undefined: return kNaN;
    case Kind::Null: return 0;
    case Kind::Bool: return v.as_bool() ? 1 : 0;
    case Kind::Number: return v.as_number();
    case Kind::String: return js_string_to_number(v.as_string());
    case Kind::Array: return js_string_to_number(to_string(v, false, arena));
    case Kind::Object: return kNaN;
  }
  return kNaN;
}

double js_parse_float(const Val& v, Arena& arena) {
  if (v.is(Kind::Number)) return v.as_number();
  return js_parse_float(to_string(v, false, arena));
}

std::string_view js_to_string(const Val& v, Arena& arena) { return to_string(v, false, arena); }
std::string_view js_join_element(const Val& v, Arena& arena) { return to_string(v, true, arena); }

bool js_strict_equal(const Val& a, const Val& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined:
    case Kind::Null: return true;
    case Kind::Bool: return a.as_bool() == b.as_bool();
    case Kind::Number: return a.as_number() == b.as_number();
    case Kind::String: return a.as_string() == b.as_string();
    default: return a.same_reference(b);
  }
}

bool js_loose_equal(const Val& a, const Val& b, Arena& arena) {
  if (a.kind() == b.kind()) return js_strict_equal(a, b);
  if (a.is_nullish() || b.is_nullish()) return a.is_nullish() && b.is_nullish();
  // Booleans compare as numbers; objects as their primitive; then string vs number.
  if (a.is(Kind::Bool)) return js_loose_equal(Val::number(a.as_bool() ? 1 : 0), b, arena);
  if (b.is(Kind::Bool)) return js_loose_equal(a, Val::number(b.as_bool() ? 1 : 0), arena);
  bool a_object = a.is(Kind::Array) || a.is(Kind::Object);
  bool b_object = b.is(Kind::Array) || b.is(Kind::Object);
  if (a_object && b_object) return false;  // different kinds: never the same reference
  if (a_object) return js_loose_equal(to_primitive(a, arena), b, arena);
  if (b_object) return js_loose_equal(a, to_primitive(b, arena), arena);
  // One number and one string.
  return js_to_number(a, arena) == js_to_number(b, arena);
}

bool js_less(const Val& a, const Val& b, bool or_equal, Arena& arena) {
  Val pa = to_primitive(a, arena), pb = to_primitive(b, arena);
  if (pa.is(Kind::String) && pb.is(Kind::String)) {
    int c = pa.as_string().compare(pb.as_string());
    return or_equal ? c <= 0 : c < 0;
  }
  double x = js_to_number(pa, arena), y = js_to_number(pb, arena);
  return or_equal ? x <= y : x < y;  // NaN: false either way
}

}  // namespace hotstate::eval
