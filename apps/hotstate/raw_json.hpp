#pragma once
// Picks pieces out of JSON text without re-serializing them, so what the CLI prints
// is exactly what the server rendered (Boost.JSON would turn 1.5 into 1.5E0).

#include <stdexcept>
#include <string_view>
#include <vector>

namespace hotstate::cli {

// Returns the text of each element of the array held by top-level member `member` of
// the JSON object `document`, exactly as written and without surrounding whitespace.
// `document` must already have been validated as JSON (the caller parses it first);
// throws std::invalid_argument when it is not an object or lacks such an array.
std::vector<std::string_view> raw_array_member(std::string_view document, std::string_view member);

}  // namespace hotstate::cli
