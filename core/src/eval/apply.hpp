#pragma once
// JsonLogic on its own, outside a flag: compile `rule` and run it on `data` (any JSON
// value; `var` reads from it; there is no `$flagd`). For conformance suites, tools and a
// server that validates rules. Slower than a CompiledFlag (it compiles every time).

#include <boost/json/value.hpp>
#include <string>

namespace hotstate::eval {

class RecordSource;

struct ApplyResult {
  bool ok = false;
  boost::json::value value;  // the result (NaN and infinities stay doubles)
  std::string error;         // a compile error or an evaluation limit, when !ok
};

ApplyResult apply_json_logic(const boost::json::value& rule, const boost::json::value& data,
                             const RecordSource* records = nullptr);

}  // namespace hotstate::eval
