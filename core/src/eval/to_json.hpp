#pragma once
// Val -> Boost.JSON, for folded constants and for tests that compare results. Numbers
// that are integers in int64 range become int64 (JavaScript has one number type; JSON
// readers expect 2, not 2.0); NaN and infinities stay doubles (JSON.stringify prints null).

#include <boost/json/value.hpp>

#include "eval/value.hpp"

namespace hotstate::eval {

boost::json::value to_json(const Val& value);

}  // namespace hotstate::eval
