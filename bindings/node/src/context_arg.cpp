#include "context_arg.hpp"

#include "context_from_js.hpp"
#include "errors.hpp"
#include "eval_context_wrap.hpp"

namespace hotstate_node {

ContextArg::ContextArg(Napi::Env env, napi_value value, ScratchContext& scratch) {
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, value, &type) != napi_ok) throw Napi::Error::New(env);
  if (type == napi_undefined || type == napi_null) return;
  if (type == napi_object) {
    if (const hs_context* prebuilt = EvalContextWrap::unwrap(env, value)) {
      context_ = prebuilt;
      return;
    }
    bool flat = false;
    if (napi_is_array(env, value, &flat) != napi_ok) throw Napi::Error::New(env);
    auto fill = [&](hs_context* into) {
      if (flat) fill_context_flat(env, value, into);
      else fill_context(env, value, into);
    };
    if (scratch.busy_) {
      check(env, hs_context_new(&own_));
      try {
        fill(own_);
      } catch (...) {
        hs_context_free(own_);
        own_ = nullptr;
        throw;
      }
      context_ = own_;
      return;
    }
    if (!scratch.context_) check(env, hs_context_new(&scratch.context_));
    scratch.busy_ = true;
    try {
      fill(scratch.context_);
    } catch (...) {
      scratch.busy_ = false;
      throw;
    }
    held_ = &scratch;
    context_ = scratch.context_;
    return;
  }
  throw_type_error(env, "an evaluation context must be a plain object of attributes (such as {targetingKey: 'user-1'}) or an EvalContext");
}

ContextArg::~ContextArg() {
  if (held_) held_->busy_ = false;
  hs_context_free(own_);
}

}  // namespace hotstate_node
