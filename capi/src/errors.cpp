// hs_status, hs_last_error and hs_free: the error and memory conventions of hotstate.h.

#include <cstdlib>
#include <cstring>

#include "handles.hpp"
#include "hotstate/version.hpp"

namespace hotstate::capi {
namespace {
thread_local std::string t_last_error;
}

const char* t_last_error_cstr() { return t_last_error.c_str(); }

hs_status fail(hs_status status, const std::string& message) {
  try {
    t_last_error = message;
  } catch (...) {
    // Out of memory while recording the message: the status still says what happened.
  }
  return status;
}

hs_status fail_not_found(std::string_view collection, std::string_view key) {
  try {
    t_last_error.assign("no record ").append(collection).append(1, '/').append(key);
  } catch (...) {
    // Out of memory while recording the message: the status still says what happened.
  }
  return HS_ERR_NOT_FOUND;
}

hs_status fail_null(const char* what) { return fail(HS_ERR_INVALID_ARGUMENT, std::string(what) + " must not be NULL"); }

// hs_status is the core's ErrorCode, number for number: a new kind must be added to both.
#define HS_SAME_AS_CORE(status, kind) \
  static_assert(static_cast<int>(status) == static_cast<int>(ErrorCode::kind), #status " != ErrorCode::" #kind)
HS_SAME_AS_CORE(HS_ERR_INVALID_ARGUMENT, InvalidArgument);
HS_SAME_AS_CORE(HS_ERR_NOT_FOUND, NotFound);
HS_SAME_AS_CORE(HS_ERR_CONDITION_FAILED, ConditionFailed);
HS_SAME_AS_CORE(HS_ERR_TIMEOUT, Timeout);
HS_SAME_AS_CORE(HS_ERR_UNAVAILABLE, Unavailable);
HS_SAME_AS_CORE(HS_ERR_CLOSED, Closed);
HS_SAME_AS_CORE(HS_ERR_REFUSED, Refused);
HS_SAME_AS_CORE(HS_ERR_TYPE_MISMATCH, TypeMismatch);
HS_SAME_AS_CORE(HS_ERR_NO_MEMORY, NoMemory);
HS_SAME_AS_CORE(HS_ERR_INTERNAL, Internal);
HS_SAME_AS_CORE(HS_ERR_PERMISSION_DENIED, PermissionDenied);
HS_SAME_AS_CORE(HS_ERR_IO, Io);
#undef HS_SAME_AS_CORE

hs_status to_status(ErrorCode kind) { return static_cast<hs_status>(kind); }

hs_status fail_from_client_error(const ClientError& error) {
  return fail(to_status(error.kind()), error.code() + ": " + error.what());
}

char* copy_to_c(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));  // released by hs_free
  if (!copy) throw std::bad_alloc();
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

hs_status check_open(const hs_client* client) {
  if (!client) return fail_null("client");
  if (client->closed.load()) return fail(HS_ERR_CLOSED, "the client is closed");
  return HS_OK;
}

}  // namespace hotstate::capi

extern "C" {

const char* hs_version(void) { return hotstate::kVersion; }
int hs_abi_version(void) { return HS_ABI_VERSION; }
const char* hs_last_error(void) { return hotstate::capi::t_last_error_cstr(); }

const char* hs_status_name(hs_status status) {
  switch (hotstate::capi::enum_argument(status)) {
    case HS_OK: return "HS_OK";
    case HS_ERR_INVALID_ARGUMENT: return "HS_ERR_INVALID_ARGUMENT";
    case HS_ERR_NOT_FOUND: return "HS_ERR_NOT_FOUND";
    case HS_ERR_CONDITION_FAILED: return "HS_ERR_CONDITION_FAILED";
    case HS_ERR_TIMEOUT: return "HS_ERR_TIMEOUT";
    case HS_ERR_UNAVAILABLE: return "HS_ERR_UNAVAILABLE";
    case HS_ERR_CLOSED: return "HS_ERR_CLOSED";
    case HS_ERR_REFUSED: return "HS_ERR_REFUSED";
    case HS_ERR_TYPE_MISMATCH: return "HS_ERR_TYPE_MISMATCH";
    case HS_ERR_NO_MEMORY: return "HS_ERR_NO_MEMORY";
    case HS_ERR_INTERNAL: return "HS_ERR_INTERNAL";
    case HS_ERR_PERMISSION_DENIED: return "HS_ERR_PERMISSION_DENIED";
    case HS_ERR_IO: return "HS_ERR_IO";
  }
  return "HS_ERR_UNKNOWN";
}

void hs_free(void* p) { std::free(p); }

}  // extern "C"
