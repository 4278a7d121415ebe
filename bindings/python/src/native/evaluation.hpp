#pragma once
// A flag evaluation's outcome in Python: the value in the form the caller asked for (or
// the caller's default), and hotstate.Evaluation with the details.

#include <pybind11/pybind11.h>

#include <string>

#include "hotstate.h"

namespace hotstate_py {

// The value `result` holds, as `expect` asks for it (HS_EXPECT_ANY and _OBJECT: from the
// FlexBuffers form), or `fallback` when the evaluation gave no value.
pybind11::object result_value(const hs_flag_result& result, hs_flag_expect expect, pybind11::handle fallback);

// hotstate.Evaluation: everything copied out of `result`, which may be reused afterwards.
pybind11::object make_evaluation(const hs_flag_result& result, hs_flag_expect expect, pybind11::handle fallback);

// The calling thread's reusable hs_flag_result for one evaluation. Should converting a
// result run Python code that evaluates again on this thread (a finalizer during an
// allocation), the inner evaluation gets a result of its own.
class ResultLease {
 public:
  ResultLease() noexcept;
  ResultLease(const ResultLease&) = delete;
  ResultLease& operator=(const ResultLease&) = delete;
  ~ResultLease();
  hs_flag_result* get() noexcept { return result_; }

 private:
  hs_flag_result own_ = HS_FLAG_RESULT_INIT;
  hs_flag_result* result_;
};

// Adds hotstate._native.Evaluation.
void register_evaluation(pybind11::module_& m);

}  // namespace hotstate_py
