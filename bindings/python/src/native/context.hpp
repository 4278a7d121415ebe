#pragma once
// Evaluation contexts in C++: hotstate.EvalContext (one hs_context, built once and reused)
// and the per-call conversion of a dict into the calling thread's scratch hs_context.
// Nothing here builds a Python object.

#include <pybind11/pybind11.h>

#include "hotstate.h"

namespace hotstate_py {

class EvalContext {
 public:
  EvalContext();
  EvalContext(const EvalContext&) = delete;
  EvalContext& operator=(const EvalContext&) = delete;
  ~EvalContext() { hs_context_free(context_); }

  hs_context* handle() const noexcept { return context_; }

 private:
  hs_context* context_ = nullptr;
};

// The hs_context for an evaluation's `context` argument: NULL for None, an EvalContext's
// own, or, for a dict (or any Mapping) of attributes, this thread's scratch context filled
// from it (valid until the thread converts the next one). InvalidArgumentError for a bad
// context, naming where in it the problem sits.
const hs_context* context_arg(pybind11::handle context);

// Replaces `context`'s attributes with those of `attributes` (a dict or another Mapping):
// "targetingKey" is the targeting key (a str; None: none), other values are str, int (64
// bits), float (finite), bool, None, or dicts and lists/tuples of them.
void fill_context(hs_context* context, pybind11::handle attributes);

// Adds hotstate._native.EvalContext.
void register_context(pybind11::module_& m);

}  // namespace hotstate_py
