// JSON <-> FlexBuffers: every JSON type survives the round trip, and bad input is refused.

#include <gtest/gtest.h>

#include <string>

#include "hotstate/names.hpp"
#include "hotstate/value.hpp"

using namespace hotstate;

namespace {

std::string round_trip(std::string_view json) { return flex_to_json(json_to_flex(json)); }

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string out;
  for (std::size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += "1";
  out += std::string(depth, '}');
  return out;
}

std::string code_of(std::string_view json, ValueLimits limits = {}) {
  try {
    json_to_flex(json, limits);
  } catch (const ValueError& e) {
    return e.code();
  }
  return "accepted";
}

}  // namespace

TEST(Value, ScalarsRoundTrip) {
  EXPECT_EQ(round_trip("null"), "null");
  EXPECT_EQ(round_trip("true"), "true");
  EXPECT_EQ(round_trip("false"), "false");
  EXPECT_EQ(round_trip("0"), "0");
  EXPECT_EQ(round_trip("-17"), "-17");
  EXPECT_EQ(round_trip("\"\""), "\"\"");
  EXPECT_EQ(round_trip("\"hello\""), "\"hello\"");
}

TEST(Value, SixtyFourBitIntegersKeepEveryBit) {
  EXPECT_EQ(round_trip("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(round_trip("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(round_trip("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(round_trip("9007199254740993"), "9007199254740993");  // not a double
}

TEST(Value, DoublesRoundTripExactlyAndStayDoubles) {
  EXPECT_EQ(round_trip("0.1"), "0.1");
  EXPECT_EQ(round_trip("1.0"), "1.0");
  EXPECT_EQ(round_trip("-0.0"), "-0.0");
  EXPECT_EQ(round_trip("3.141592653589793"), "3.141592653589793");
  EXPECT_EQ(round_trip("1e300"), "1e+300");
  EXPECT_EQ(round_trip("5e-324"), "5e-324");
  EXPECT_EQ(round_trip("1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(round_trip("[2.5,3]"), "[2.5,3]");
  // Boost.JSON 1.81's own parser rounds these wrongly; ours must not.
  EXPECT_EQ(round_trip("-2.5e-300"), "-2.5e-300");
  EXPECT_EQ(round_trip("[1.5,0.1,-2.5e-300,9007199254740993]"), "[1.5,0.1,-2.5e-300,9007199254740993]");
  EXPECT_EQ(round_trip("2.2250738585072014e-308"), "2.2250738585072014e-308");
  EXPECT_EQ(round_trip("0.30000000000000004"), "0.30000000000000004");
  EXPECT_EQ(round_trip("123456789012345678901234567890"), "1.2345678901234568e+29");
}

TEST(Value, NumbersOutsideDoubleRange) {
  EXPECT_EQ(code_of("1e400"), "invalid_json");
  EXPECT_EQ(code_of("[-1e400]"), "invalid_json");
  EXPECT_EQ(round_trip("1e-400"), "0.0");
  EXPECT_EQ(round_trip("-1e-400"), "-0.0");
}

TEST(Value, StringsKeepUnicodeAndEscapes) {
  EXPECT_EQ(round_trip(R"("caf\u00e9 \ud83d\ude00")"), "\"café 😀\"");
  EXPECT_EQ(round_trip(R"("q\"b\\s\/n\nt\tc\u0001")"), R"("q\"b\\s/n\nt\tc\u0001")");
  EXPECT_EQ(round_trip(R"("nul\u0000inside")"), R"("nul\u0000inside")");
}

TEST(Value, ContainersRoundTrip) {
  EXPECT_EQ(round_trip("[]"), "[]");
  EXPECT_EQ(round_trip("{}"), "{}");
  EXPECT_EQ(round_trip(R"([1,"a",null,true,[],{"x":[1,2]}])"), R"([1,"a",null,true,[],{"x":[1,2]}])");
  // FlexBuffers maps are sorted by key: the order of members is not kept.
  EXPECT_EQ(round_trip(R"({"b":1,"a":{"d":[false],"c":"x"}})"), R"({"a":{"c":"x","d":[false]},"b":1})");
  EXPECT_EQ(round_trip(R"({"é":1,"a b":2})"), R"({"a b":2,"é":1})");
}

// Found by fuzz/json_to_flex.cpp (fuzz/regressions/json_to_flex/member-order.json): the
// same object with its members in another order encoded to other bytes, and clients
// compare values by their bytes to decide whether a record really changed.
TEST(Value, OneValueHasOneEncodingWhateverItsMemberOrder) {
  EXPECT_EQ(json_to_flex(R"({"b":{"y":[1,{"q":0,"p":1}],"x":2},"a":"s"})"),
            json_to_flex(R"({"a":"s","b":{"x":2,"y":[1,{"p":1,"q":0}]}})"));
  EXPECT_EQ(json_to_flex(R"({"enabled":true,"rollout":25,"owner":null})"),
            json_to_flex(flex_to_json(json_to_flex(R"({"enabled":true,"rollout":25,"owner":null})"))));
}

TEST(Value, DepthLimitIsSixtyFour) {
  EXPECT_EQ(code_of(nested_arrays(64)), "accepted");
  EXPECT_EQ(code_of(nested_arrays(65)), "too_deep");
  EXPECT_EQ(code_of(nested_objects(64)), "accepted");
  EXPECT_EQ(code_of(nested_objects(65)), "too_deep");
  EXPECT_EQ(round_trip(nested_objects(64)), nested_objects(64));
}

TEST(Value, MalformedJsonIsRefused) {
  for (std::string_view bad : {"", " ", "{", "[1,]", "{\"a\"}", "nul", "1 2", "\"\xff\"", "'x'",
                               "{\"a\":1,}", "01", "NaN", "[1] x"})
    EXPECT_EQ(code_of(bad), "invalid_json") << bad;
}

TEST(Value, SizeLimitIsOnTheCompactJsonText) {
  std::string value = "\"" + std::string(1000, 'x') + "\"";
  EXPECT_EQ(code_of(value, ValueLimits{1002, 64}), "accepted");
  EXPECT_EQ(code_of(value, ValueLimits{1001, 64}), "value_too_large");
  // Whitespace does not count.
  EXPECT_EQ(code_of("  " + value + "\n\n", ValueLimits{1002, 64}), "accepted");
  // Values whose FlexBuffers encoding is several times their JSON still fit.
  std::string maps = "[";
  for (int i = 0; i < 100; ++i) maps += std::string(i ? "," : "") + "{\"\":0.1}";
  maps += "]";
  EXPECT_EQ(code_of(maps, ValueLimits{maps.size(), 64}), "accepted");
  // Numbers count as their shortest spelling, however they were sent or are printed.
  std::string exponents = "[" + std::string("1e5,1e5,1e5,1e5,1e5") + "]";
  EXPECT_EQ(code_of(exponents, ValueLimits{exponents.size(), 64}), "accepted");
  EXPECT_EQ(code_of(exponents, ValueLimits{exponents.size() - 1, 64}), "value_too_large");
  EXPECT_EQ(code_of("\"a\\nb\"", ValueLimits{6, 64}), "accepted");
  EXPECT_EQ(code_of("\"a\\nb\"", ValueLimits{5, 64}), "value_too_large");
}

TEST(Value, MemberNamesWithNulAreRefused) {
  EXPECT_EQ(code_of(R"({"a\u0000b":1})"), "invalid_value");
}

TEST(Value, CorruptFlexBuffersAreRefusedNotRead) {
  auto flex = json_to_flex(R"({"list":[1,2,3],"name":"x"})");
  EXPECT_TRUE(verify_flex(flex));
  EXPECT_FALSE(verify_flex({}));
  for (std::size_t cut = 1; cut < flex.size(); ++cut) {
    std::vector<std::uint8_t> truncated(flex.begin(), flex.begin() + static_cast<long>(cut));
    if (verify_flex(truncated)) continue;  // a prefix can itself be a valid tiny buffer
    EXPECT_THROW(flex_to_json(truncated), ValueError);
  }
  auto corrupt = flex;
  corrupt[corrupt.size() - 3] = 0xFF;  // the root's offset now points outside the buffer
  EXPECT_THROW(flex_to_json(corrupt), ValueError);
}

// Found by fuzz/flex_to_json.cpp (fuzz/regressions/flex_to_json/unterminated-key.flex):
// FlatBuffers 2.0.8's FlexBuffers verifier accepts a map key with no NUL before the end of
// the buffer, and rendering it ran strlen past the end (an out-of-bounds read).
TEST(Value, FlexBuffersWithUnterminatedKeysAreRefused) {
  const std::vector<std::uint8_t> bytes = {0x6b, 0x00, 0x00, 0x00, 0x28, 0x01, 0x02, 0x01, 0x02, 0x04, 0x04,
                                           0x01, 0x08, 0x01, 0x01, 0x01, 0x09, 0x28, 0x02, 0x24, 0x01};
  EXPECT_FALSE(verify_flex(bytes));
  EXPECT_THROW(flex_to_json(bytes), ValueError);
  // Control: real maps, nested and in vectors, still verify.
  EXPECT_TRUE(verify_flex(json_to_flex(R"([{"a":{"b":1}},{"c":[{"d":null}]}])")));
}

// Found by fuzz/http_request.cpp (fuzz/regressions/http_request/non-utf8-path.http): an
// error message quoting request bytes that are not UTF-8 made the JSON body invalid.
TEST(Value, JsonStringsAreValidUtf8WhateverTheBytes) {
  std::string out;
  append_json_string(out, "a\xff\xc3\xa9\xe2\x82\xed\xa0\x80z");
  EXPECT_EQ(out, "\"a\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\\ufffd\\ufffdz\"");
  EXPECT_TRUE(valid_utf8(out));
}

TEST(Names, Collections) {
  EXPECT_TRUE(valid_collection("flags"));
  EXPECT_TRUE(valid_collection("A-z_0.9"));
  EXPECT_TRUE(valid_collection(std::string(128, 'c')));
  EXPECT_FALSE(valid_collection(""));
  EXPECT_FALSE(valid_collection(std::string(129, 'c')));
  EXPECT_FALSE(valid_collection("a/b"));
  EXPECT_FALSE(valid_collection("a b"));
  EXPECT_FALSE(valid_collection("café"));
}

TEST(Names, Keys) {
  EXPECT_TRUE(valid_key("k"));
  EXPECT_TRUE(valid_key("user/42 café 😀"));
  EXPECT_TRUE(valid_key(std::string(1024, 'k')));
  EXPECT_FALSE(valid_key(""));
  EXPECT_FALSE(valid_key(std::string(1025, 'k')));
  EXPECT_FALSE(valid_key("\xff"));
  EXPECT_FALSE(valid_key("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_key("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_key("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_key("\xe2\x82"));          // truncated
}
