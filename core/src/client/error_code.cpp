// The names of hotstate::ErrorCode: the ClientError code of failures a server did not name.

#include "hotstate/error_code.hpp"

namespace hotstate {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid_argument";
    case ErrorCode::NotFound: return "not_found";
    case ErrorCode::ConditionFailed: return "condition_failed";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Unavailable: return "unavailable";
    case ErrorCode::Closed: return "closed";
    case ErrorCode::Refused: return "refused";
    case ErrorCode::TypeMismatch: return "type_mismatch";
    case ErrorCode::NoMemory: return "no_memory";
    case ErrorCode::Internal: return "internal";
    case ErrorCode::PermissionDenied: return "permission_denied";
    case ErrorCode::Io: return "io_error";
  }
  return "internal";
}

}  // namespace hotstate
