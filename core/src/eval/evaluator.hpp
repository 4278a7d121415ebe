#pragma once
// Runs a compiled rule. Recursion follows the rule's tree, whose depth the compiler
// bounds; arrays are walked in loops, so no input makes the stack grow. Values built on
// the way live in the arena. Throws only EvalLimitError (scratch memory exhausted), which
// callers turn into an error result.

#include <cstdint>

#include "eval/arena.hpp"
#include "eval/program.hpp"
#include "eval/value.hpp"

namespace hotstate::eval {

class RecordSource;

class Evaluator {
 public:
  // `root`: the data at the top level (the context and `$flagd` for a flag).
  Evaluator(const Program& program, const Val& root, const RecordSource* records, Arena& arena)
      : program(program), root(root), records(records), arena(arena) {}

  Val run() { return eval(program.root, root); }
  Val eval(std::uint32_t node, const Val& data);
  // Argument `i` of `node`, or undefined when the rule gave fewer.
  Val arg(const Node& node, std::uint32_t i, const Val& data) {
    return i < node.arg_count ? eval(program.arg(node, i), data) : Val();
  }

  const Program& program;
  const Val root;
  const RecordSource* const records;
  Arena& arena;
  // Set by `fractional`: it chose a bucket (the flag's reason is then SPLIT), or it needed
  // the targeting key to bucket by and the context had none (it then gave null).
  bool split = false;
  bool missing_targeting_key = false;
};

// The operators, by family (each in its own file).
Val op_var(Evaluator& ev, const Node& node, const Val& data);
Val op_missing(Evaluator& ev, const Node& node, const Val& data);
Val op_missing_some(Evaluator& ev, const Node& node, const Val& data);
Val op_iterate(Evaluator& ev, const Node& node, const Val& data);  // map filter all none some
Val op_reduce(Evaluator& ev, const Node& node, const Val& data);
Val op_merge(Evaluator& ev, const Node& node, const Val& data);
Val op_in(Evaluator& ev, const Node& node, const Val& data);
Val op_cat(Evaluator& ev, const Node& node, const Val& data);
Val op_substr(Evaluator& ev, const Node& node, const Val& data);
Val op_arithmetic(Evaluator& ev, const Node& node, const Val& data);  // + - * / % min max
Val op_fractional(Evaluator& ev, const Node& node, const Val& data);
Val op_sem_ver(Evaluator& ev, const Node& node, const Val& data);
Val op_affix(Evaluator& ev, const Node& node, const Val& data);  // starts_with ends_with
Val op_record(Evaluator& ev, const Node& node, const Val& data);

}  // namespace hotstate::eval
