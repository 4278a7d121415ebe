#include "eval_context_wrap.hpp"

#include <memory>

#include "context_from_js.hpp"
#include "errors.hpp"

namespace hotstate_node {
namespace {

// Marks EvalContext objects so an evaluation recognises one with a single check.
constexpr napi_type_tag kEvalContextTag = {0x9d4c1f3a6b2e4871ULL, 0xa35e7c0d12f94b68ULL};

}  // namespace

Napi::Function EvalContextWrap::define(Napi::Env env) {
  return DefineClass(env, "EvalContext",
                     {InstanceMethod<&EvalContextWrap::set>("set"), InstanceMethod<&EvalContextWrap::remove>("remove"),
                      InstanceMethod<&EvalContextWrap::clear>("clear"), InstanceMethod<&EvalContextWrap::close>("close"),
                      InstanceAccessor<&EvalContextWrap::closed>("closed")});
}

const hs_context* EvalContextWrap::unwrap(Napi::Env env, napi_value value) {
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &kEvalContextTag, &tagged) != napi_ok || !tagged) return nullptr;
  return Unwrap(Napi::Object(env, value))->open_context(env);
}

EvalContextWrap::EvalContextWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EvalContextWrap>(info) {
  Napi::Env env = info.Env();
  Napi::Value attributes = info[0];
  if (!attributes.IsUndefined() && !is_context_object(env, attributes))
    throw_type_error(env, "new EvalContext(attributes): attributes must be a plain object such as {targetingKey: 'user-1', plan: 'pro'}");
  hs_context* raw = nullptr;
  check(env, hs_context_new(&raw));
  // A constructor that throws never runs the destructor: the handle is owned here until then.
  std::unique_ptr<hs_context, decltype(&hs_context_free)> context(raw, hs_context_free);
  if (!attributes.IsUndefined()) fill_context(env, attributes, context.get());
  if (napi_type_tag_object(env, info.This(), &kEvalContextTag) != napi_ok) throw Napi::Error::New(env);
  context_ = context.release();
}

EvalContextWrap::~EvalContextWrap() { hs_context_free(context_); }

hs_context* EvalContextWrap::open_context(Napi::Env env) const {
  if (!context_) throw status_error(env, HS_ERR_CLOSED, "this EvalContext was closed");
  return context_;
}

// set(name, value): replaces one attribute ('targetingKey': the targeting key);
// undefined removes it. Returns this, for chaining.
Napi::Value EvalContextWrap::set(const Napi::CallbackInfo& info) {
  set_context_attribute(info.Env(), open_context(info.Env()), info[0], info[1]);
  return info.This();
}

Napi::Value EvalContextWrap::remove(const Napi::CallbackInfo& info) {
  set_context_attribute(info.Env(), open_context(info.Env()), info[0], info.Env().Undefined());
  return info.This();
}

Napi::Value EvalContextWrap::clear(const Napi::CallbackInfo& info) {
  check(info.Env(), hs_context_clear(open_context(info.Env())));
  return info.This();
}

// Frees the native context now; idempotent. Using it afterwards is a ClosedError.
Napi::Value EvalContextWrap::close(const Napi::CallbackInfo& info) {
  hs_context_free(context_);
  context_ = nullptr;
  return info.Env().Undefined();
}

Napi::Value EvalContextWrap::closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), context_ == nullptr);
}

}  // namespace hotstate_node
