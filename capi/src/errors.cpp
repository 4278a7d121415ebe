// hs_status, hs_last_error and hs_free: the error and memory conventions of hotstate.h.

#include <cstdlib>
#include <cstring>
#include <map>

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

hs_status fail_from_client_error(const ClientError& error) {
  static const std::map<std::string, hs_status> kByCode{
      {"invalid_argument", HS_ERR_INVALID_ARGUMENT}, {"invalid_json", HS_ERR_INVALID_ARGUMENT},
      {"too_deep", HS_ERR_INVALID_ARGUMENT},         {"invalid_key", HS_ERR_INVALID_ARGUMENT},
      {"invalid_collection", HS_ERR_INVALID_ARGUMENT}, {"invalid_request", HS_ERR_INVALID_ARGUMENT},
      {"duplicate_key", HS_ERR_INVALID_ARGUMENT},    {"value_too_large", HS_ERR_INVALID_ARGUMENT},
      {"invalid_value", HS_ERR_INVALID_ARGUMENT},    {"body_too_large", HS_ERR_INVALID_ARGUMENT},
      {"not_found", HS_ERR_NOT_FOUND},
      {"condition_failed", HS_ERR_CONDITION_FAILED}, {"unavailable", HS_ERR_UNAVAILABLE},
      {"unauthorized", HS_ERR_PERMISSION_DENIED},    {"forbidden", HS_ERR_PERMISSION_DENIED},
      {"closed", HS_ERR_CLOSED},                     {"timeout", HS_ERR_TIMEOUT},
      {"io_error", HS_ERR_IO},
  };
  auto it = kByCode.find(error.code());
  return fail(it == kByCode.end() ? HS_ERR_REFUSED : it->second, error.code() + ": " + error.what());
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
  switch (status) {
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
