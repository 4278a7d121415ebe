// The hs_context of a JS EvalContext (lib/eval_context.js), held as a Node-API External:
// an evaluation reads it with one call, where a wrapped object costs two property lookups
// (its type tag and its wrap). The External is type-tagged, so one of another origin is
// refused; the hs_context is freed by contextClose() or when the External is collected.
//
//   contextNew(...context)        -> handle  (context: none, an object, or its flat form)
//   contextSet(handle, name, value)           (undefined removes the attribute)
//   contextClear(handle)
//   contextClose(handle)                      (idempotent; using it afterwards: ClosedError)
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

void define_context_functions(Napi::Env env, Napi::Object exports);

// The hs_context behind `value` when it is a handle made by contextNew (ClosedError once
// it is closed); null for any other value.
const hs_context* context_of_handle(Napi::Env env, napi_value value);

}  // namespace hotstate_node
