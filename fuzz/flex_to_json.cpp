// Stored FlexBuffers bytes -> JSON text: what GET, listings, exports and the client's
// get_json do with a value, and what a client does with a value that arrived from a server
// or a cache file (verify_flex, then read). Properties, on every input:
//  - verify_flex decides; flex_to_json never reads outside the bytes (ASan) and either
//    renders or throws ValueError("invalid_value") (e.g. a blob, NaN);
//  - rendered text is JSON that converts back, even when the bytes hold strings that are
//    not UTF-8 (they render with U+FFFD). Not the same text again: forged maps may hold
//    unsorted or repeated keys, which a conversion sorts and merges.

#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "fuzz_check.hpp"
#include "hotstate/value.hpp"

using hotstate::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  bool valid = hotstate::verify_flex(bytes);
  std::string text;
  try {
    text = hotstate::flex_to_json(bytes);
  } catch (const hotstate::ValueError& e) {
    check(e.code() == "invalid_value", "flex_to_json refused with an unexpected code", e.code());
    return 0;
  }
  check(valid, "flex_to_json rendered bytes that verify_flex refuses");
  // Nesting is bounded by the FlexBuffers verifier, not by the JSON limit of writes.
  hotstate::ValueLimits unlimited{std::numeric_limits<std::size_t>::max(), 1000};
  try {
    hotstate::json_to_flex(text, unlimited);
  } catch (const hotstate::ValueError& e) {
    hotstate::fuzz::property_failed("rendered JSON does not convert back", text + " (" + e.what() + ")");
  }
  return 0;
}
