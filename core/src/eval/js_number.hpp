#pragma once
// ECMAScript's number <-> string conversions, which json-logic-js inherits: `cat` prints
// numbers with Number::toString (1e21, 0.000001, 1e-7), `+` and `*` read strings with
// parseFloat (a numeric prefix: "12px" is 12), every other operator with ToNumber (the
// whole string: "12px" is NaN, "" is 0, "0x1A" is 26).

#include <cstddef>
#include <string_view>

namespace hotstate::eval {

// Longest Number::toString output ("-1.2345678901234567e-308" is 24 characters).
inline constexpr std::size_t kMaxJsNumberChars = 32;

// Writes Number::toString(value) to `out` (kMaxJsNumberChars at least); returns its length.
std::size_t js_number_to_chars(double value, char* out);

// JavaScript's parseFloat on a string (NaN when it has no numeric prefix).
double js_parse_float(std::string_view text);

// JavaScript's ToNumber on a string (StringToNumber).
double js_string_to_number(std::string_view text);

}  // namespace hotstate::eval
