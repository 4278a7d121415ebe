#include "eval/apply.hpp"

#include "eval/compiler.hpp"
#include "eval/evaluator.hpp"
#include "eval/to_json.hpp"

namespace hotstate::eval {

ApplyResult apply_json_logic(const boost::json::value& rule, const boost::json::value& data,
                             const RecordSource* records) {
  ApplyResult result;
  auto program = compile_rule(rule, "", result.error);
  if (!program) return result;
  try {
    ScratchScope scratch;
    Evaluator evaluator(*program, Val::json(data), records, scratch.arena());
    result.value = to_json(evaluator.run());
    result.ok = true;
  } catch (const EvalLimitError& e) {
    result.error = e.message;
  }
  return result;
}

}  // namespace hotstate::eval
