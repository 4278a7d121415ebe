#include "record_wrap.hpp"

#include "addon_data.hpp"
#include "args.hpp"
#include "errors.hpp"
#include "flex_to_js.hpp"

namespace hotstate_node {

Napi::Value record_value(Napi::Env env, const hs_record* record) {
  const uint8_t* data = nullptr;
  std::size_t len = 0;
  check(env, hs_record_value(record, &data, &len));
  return flex_to_js(env, data, len);
}

Napi::Value record_key(Napi::Env env, const hs_record* record) {
  const char* key = nullptr;
  std::size_t len = 0;
  check(env, hs_record_key(record, &key, &len));
  return Napi::String::New(env, key, len);
}

Napi::Value record_collection(Napi::Env env, const hs_record* record) {
  const char* collection = nullptr;
  check(env, hs_record_collection(record, &collection));
  return Napi::String::New(env, collection);
}

Napi::Function RecordWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeRecord",
                     {InstanceMethod<&RecordWrap::value>("value"), InstanceMethod<&RecordWrap::json>("json"),
                      InstanceMethod<&RecordWrap::raw>("raw"), InstanceMethod<&RecordWrap::key>("key"),
                      InstanceMethod<&RecordWrap::collection>("collection"),
                      InstanceMethod<&RecordWrap::revisions>("revisions")});
}

Napi::Object RecordWrap::from_lent(Napi::Env env, const hs_record* lent) {
  hs_record* owned = nullptr;
  check(env, hs_record_retain(lent, &owned));
  return from_owned(env, owned);
}

Napi::Object RecordWrap::from_owned(Napi::Env env, hs_record* owned) {
  // The constructor takes the handle from an External, so JS code cannot forge one.
  try {
    return addon_data(env).record_class.New({Napi::External<hs_record>::New(env, owned)});
  } catch (...) {
    hs_record_free(owned);
    throw;
  }
}

RecordWrap::RecordWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RecordWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw_type_error(info.Env(), "records come from client.view(), scan() or a snapshot; they cannot be constructed");
  record_ = info[0].As<Napi::External<hs_record>>().Data();
}

RecordWrap::~RecordWrap() { hs_record_free(record_); }

Napi::Value RecordWrap::value(const Napi::CallbackInfo& info) { return record_value(info.Env(), record_); }

Napi::Value RecordWrap::json(const Napi::CallbackInfo& info) {
  char* json = nullptr;
  std::size_t len = 0;
  check(info.Env(), hs_record_json(record_, &json, &len));
  Napi::String text = Napi::String::New(info.Env(), json, len);
  hs_free(json);
  return text;
}

// The FlexBuffers bytes without a copy: an external Buffer over the replica's memory that
// holds its own handle to the record, released when the Buffer is collected. Runtimes
// that forbid external buffers (NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED, e.g. Electron's
// sandbox) get a copy.
Napi::Value RecordWrap::raw(const Napi::CallbackInfo& info) {
  const uint8_t* data = nullptr;
  std::size_t len = 0;
  check(info.Env(), hs_record_value(record_, &data, &len));
  hs_record* pin = nullptr;
  check(info.Env(), hs_record_retain(record_, &pin));
  return Napi::Buffer<uint8_t>::NewOrCopy(
      info.Env(), const_cast<uint8_t*>(data), len, [](Napi::Env, uint8_t*, hs_record* record) { hs_record_free(record); },
      pin);
}

Napi::Value RecordWrap::key(const Napi::CallbackInfo& info) { return record_key(info.Env(), record_); }

Napi::Value RecordWrap::collection(const Napi::CallbackInfo& info) { return record_collection(info.Env(), record_); }

// [createRevision, modRevision, version]
Napi::Value RecordWrap::revisions(const Napi::CallbackInfo& info) {
  uint64_t create = 0, mod = 0, version = 0;
  check(info.Env(), hs_record_revisions(record_, &create, &mod, &version));
  Napi::Array out = Napi::Array::New(info.Env(), 3);
  out.Set(0u, uint64_to_js(info.Env(), create));
  out.Set(1u, uint64_to_js(info.Env(), mod));
  out.Set(2u, uint64_to_js(info.Env(), version));
  return out;
}

}  // namespace hotstate_node
