#pragma once
// Flags checked on the server (docs/flags.md): writes to a declared flag collection
// (hotstated --flag-collection) must leave every flag compiling, and any flagd document
// can be checked without writing it (POST /v1/flags/validate).

#include <string>
#include <vector>

#include "http_api.hpp"
#include "store/store.hpp"

namespace hotstate::server {

// Throws ApiError 400 "invalid_flag" (with a "problems" list of {key, message}) when the
// write would leave a flag of a flag collection that does not compile, or a `$evaluators`
// or `$metadata` record of the wrong shape. Checks against the latest state (staged
// writes included) with the write's own operations applied.
void check_flag_writes(const Store& store, const std::vector<std::string>& flag_collections,
                       const WriteRequest& write);

// POST /v1/flags/validate: the body is a flagd document ({"flags": {...}, "$evaluators":
// {...}, "metadata": {...}}); answers 200 {"valid", "flags", "problems": [{key, message}]}.
Response handle_flags_validate(Server& server, const Request& request);

}  // namespace hotstate::server
