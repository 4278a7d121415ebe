#pragma once
// hs_status -> the hotstate.*Error exception classes defined in hotstate/_errors.py.

#include <pybind11/pybind11.h>

#include <string>

#include "hotstate.h"

namespace hotstate_py {

// Raises the exception for `status` with hs_last_error()'s message. Call it on the thread
// that made the failing call, before it calls into the library again.
[[noreturn]] void raise_status(hs_status status);

inline void check(hs_status status) {
  if (status != HS_OK) raise_status(status);
}

// Raises the exception for `status` with a message of the caller's.
[[noreturn]] void raise_error(hs_status status, const std::string& message);

// Raises hotstate.InvalidArgumentError with `message`.
[[noreturn]] void raise_invalid(const char* message);

}  // namespace hotstate_py
