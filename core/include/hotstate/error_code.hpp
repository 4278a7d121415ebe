#pragma once
// The kinds of failure hotstate reports. Every ClientError carries one, and the C ABI's
// hs_status is this enum number for number (capi/src/errors.cpp checks it at compile
// time), so no layer above the core classifies errors by their text. Stable numbers:
// never reused or renumbered; a new kind gets the next number here and in hotstate.h.

namespace hotstate {

enum class ErrorCode : int {
  InvalidArgument = 1,  // malformed name/key/option/JSON, or a value over the server's limits
  NotFound = 2,         // no such record
  ConditionFailed = 3,  // if_revision did not match
  Timeout = 4,          // a wait ran out
  Unavailable = 5,      // no server could be reached
  Closed = 6,           // the client was closed
  Refused = 7,          // the server refused a write for another reason
  TypeMismatch = 8,     // a typed read found a value of another type
  NoMemory = 9,
  Internal = 10,
  PermissionDenied = 11,  // the server refused the API token or its scope
  Io = 12,                // a local file (the offline cache) could not be changed
};

// "invalid_argument", "not_found", ..., "io_error": the ClientError code of a failure that
// did not come from a server's answer.
const char* to_string(ErrorCode code);

}  // namespace hotstate
