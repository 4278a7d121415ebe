#include "eval_context_handle.hpp"

#include <memory>
#include <vector>

#include "context_from_js.hpp"
#include "errors.hpp"

namespace hotstate_node {
namespace {

// What the External points to: outlives close(), which only frees the context.
struct ContextBox {
  hs_context* context = nullptr;
};

constexpr napi_type_tag kContextHandleTag = {0x9d4c1f3a6b2e4871ULL, 0xa35e7c0d12f94b68ULL};

void finalize(napi_env, void* data, void*) {
  auto* box = static_cast<ContextBox*>(data);
  hs_context_free(box->context);
  delete box;
}

ContextBox* box_of(Napi::Env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external) return nullptr;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &kContextHandleTag, &tagged) != napi_ok || !tagged) return nullptr;
  void* data = nullptr;
  if (napi_get_value_external(env, value, &data) != napi_ok) throw Napi::Error::New(env);
  return static_cast<ContextBox*>(data);
}

hs_context* open_context(Napi::Env env, napi_value handle) {
  ContextBox* box = box_of(env, handle);
  if (!box) throw_type_error(env, "not an EvalContext handle");
  if (!box->context) throw status_error(env, HS_ERR_CLOSED, "this EvalContext was closed");
  return box->context;
}

Napi::Value context_new(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  hs_context* raw = nullptr;
  check(env, hs_context_new(&raw));
  std::unique_ptr<hs_context, decltype(&hs_context_free)> context(raw, hs_context_free);
  const std::size_t count = info.Length();
  if (count > 1) {
    std::vector<napi_value> items(count);
    for (std::size_t i = 0; i < count; ++i) items[i] = info[i];
    fill_context_flat(env, items.data(), count, context.get());
  } else if (count == 1 && !info[0].IsUndefined()) {
    if (!is_context_object(env, info[0]))
      throw_type_error(env, "new EvalContext(attributes): attributes must be a plain object such as {targetingKey: 'user-1', plan: 'pro'}");
    fill_context(env, info[0], context.get());
  }
  auto* box = new ContextBox{context.get()};
  napi_value handle = nullptr;
  if (napi_create_external(env, box, finalize, nullptr, &handle) != napi_ok) {
    delete box;
    throw Napi::Error::New(env);
  }
  context.release();  // the External's finalizer owns it now
  if (napi_type_tag_object(env, handle, &kContextHandleTag) != napi_ok) throw Napi::Error::New(env);
  return Napi::Value(env, handle);
}

Napi::Value context_set(const Napi::CallbackInfo& info) {
  set_context_attribute(info.Env(), open_context(info.Env(), info[0]), info[1], info[2]);
  return info.Env().Undefined();
}

Napi::Value context_clear(const Napi::CallbackInfo& info) {
  check(info.Env(), hs_context_clear(open_context(info.Env(), info[0])));
  return info.Env().Undefined();
}

Napi::Value context_close(const Napi::CallbackInfo& info) {
  ContextBox* box = box_of(info.Env(), info[0]);
  if (!box) throw_type_error(info.Env(), "not an EvalContext handle");
  hs_context_free(box->context);
  box->context = nullptr;
  return info.Env().Undefined();
}

}  // namespace

void define_context_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("contextNew", Napi::Function::New<context_new>(env, "contextNew"));
  exports.Set("contextSet", Napi::Function::New<context_set>(env, "contextSet"));
  exports.Set("contextClear", Napi::Function::New<context_clear>(env, "contextClear"));
  exports.Set("contextClose", Napi::Function::New<context_close>(env, "contextClose"));
}

const hs_context* context_of_handle(Napi::Env env, napi_value value) {
  ContextBox* box = box_of(env, value);
  if (!box) return nullptr;
  if (!box->context) throw status_error(env, HS_ERR_CLOSED, "this EvalContext was closed");
  return box->context;
}

}  // namespace hotstate_node
