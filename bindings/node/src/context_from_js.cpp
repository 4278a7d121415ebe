#include "context_from_js.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "addon_data.hpp"
#include "errors.hpp"

namespace hotstate_node {
namespace {

constexpr std::size_t kMaxDepth = 64;  // the JSON nesting the core accepts; the context is level 1
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

// What is wrong inside an attribute. `path` (".b[2]") grows while the conversion unwinds,
// so a conversion that succeeds never builds one.
struct BadValue {
  std::string path;
  std::string problem;
};

// Plain napi calls on this path: it runs on every evaluation with a plain-object context.
// A failure is almost always a JS exception (a getter or toJSON threw): it propagates.
void ok(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

napi_valuetype type_of(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  ok(env, napi_typeof(env, value, &type));
  return type;
}

const char* kind_of(napi_valuetype type) {
  switch (type) {
    case napi_function: return "a function";
    case napi_symbol: return "a symbol";
    case napi_bigint: return "a bigint";
    case napi_external: return "an external value";
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_object: return "an object";
  }
  return "an unknown value";
}

BadValue cannot_hold(const char* what) {
  return {{}, std::string("is ") + what + ", which an evaluation context cannot hold"};
}

bool safe_integer(double d) { return std::floor(d) == d && std::fabs(d) <= kMaxSafeInteger; }

double finite_number(napi_env env, napi_value value) {
  double d = 0;
  ok(env, napi_get_value_double(env, value, &d));
  if (!std::isfinite(d)) throw cannot_hold(std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
  return d;
}

// A JS string's UTF-8 text, NUL-terminated; in place when short (no allocation).
class Utf8 {
 public:
  Utf8(napi_env env, napi_value string) {
    std::size_t len = 0;
    ok(env, napi_get_value_string_utf8(env, string, inline_, sizeof inline_, &len));
    // V8 never splits a character, so a cut stops up to 3 bytes short of the buffer's end.
    if (len + 4 < sizeof inline_) {
      size_ = len;
      return;
    }
    ok(env, napi_get_value_string_utf8(env, string, nullptr, 0, &len));
    heap_.resize(len);
    ok(env, napi_get_value_string_utf8(env, string, heap_.data(), len + 1, &len));
    data_ = heap_.data();
    size_ = len;
  }
  Utf8(const Utf8&) = delete;
  Utf8& operator=(const Utf8&) = delete;

  const char* c_str() const { return data_; }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  char inline_[256];
  std::string heap_;
  const char* data_ = inline_;
  std::size_t size_ = 0;
};

// Own enumerable string-keyed property names, numeric ones as strings (Object.keys).
napi_value own_keys(napi_env env, napi_value object) {
  napi_value names = nullptr;
  ok(env, napi_get_all_property_names(env, object, napi_key_own_only,
                                      static_cast<napi_key_filter>(napi_key_enumerable | napi_key_skip_symbols),
                                      napi_key_numbers_to_strings, &names));
  return names;
}

bool instance_of(napi_env env, napi_value value, const Napi::FunctionReference& cls) {
  bool result = false;
  ok(env, napi_instanceof(env, value, cls.Value(), &result));
  return result;
}

// A nested attribute (object, array, or what toJSON gives) as JSON text.
class JsonWriter {
 public:
  // `root`: the context object itself (for cycles through it), or null for a lone value.
  JsonWriter(napi_env env, napi_value root) : env_(env) {
    if (root) ancestors_.push_back(root);
    base_depth_ = root ? 0 : 1;
  }

  std::string text;

  // Writes any value but undefined (which only an array item can be here).
  void write(napi_value value) {
    switch (type_of(env_, value)) {
      case napi_null:
        text += "null";
        return;
      case napi_boolean: {
        bool b = false;
        ok(env_, napi_get_value_bool(env_, value, &b));
        text += b ? "true" : "false";
        return;
      }
      case napi_number:
        write_number(finite_number(env_, value));
        return;
      case napi_string:
        write_string(value);
        return;
      case napi_object:
        write_object(value, true);
        return;
      case napi_undefined:
        throw cannot_hold("undefined");
      default:
        throw cannot_hold(kind_of(type_of(env_, value)));
    }
  }

 private:
  void write_object(napi_value value, bool call_to_json) {
    napi_env env = env_;
    if (call_to_json) {
      // As JSON.stringify: an object's toJSON() stands for it (a Date gives its ISO text).
      napi_value to_json = nullptr;
      ok(env, napi_get_named_property(env, value, "toJSON", &to_json));
      if (type_of(env, to_json) == napi_function) {
        napi_value result = nullptr;
        ok(env, napi_call_function(env, value, to_json, 0, nullptr, &result));
        napi_valuetype type = type_of(env, result);
        if (type == napi_undefined) throw BadValue{{}, "has a toJSON() that returned undefined"};
        if (type == napi_object) return write_object(result, false);
        return write(result);
      }
    }
    if (base_depth_ + ancestors_.size() + 1 > kMaxDepth) throw BadValue{{}, "nests deeper than 64 levels"};
    for (napi_value ancestor : ancestors_) {
      bool same = false;
      ok(env, napi_strict_equals(env, ancestor, value, &same));
      if (same) throw BadValue{{}, "refers to itself (a cycle)"};
    }
    bool flag = false;
    ok(env, napi_is_array(env, value, &flag));
    if (flag) return with_ancestor(value, [&] { write_array(value); });
    ok(env, napi_is_typedarray(env, value, &flag));
    if (flag) throw BadValue{{}, "is a typed array; convert it to a plain array first"};
    ok(env, napi_is_arraybuffer(env, value, &flag));
    if (flag) throw BadValue{{}, "is an ArrayBuffer, which an evaluation context cannot hold"};
    ok(env, napi_is_dataview(env, value, &flag));
    if (flag) throw BadValue{{}, "is a DataView, which an evaluation context cannot hold"};
    AddonData& data = addon_data(Napi::Env(env));
    if (instance_of(env, value, data.map_class)) throw BadValue{{}, "is a Map; convert it to a plain object first"};
    if (instance_of(env, value, data.set_class)) throw BadValue{{}, "is a Set; convert it to a plain array first"};
    with_ancestor(value, [&] { write_members(value); });
  }

  template <class Fn>
  void with_ancestor(napi_value value, Fn&& fn) {
    ancestors_.push_back(value);
    fn();
    ancestors_.pop_back();
  }

  void write_members(napi_value object) {
    napi_value names = own_keys(env_, object);
    uint32_t count = 0;
    ok(env_, napi_get_array_length(env_, names, &count));
    text += '{';
    bool first = true;
    for (uint32_t i = 0; i < count; ++i) {
      napi_value name = nullptr, value = nullptr;
      ok(env_, napi_get_element(env_, names, i, &name));
      ok(env_, napi_get_property(env_, object, name, &value));
      if (type_of(env_, value) == napi_undefined) continue;  // as JSON.stringify
      if (!first) text += ',';
      first = false;
      write_string(name);
      text += ':';
      try {
        write(value);
      } catch (BadValue& bad) {
        bad.path.insert(0, "." + std::string(Utf8(env_, name).view()));
        throw;
      }
    }
    text += '}';
  }

  void write_array(napi_value array) {
    uint32_t length = 0;
    ok(env_, napi_get_array_length(env_, array, &length));
    text += '[';
    for (uint32_t i = 0; i < length; ++i) {
      if (i > 0) text += ',';
      napi_value item = nullptr;
      ok(env_, napi_get_element(env_, array, i, &item));
      try {
        write(item);
      } catch (BadValue& bad) {
        bad.path.insert(0, "[" + std::to_string(i) + "]");
        throw;
      }
    }
    text += ']';
  }

  void write_string(napi_value string) {
    Utf8 utf8(env_, string);
    text += '"';
    for (char c : utf8.view()) {
      switch (c) {
        case '"': text += "\\\""; break;
        case '\\': text += "\\\\"; break;
        case '\n': text += "\\n"; break;
        case '\r': text += "\\r"; break;
        case '\t': text += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static const char kHex[] = "0123456789abcdef";
            text += "\\u00";
            text += kHex[(c >> 4) & 0xf];
            text += kHex[c & 0xf];
          } else {
            text += c;
          }
      }
    }
    text += '"';
  }

  void write_number(double d) {
    char buffer[32];
    auto end = safe_integer(d) ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(d)).ptr
                               : std::to_chars(buffer, buffer + sizeof buffer, d).ptr;
    text.append(buffer, end);
  }

  napi_env env_;
  std::vector<napi_value> ancestors_;
  std::size_t base_depth_ = 0;
};

// One attribute `name` = `value` into `out` (undefined: nothing).
void set_one(napi_env env, hs_context* out, const Utf8& name, napi_value value, JsonWriter& writer) {
  if (std::memchr(name.c_str(), '\0', name.size()) != nullptr)
    throw_type_error(env, "evaluation context attribute names must not contain U+0000");
  const bool targeting_key = name.view() == "targetingKey";
  const napi_valuetype type = type_of(env, value);
  if (type == napi_undefined) return;
  if (type == napi_string) {
    Utf8 text(env, value);
    check(env, targeting_key ? hs_context_set_targeting_key(out, text.c_str(), text.size())
                             : hs_context_set_string(out, name.c_str(), text.c_str(), text.size()));
    return;
  }
  if (targeting_key) {
    if (type == napi_null) return;  // no targeting key
    throw_type_error(env, std::string("context.targetingKey must be a string (the targeting key), not ") + kind_of(type));
  }
  try {
    switch (type) {
      case napi_null:
        check(env, hs_context_set_null(out, name.c_str()));
        return;
      case napi_boolean: {
        bool b = false;
        ok(env, napi_get_value_bool(env, value, &b));
        check(env, hs_context_set_bool(out, name.c_str(), b ? 1 : 0));
        return;
      }
      case napi_number: {
        double d = finite_number(env, value);
        check(env, safe_integer(d) ? hs_context_set_int64(out, name.c_str(), static_cast<int64_t>(d))
                                   : hs_context_set_double(out, name.c_str(), d));
        return;
      }
      case napi_object:
        writer.text.clear();
        writer.write(value);
        check(env, hs_context_set_json(out, name.c_str(), writer.text.data(), writer.text.size()));
        return;
      default:
        throw cannot_hold(kind_of(type));
    }
  } catch (const BadValue& bad) {
    throw_type_error(env, "context." + std::string(name.view()) + bad.path + " " + bad.problem);
  }
}

}  // namespace

bool is_context_object(Napi::Env env, napi_value value) {
  if (type_of(env, value) != napi_object) return false;
  bool array = false;
  ok(env, napi_is_array(env, value, &array));
  return !array;
}

void fill_context(Napi::Env env, napi_value object, hs_context* out) {
  check(env, hs_context_clear(out));
  napi_value names = own_keys(env, object);
  uint32_t count = 0;
  ok(env, napi_get_array_length(env, names, &count));
  JsonWriter writer(env, object);
  for (uint32_t i = 0; i < count; ++i) {
    napi_value name = nullptr, value = nullptr;
    ok(env, napi_get_element(env, names, i, &name));
    ok(env, napi_get_property(env, object, name, &value));
    set_one(env, out, Utf8(env, name), value, writer);
  }
}

void fill_context_flat(Napi::Env env, const napi_value* items, std::size_t count, hs_context* out) {
  if (count % 2 != 1) throw status_error(env, HS_ERR_INTERNAL, "a flattened context has [object, name, value, ...]");
  check(env, hs_context_clear(out));
  JsonWriter writer(env, items[0]);
  for (std::size_t i = 1; i < count; i += 2) set_one(env, out, Utf8(env, items[i]), items[i + 1], writer);
}

void set_context_attribute(Napi::Env env, hs_context* out, napi_value name, napi_value value) {
  if (type_of(env, name) != napi_string) throw_type_error(env, "an evaluation context attribute name must be a string");
  Utf8 utf8(env, name);
  if (type_of(env, value) == napi_undefined) {
    if (std::memchr(utf8.c_str(), '\0', utf8.size()) != nullptr)
      throw_type_error(env, "evaluation context attribute names must not contain U+0000");
    check(env, hs_context_remove(out, utf8.c_str()));
    return;
  }
  JsonWriter writer(env, nullptr);
  set_one(env, out, utf8, value, writer);
}

}  // namespace hotstate_node
