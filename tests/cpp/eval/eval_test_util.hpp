#pragma once
// Helpers for the engine's unit tests: run a rule given as JSON text.

#include <boost/json.hpp>

#include <string_view>

#include "eval/apply.hpp"

namespace hotstate::testing {

// Deeper than Boost.JSON's default of 32 levels, for the depth-limit tests.
inline boost::json::value json(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 256;
  return boost::json::parse(text, {}, options);
}

// The rule's result as compact JSON ("error: ..." when it did not run).
inline std::string run(std::string_view rule, std::string_view data = "null") {
  auto r = eval::apply_json_logic(json(rule), json(data));
  return r.ok ? boost::json::serialize(r.value) : "error: " + r.error;
}

}  // namespace hotstate::testing
