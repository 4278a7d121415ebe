#pragma once
// Parses JSON text into a Boost.JSON document with exactly rounded doubles.
// Boost.JSON 1.81's own parser rounds some doubles imprecisely (-2.5e-300 comes back as
// -2.5000000000000003e-300) and has no option for precise parsing, so this parser keeps
// Boost's validation and depth limit but converts every double from its text with
// std::from_chars.

#include <boost/json/error.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

namespace hotstate {

// Parses exactly one JSON document. On failure `ec` is set (boost::json::error::too_deep
// for nesting beyond `max_depth`, exponent_overflow for a number beyond double's range).
boost::json::value parse_json_exact(std::string_view text, std::size_t max_depth,
                                    boost::json::error_code& ec);

}  // namespace hotstate
