// hs_status -> JS errors. A failed hs_* call becomes an instance of the JS layer's class
// for that status (NotFoundError, ...) with `code` = hs_status_name and the library's own
// message, read from hs_last_error() on the thread that made the call.
#pragma once

#include <hotstate.h>
#include <napi.h>

#include <string>

namespace hotstate_node {

// The error object for `status` with `message` (for calls made on another thread, which
// captured hs_last_error() there).
Napi::Error status_error(Napi::Env env, hs_status status, const std::string& message);

// Throws the error of a call just made on this thread: its message is hs_last_error().
[[noreturn]] void throw_status(Napi::Env env, hs_status status);

inline void check(Napi::Env env, hs_status status) {
  if (status != HS_OK) throw_status(env, status);
}

// An argument the caller got wrong (missing, wrong type): a TypeError, never a crash.
[[noreturn]] void throw_type_error(Napi::Env env, const std::string& message);
// A well-typed argument with a value hotstate refuses (HS_ERR_INVALID_ARGUMENT).
[[noreturn]] void throw_invalid_argument(Napi::Env env, const std::string& message);

// setErrorClasses({HS_ERR_NOT_FOUND: NotFoundError, ...}): called once by lib/errors.js.
Napi::Value set_error_classes(const Napi::CallbackInfo& info);

}  // namespace hotstate_node
