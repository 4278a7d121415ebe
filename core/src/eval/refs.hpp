#pragma once
// `{"$ref": "name"}` -> the flag set's `$evaluators.name`, substituted before a rule is
// compiled (an evaluator may refer to others; a cycle or a missing name is an error).

#include <boost/json/value.hpp>
#include <string>

namespace hotstate::eval {

// Replaces every $ref in `rule` in place; false with `error` set when one cannot be.
bool substitute_refs(boost::json::value& rule, const boost::json::object& evaluators, std::string& error);

}  // namespace hotstate::eval
