#include "eval/evaluator.hpp"

#include "eval/js_semantics.hpp"

namespace hotstate::eval {
namespace {

// if / ?: -- condition, value pairs, then an optional else.
Val op_if(Evaluator& ev, const Node& node, const Val& data) {
  std::uint32_t i = 0;
  for (; i + 1 < node.arg_count; i += 2)
    if (js_truthy(ev.arg(node, i, data))) return ev.arg(node, i + 1, data);
  if (i < node.arg_count) return ev.arg(node, i, data);
  return Val::null();
}

// and: the first falsy argument, else the last; or: the first truthy, else the last.
Val op_and_or(Evaluator& ev, const Node& node, const Val& data, bool is_and) {
  Val current;
  for (std::uint32_t i = 0; i < node.arg_count; ++i) {
    current = ev.arg(node, i, data);
    if (js_truthy(current) != is_and) return current;
  }
  return current;
}

// < and <= take a third argument: between (a < b < c).
Val op_compare(Evaluator& ev, const Node& node, const Val& data) {
  Val a = ev.arg(node, 0, data), b = ev.arg(node, 1, data);
  switch (node.op) {
    case Op::Greater: return Val::boolean(js_less(b, a, false, ev.arena));
    case Op::GreaterOrEqual: return Val::boolean(js_less(b, a, true, ev.arena));
    default: break;
  }
  bool or_equal = node.op == Op::LessOrEqual;
  if (node.arg_count >= 3) {
    Val c = ev.arg(node, 2, data);
    return Val::boolean(js_less(a, b, or_equal, ev.arena) && js_less(b, c, or_equal, ev.arena));
  }
  return Val::boolean(js_less(a, b, or_equal, ev.arena));
}

}  // namespace

Val Evaluator::eval(std::uint32_t index, const Val& data) {
  const Node& node = program.nodes[index];
  switch (node.op) {
    case Op::Const: return node.constant;
    case Op::ArrayLit: {
      Val* items = arena.allocate<Val>(node.arg_count);
      for (std::uint32_t i = 0; i < node.arg_count; ++i) items[i] = arg(node, i, data);
      return Val::array(items, node.arg_count);
    }
    case Op::Var: return op_var(*this, node, data);
    case Op::Missing: return op_missing(*this, node, data);
    case Op::MissingSome: return op_missing_some(*this, node, data);
    case Op::If: return op_if(*this, node, data);
    case Op::And: return op_and_or(*this, node, data, true);
    case Op::Or: return op_and_or(*this, node, data, false);
    case Op::Not: return Val::boolean(!js_truthy(arg(node, 0, data)));
    case Op::NotNot: return Val::boolean(js_truthy(arg(node, 0, data)));
    case Op::Equal: return Val::boolean(js_loose_equal(arg(node, 0, data), arg(node, 1, data), arena));
    case Op::NotEqual: return Val::boolean(!js_loose_equal(arg(node, 0, data), arg(node, 1, data), arena));
    case Op::StrictEqual: return Val::boolean(js_strict_equal(arg(node, 0, data), arg(node, 1, data)));
    case Op::StrictNotEqual: return Val::boolean(!js_strict_equal(arg(node, 0, data), arg(node, 1, data)));
    case Op::Less:
    case Op::LessOrEqual:
    case Op::Greater:
    case Op::GreaterOrEqual: return op_compare(*this, node, data);
    case Op::Max:
    case Op::Min:
    case Op::Add:
    case Op::Subtract:
    case Op::Multiply:
    case Op::Divide:
    case Op::Modulo: return op_arithmetic(*this, node, data);
    case Op::Merge: return op_merge(*this, node, data);
    case Op::In: return op_in(*this, node, data);
    case Op::Cat: return op_cat(*this, node, data);
    case Op::Substr: return op_substr(*this, node, data);
    case Op::Log: return arg(node, 0, data);
    case Op::Map:
    case Op::Filter:
    case Op::All:
    case Op::None:
    case Op::Some: return op_iterate(*this, node, data);
    case Op::Reduce: return op_reduce(*this, node, data);
    case Op::Fractional: return op_fractional(*this, node, data);
    case Op::SemVer: return op_sem_ver(*this, node, data);
    case Op::StartsWith:
    case Op::EndsWith: return op_affix(*this, node, data);
    case Op::Record: return op_record(*this, node, data);
  }
  return Val::null();
}

}  // namespace hotstate::eval
