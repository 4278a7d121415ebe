#pragma once
// The CLI's exit statuses. Scripts branch on these, so the numbers never change.

namespace hotstate::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,            // any other server error, or a response the CLI cannot use
  kExitUsage = 2,            // bad arguments, unknown command, unreadable input file
  kExitNotFound = 3,         // HTTP 404 with code "not_found"
  kExitConditionFailed = 4,  // HTTP 412
  kExitNetwork = 5,          // cannot resolve or connect, connection broken, or timed out
  kExitPermission = 6,       // HTTP 401/403: API token missing, invalid or not allowed
};

}  // namespace hotstate::cli
