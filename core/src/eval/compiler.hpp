#pragma once
// JsonLogic (json-logic-js's operators plus flagd's and hotstate's `record`) -> Program.
// Everything that can be decided from the rule alone is decided here: an unknown
// operator, `method` (it calls host methods; flagd has none either), `*` with no
// arguments (a TypeError in json-logic-js), nesting deeper than kMaxRuleDepth or a rule
// of more than kMaxRuleNodes nodes are compile errors that say what and where.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "eval/program.hpp"

namespace hotstate::eval {

inline constexpr std::size_t kMaxRuleDepth = 64;
inline constexpr std::size_t kMaxRuleNodes = 10000;

// `rule` has no `$ref` left (see substitute_refs). Null on error, with `error` set.
std::unique_ptr<Program> compile_rule(const boost::json::value& rule, std::string_view flag_key, std::string& error);

}  // namespace hotstate::eval
