// The context argument of an evaluation as an hs_context:
//   undefined or null -> none (an empty context)
//   an EvalContext    -> its own hs_context, as is (lib/ passes its handle,
//                        eval_context_handle.hpp)
//   a plain object    -> converted (context_from_js) into the client's scratch context,
//                        reused from call to call so a conversion allocates no handle
// The context is the call's arguments from `first` on: one value as above, or the flat
// form lib/ makes of a plain object on the hot path, object, name0, value0, name1, ...
// (JS spreads it into the call, so the addon reads no array).
// Anything else is a TypeError. A getter of the object may itself evaluate (re-entering
// while the scratch is being filled): that inner call converts into a context of its own.
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

class ScratchContext {
 public:
  ScratchContext() = default;
  ScratchContext(const ScratchContext&) = delete;
  ScratchContext& operator=(const ScratchContext&) = delete;
  ~ScratchContext() { hs_context_free(context_); }

 private:
  friend class ContextArg;
  hs_context* context_ = nullptr;
  bool busy_ = false;
};

class ContextArg {
 public:
  ContextArg(const Napi::CallbackInfo& info, std::size_t first, ScratchContext& scratch);
  ContextArg(const ContextArg&) = delete;
  ContextArg& operator=(const ContextArg&) = delete;
  ~ContextArg();

  const hs_context* get() const { return context_; }

 private:
  const hs_context* context_ = nullptr;
  ScratchContext* held_ = nullptr;  // the scratch, given back at destruction
  hs_context* own_ = nullptr;       // a context of its own when the scratch was busy
};

}  // namespace hotstate_node
