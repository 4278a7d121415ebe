// EvalContext: an hs_context built once and reused across evaluations (the hot-path form
// of a context; a plain object is converted on every call instead). The native handle is
// freed by close() or, failing that, when the object is collected.
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

class EvalContextWrap : public Napi::ObjectWrap<EvalContextWrap> {
 public:
  static Napi::Function define(Napi::Env env);

  // The hs_context of `value` when it is an EvalContext (ClosedError once it is closed);
  // null for any other value. `value` must be an object.
  static const hs_context* unwrap(Napi::Env env, napi_value value);

  // new EvalContext(attributes?)
  explicit EvalContextWrap(const Napi::CallbackInfo& info);
  ~EvalContextWrap() override;

 private:
  Napi::Value set(const Napi::CallbackInfo& info);
  Napi::Value remove(const Napi::CallbackInfo& info);
  Napi::Value clear(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  Napi::Value closed(const Napi::CallbackInfo& info);
  hs_context* open_context(Napi::Env env) const;

  hs_context* context_ = nullptr;
};

}  // namespace hotstate_node
