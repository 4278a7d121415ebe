#include "flex_to_js.hpp"

#include <flatbuffers/flexbuffers.h>

#include <cstring>

#include "args.hpp"
#include "errors.hpp"

namespace hotstate_node {
namespace {

// Plain napi calls on this path: it runs for every field of every get().
void ok(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

napi_value decode(napi_env env, const flexbuffers::Reference& r);

napi_value decode_map(napi_env env, const flexbuffers::Map& map) {
  napi_value object;
  ok(env, napi_create_object(env, &object));
  auto keys = map.Keys();
  auto values = map.Values();
  for (std::size_t i = 0; i < map.size(); ++i) {
    const char* name = keys[i].AsKey();
    napi_value value = decode(env, values[i]);
    if (std::strcmp(name, "__proto__") == 0) {
      // A data property, as JSON.parse makes it: assigning would set the prototype.
      napi_property_descriptor own{name, nullptr, nullptr, nullptr, nullptr, value, napi_default_jsproperty, nullptr};
      ok(env, napi_define_properties(env, object, 1, &own));
    } else {
      ok(env, napi_set_named_property(env, object, name, value));
    }
  }
  return object;
}

template <typename Vector>
napi_value decode_vector(napi_env env, const Vector& vector) {
  napi_value array;
  ok(env, napi_create_array_with_length(env, vector.size(), &array));
  for (std::size_t i = 0; i < vector.size(); ++i)
    ok(env, napi_set_element(env, array, static_cast<uint32_t>(i), decode(env, vector[i])));
  return array;
}

napi_value decode(napi_env env, const flexbuffers::Reference& r) {
  using flexbuffers::Type;
  napi_value out = nullptr;
  switch (r.GetType()) {
    case Type::FBT_NULL:
      ok(env, napi_get_null(env, &out));
      return out;
    case Type::FBT_BOOL:
      ok(env, napi_get_boolean(env, r.AsBool(), &out));
      return out;
    case Type::FBT_INT:
    case Type::FBT_INDIRECT_INT:
      return int64_to_js(env, r.AsInt64());
    case Type::FBT_UINT:
    case Type::FBT_INDIRECT_UINT:
      return uint64_to_js(env, r.AsUInt64());
    case Type::FBT_FLOAT:
    case Type::FBT_INDIRECT_FLOAT:
      ok(env, napi_create_double(env, r.AsDouble(), &out));
      return out;
    case Type::FBT_STRING: {
      auto s = r.AsString();
      ok(env, napi_create_string_utf8(env, s.c_str(), s.length(), &out));
      return out;
    }
    case Type::FBT_KEY:
      ok(env, napi_create_string_utf8(env, r.AsKey(), NAPI_AUTO_LENGTH, &out));
      return out;
    case Type::FBT_MAP:
      return decode_map(env, r.AsMap());
    default:
      break;
  }
  // Writers build untyped vectors, but a typed one is still a JSON array.
  if (r.IsTypedVector()) return decode_vector(env, r.AsTypedVector());
  if (r.IsFixedTypedVector()) return decode_vector(env, r.AsFixedTypedVector());
  if (r.IsVector()) return decode_vector(env, r.AsVector());
  throw status_error(env, HS_ERR_INTERNAL, "the value holds a FlexBuffers type with no JSON form");
}

}  // namespace

Napi::Value flex_to_js(Napi::Env env, const uint8_t* data, std::size_t len) {
  return Napi::Value(env, decode(env, flexbuffers::GetRoot(data, len)));
}

}  // namespace hotstate_node
