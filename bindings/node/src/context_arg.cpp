#include "context_arg.hpp"

#include <iterator>
#include <vector>

#include "context_from_js.hpp"
#include "errors.hpp"
#include "eval_context_handle.hpp"

namespace hotstate_node {
namespace {

const char* const kNotAContext =
    "an evaluation context must be a plain object of attributes (such as {targetingKey: 'user-1'}) or an EvalContext";

}  // namespace

ContextArg::ContextArg(const Napi::CallbackInfo& info, std::size_t first, ScratchContext& scratch) {
  Napi::Env env = info.Env();
  const std::size_t count = info.Length() > first ? info.Length() - first : 0;
  napi_value value = info[first];
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, value, &type) != napi_ok) throw Napi::Error::New(env);
  if (count <= 1) {
    if (type == napi_undefined || type == napi_null) return;
    if (type == napi_external) {
      context_ = context_of_handle(env, value);
      if (!context_) throw_type_error(env, kNotAContext);
      return;
    }
    if (!is_context_object(env, value)) throw_type_error(env, kNotAContext);
  } else if (type != napi_object) {
    throw_type_error(env, kNotAContext);
  }
  // A plain object, or its flat form: into the scratch context (or, re-entered from a
  // getter while the scratch is being filled, into one of its own).
  napi_value inline_items[33];
  std::vector<napi_value> heap_items;
  napi_value* items = inline_items;
  if (count > std::size(inline_items)) {
    heap_items.resize(count);
    items = heap_items.data();
  }
  if (count > 1)
    for (std::size_t i = 0; i < count; ++i) items[i] = info[first + i];
  auto fill = [&](hs_context* into) {
    if (count > 1) fill_context_flat(env, items, count, into);
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
}

ContextArg::~ContextArg() {
  if (held_) held_->busy_ = false;
  hs_context_free(own_);
}

}  // namespace hotstate_node
