#pragma once
// Conversion from an already parsed Boost.JSON document (used for values inside a
// transaction body, which is parsed once as a whole).

#include <boost/json/value.hpp>
#include <cstdint>
#include <vector>

#include "hotstate/value.hpp"

namespace hotstate {

// Encodes `dom` as FlexBuffers. The caller has checked depth and JSON text size;
// this refuses an encoding the stream could not carry. Throws ValueError.
std::vector<std::uint8_t> dom_to_flex(const boost::json::value& dom);

}  // namespace hotstate
