#pragma once
// Conversion from an already parsed Boost.JSON document (used for values inside a
// transaction body, which is parsed once as a whole).

#include <boost/json/value.hpp>
#include <cstdint>
#include <vector>

#include "hotstate/value.hpp"

namespace hotstate {

// Encodes `dom` as FlexBuffers. The caller has checked the depth. Throws ValueError
// (value_too_large) when the value's compact JSON text is over limits.max_bytes, or its
// encoding would not fit a stream frame.
std::vector<std::uint8_t> dom_to_flex(const boost::json::value& dom, const ValueLimits& limits);

}  // namespace hotstate
