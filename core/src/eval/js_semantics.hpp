#pragma once
// json-logic-js's operators are JavaScript operators; these are the language's rules they
// rely on, over Val: truthiness (with JsonLogic's one change: an empty array is false),
// ToNumber, String(), parseFloat, == (abstract equality), === and < (abstract relational
// comparison). Strings are compared by UTF-8 bytes, which orders them as JavaScript's
// UTF-16 comparison does except around supplementary-plane characters.

#include <string_view>

#include "eval/arena.hpp"
#include "eval/value.hpp"

namespace hotstate::eval {

bool js_truthy(const Val& v);
double js_to_number(const Val& v, Arena& arena);
double js_parse_float(const Val& v, Arena& arena);
// String(v) (null is "null"); the text lives in `arena` unless `v` already was a string.
std::string_view js_to_string(const Val& v, Arena& arena);
// Array.prototype.join's view of an element: null and undefined are "".
std::string_view js_join_element(const Val& v, Arena& arena);
bool js_loose_equal(const Val& a, const Val& b, Arena& arena);
bool js_strict_equal(const Val& a, const Val& b);
// a < b; `or_equal` gives a <= b (both false when either side is NaN).
bool js_less(const Val& a, const Val& b, bool or_equal, Arena& arena);

}  // namespace hotstate::eval
