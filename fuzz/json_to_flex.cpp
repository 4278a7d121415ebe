// JSON text -> FlexBuffers, as the write path converts a PUT body or a transaction's value
// (hotstate/value.hpp). Properties, on every input:
//  - the conversion either returns a value or throws ValueError with a known code;
//  - an accepted value is a valid FlexBuffer that renders as JSON (reads never fail on
//    what writes accepted), and converting that JSON again gives the same bytes and the
//    same text (a value has one encoding, whatever its spelling);
//  - limits judge the value, not its spelling: under tight limits the re-rendered text is
//    accepted or refused exactly as the original, with the same code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "hotstate/value.hpp"

namespace {

using hotstate::ValueError;
using hotstate::ValueLimits;
using hotstate::fuzz::check;

struct Outcome {
  std::optional<std::vector<std::uint8_t>> flex;
  std::string code;  // when refused
};

Outcome convert(std::string_view json, const ValueLimits& limits) {
  try {
    return {hotstate::json_to_flex(json, limits), {}};
  } catch (const ValueError& e) {
    check(e.code() == "invalid_json" || e.code() == "too_deep" || e.code() == "value_too_large" ||
              e.code() == "invalid_value",
          "json_to_flex refused with an undocumented code", e.code());
    return {std::nullopt, e.code()};
  }
}

// Limits that the input's own size and first byte choose, so tight limits are explored
// too (the defaults are far above what a fuzz input can reach).
ValueLimits tight_limits(std::string_view json) {
  std::size_t seed = json.empty() ? 0 : static_cast<unsigned char>(json.front());
  return ValueLimits{json.size() / 2 + seed % 7, 1 + seed % 5};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  Outcome first = convert(json, {});
  if (first.flex) {
    const auto& flex = *first.flex;
    check(hotstate::verify_flex(flex), "an accepted value is not a valid FlexBuffer", json);
    std::string text = hotstate::flex_to_json(flex);  // must not throw
    Outcome again = convert(text, {});
    check(again.flex.has_value(), "the JSON rendered from an accepted value is refused", text);
    check(*again.flex == flex, "the rendered JSON converts to other bytes", text);
    check(hotstate::flex_to_json(*again.flex) == text, "rendering is not stable", text);

    ValueLimits tight = tight_limits(json);
    Outcome original = convert(json, tight);
    Outcome rendered = convert(text, tight);
    check(original.flex.has_value() == rendered.flex.has_value() && original.code == rendered.code,
          "a limit judged the spelling, not the value",
          "input code '" + original.code + "', rendered code '" + rendered.code + "', rendered " + text);
  }
  return 0;
}
