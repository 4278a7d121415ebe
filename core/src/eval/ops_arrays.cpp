// map, filter, reduce, all, none, some, merge and in. The logic given to map/filter/...
// runs with each element as its data (reduce: {current, accumulator}), in a loop.

#include "eval/evaluator.hpp"
#include "eval/js_semantics.hpp"

namespace hotstate::eval {
namespace {

// The element logic (argument 1) applied to `datum`; undefined when there is none.
Val apply_logic(Evaluator& ev, const Node& node, const Val& datum) {
  return node.arg_count >= 2 ? ev.eval(ev.program.arg(node, 1), datum) : Val();
}

}  // namespace

Val op_iterate(Evaluator& ev, const Node& node, const Val& data) {
  Val items = ev.arg(node, 0, data);
  std::uint32_t n = items.array_size();  // 0 for anything that is not an array
  switch (node.op) {
    case Op::Map: {
      Val* out = ev.arena.allocate<Val>(n == 0 ? 1 : n);
      for (std::uint32_t i = 0; i < n; ++i) out[i] = apply_logic(ev, node, items.at(i));
      return Val::array(out, n);
    }
    case Op::Filter: {
      Val* out = ev.arena.allocate<Val>(n == 0 ? 1 : n);
      std::uint32_t kept = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        Val item = items.at(i);
        if (js_truthy(apply_logic(ev, node, item))) out[kept++] = item;
      }
      return Val::array(out, kept);
    }
    case Op::All:
      if (n == 0) return Val::boolean(false);  // json-logic-js: all of nothing is false
      for (std::uint32_t i = 0; i < n; ++i)
        if (!js_truthy(apply_logic(ev, node, items.at(i)))) return Val::boolean(false);
      return Val::boolean(true);
    case Op::Some:
    case Op::None: {
      bool any = false;
      for (std::uint32_t i = 0; i < n && !any; ++i) any = js_truthy(apply_logic(ev, node, items.at(i)));
      return Val::boolean(node.op == Op::Some ? any : !any);
    }
    default: return Val::null();
  }
}

Val op_reduce(Evaluator& ev, const Node& node, const Val& data) {
  Val items = ev.arg(node, 0, data);
  Val accumulator = node.arg_count >= 3 ? ev.arg(node, 2, data) : Val::null();
  if (!items.is(Val::Kind::Array)) return accumulator;
  for (std::uint32_t i = 0; i < items.array_size(); ++i) {
    // A fresh scope object each time: the logic may return it, and the next round must
    // not change what it returned.
    Member* scope = ev.arena.allocate<Member>(2);
    scope[0] = Member{"current", items.at(i)};
    scope[1] = Member{"accumulator", accumulator};
    accumulator = apply_logic(ev, node, Val::object(scope, 2));
  }
  return accumulator;
}

Val op_merge(Evaluator& ev, const Node& node, const Val& data) {
  Val* parts = ev.arena.allocate<Val>(node.arg_count == 0 ? 1 : node.arg_count);
  std::size_t total = 0;
  for (std::uint32_t i = 0; i < node.arg_count; ++i) {
    parts[i] = ev.arg(node, i, data);
    total += parts[i].is(Val::Kind::Array) ? parts[i].array_size() : 1;
  }
  Val* out = ev.arena.allocate<Val>(total == 0 ? 1 : total);
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < node.arg_count; ++i) {
    if (parts[i].is(Val::Kind::Array)) {
      for (std::uint32_t j = 0; j < parts[i].array_size(); ++j) out[n++] = parts[i].at(j);
    } else {
      out[n++] = parts[i];
    }
  }
  return Val::array(out, n);
}

Val op_in(Evaluator& ev, const Node& node, const Val& data) {
  Val needle = ev.arg(node, 0, data), haystack = ev.arg(node, 1, data);
  if (haystack.is(Val::Kind::Array)) {
    for (std::uint32_t i = 0; i < haystack.array_size(); ++i)
      if (js_strict_equal(needle, haystack.at(i))) return Val::boolean(true);
    return Val::boolean(false);
  }
  // A string haystack: substring search ("" is falsy in JavaScript: never found in).
  if (haystack.is(Val::Kind::String) && !haystack.as_string().empty())
    return Val::boolean(haystack.as_string().find(js_to_string(needle, ev.arena)) != std::string_view::npos);
  return Val::boolean(false);
}

}  // namespace hotstate::eval
