// + - * / % min max. `+` and `*` read their arguments with parseFloat, the others with
// ToNumber, as json-logic-js does.

#include <cmath>
#include <limits>

#include "eval/evaluator.hpp"
#include "eval/js_semantics.hpp"

namespace hotstate::eval {

Val op_arithmetic(Evaluator& ev, const Node& node, const Val& data) {
  auto number = [&](std::uint32_t i) { return js_to_number(ev.arg(node, i, data), ev.arena); };
  switch (node.op) {
    case Op::Add: {
      double sum = 0;
      for (std::uint32_t i = 0; i < node.arg_count; ++i) sum += js_parse_float(ev.arg(node, i, data), ev.arena);
      return Val::number(sum);
    }
    case Op::Multiply: {
      // Array.reduce with no initial value: one argument comes back as it is.
      if (node.arg_count == 1) return ev.arg(node, 0, data);
      double product = js_parse_float(ev.arg(node, 0, data), ev.arena);
      for (std::uint32_t i = 1; i < node.arg_count; ++i) product *= js_parse_float(ev.arg(node, i, data), ev.arena);
      return Val::number(product);
    }
    case Op::Subtract:
      if (node.arg_count < 2) return Val::number(-number(0));
      return Val::number(number(0) - number(1));
    case Op::Divide: return Val::number(number(0) / number(1));
    case Op::Modulo: return Val::number(std::fmod(number(0), number(1)));
    case Op::Max:
    case Op::Min: {
      bool max = node.op == Op::Max;
      double best = max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      for (std::uint32_t i = 0; i < node.arg_count; ++i) {
        double x = number(i);
        if (std::isnan(x)) return Val::number(x);
        best = max ? std::max(best, x) : std::min(best, x);
      }
      return Val::number(best);
    }
    default: return Val::null();
  }
}

}  // namespace hotstate::eval
