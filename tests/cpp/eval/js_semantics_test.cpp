// JavaScript's conversions and comparisons as json-logic-js relies on them.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "eval/js_number.hpp"
#include "eval_test_util.hpp"

using namespace hotstate::eval;
using hotstate::testing::run;

namespace {

std::string js(double d) {
  char buf[kMaxJsNumberChars];
  return std::string(buf, js_number_to_chars(d, buf));
}

}  // namespace

TEST(JsNumberToString, FollowsNumberToString) {
  EXPECT_EQ(js(0), "0");
  EXPECT_EQ(js(-0.0), "0");
  EXPECT_EQ(js(1), "1");
  EXPECT_EQ(js(-1), "-1");
  EXPECT_EQ(js(100), "100");
  EXPECT_EQ(js(0.1), "0.1");
  EXPECT_EQ(js(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(js(1234.5678), "1234.5678");
  EXPECT_EQ(js(1e20), "100000000000000000000");
  EXPECT_EQ(js(1e21), "1e+21");
  EXPECT_EQ(js(1.5e21), "1.5e+21");
  EXPECT_EQ(js(0.000001), "0.000001");
  EXPECT_EQ(js(1e-7), "1e-7");
  EXPECT_EQ(js(1.5e-7), "1.5e-7");
  EXPECT_EQ(js(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(js(5e-324), "5e-324");
  EXPECT_EQ(js(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(js(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(js(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(js(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(js(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(JsParseFloat, ReadsTheNumericPrefix) {
  EXPECT_EQ(js_parse_float("12px"), 12);
  EXPECT_EQ(js_parse_float("  3.5e2x"), 350);
  EXPECT_EQ(js_parse_float(".5"), 0.5);
  EXPECT_EQ(js_parse_float("-.5e1"), -5);
  EXPECT_EQ(js_parse_float("1e"), 1);
  EXPECT_EQ(js_parse_float("0x10"), 0);
  EXPECT_EQ(js_parse_float("Infinityx"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(js_parse_float("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(js_parse_float("abc")));
  EXPECT_TRUE(std::isnan(js_parse_float("")));
  EXPECT_TRUE(std::isnan(js_parse_float(".")));
}

TEST(JsToNumber, ReadsTheWholeString) {
  EXPECT_EQ(js_string_to_number(""), 0);
  EXPECT_EQ(js_string_to_number(" \t12 \n"), 12);
  EXPECT_EQ(js_string_to_number("\xC2\xA0" "12" "\xC2\xA0"), 12);  // no-break spaces
  EXPECT_EQ(js_string_to_number("+5"), 5);
  EXPECT_EQ(js_string_to_number("1e3"), 1000);
  EXPECT_EQ(js_string_to_number("0x1A"), 26);
  EXPECT_EQ(js_string_to_number("0b101"), 5);
  EXPECT_EQ(js_string_to_number("0o17"), 15);
  EXPECT_EQ(js_string_to_number("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(js_string_to_number("12px")));
  EXPECT_TRUE(std::isnan(js_string_to_number("-0x10")));
  EXPECT_TRUE(std::isnan(js_string_to_number("0x")));
  EXPECT_TRUE(std::isnan(js_string_to_number("1 2")));
}

TEST(JsEquality, AbstractAndStrict) {
  EXPECT_EQ(run(R"({"==": [null, 0]})"), "false");
  EXPECT_EQ(run(R"({"==": [0, ""]})"), "true");
  EXPECT_EQ(run(R"({"==": ["1", true]})"), "true");
  EXPECT_EQ(run(R"({"==": [[1], 1]})"), "true");
  EXPECT_EQ(run(R"({"==": [[1, 2], "1,2"]})"), "true");
  EXPECT_EQ(run(R"({"==": [null]})"), "true");  // null == undefined
  EXPECT_EQ(run(R"({"==": ["NaN", "NaN"]})"), "true");
  EXPECT_EQ(run(R"({"==": [{"+": "x"}, {"+": "x"}]})"), "false");  // NaN != NaN
  EXPECT_EQ(run(R"({"===": [[], []]})"), "false");  // two arrays are two references
  EXPECT_EQ(run(R"({"!==": [1, 1.0]})"), "false");
  EXPECT_EQ(run(R"({"!=": ["a", "b"]})"), "true");
}

TEST(JsRelational, StringsAsStringsOtherwiseNumbers) {
  EXPECT_EQ(run(R"({"<": ["10", "9"]})"), "true");
  EXPECT_EQ(run(R"({"<": ["10", 9]})"), "false");
  EXPECT_EQ(run(R"({"<": [null, 1]})"), "true");
  EXPECT_EQ(run(R"({"<": ["a", 1]})"), "false");
  EXPECT_EQ(run(R"({">=": ["a", 1]})"), "false");
  EXPECT_EQ(run(R"({"<": [[2], [10]]})"), "false");  // "2" < "10" as strings
  EXPECT_EQ(run(R"({"<=": [1, 1, 1]})"), "true");
  EXPECT_EQ(run(R"({"<": [1]})"), "false");  // 1 < undefined
}

TEST(JsConversions, CatAndArithmetic) {
  EXPECT_EQ(run(R"({"cat": [1.5, null, true, [1, [2, 3]], {"a": 1, "b": 2}]})"), R"("1.5true1,2,3[object Object]")");
  EXPECT_EQ(run(R"({"cat": [0.1, 1e21, 1e-7, -0.0]})"), R"("0.11e+211e-70")");
  EXPECT_EQ(run(R"({"+": ["3px", "4"]})"), "7");
  EXPECT_EQ(run(R"({"+": []})"), "0");
  EXPECT_EQ(run(R"({"*": ["2", "3"]})"), "6");
  EXPECT_EQ(run(R"({"*": ["1"]})"), R"("1")");  // reduce with no initial value
  EXPECT_EQ(run(R"({"-": ["5", "2"]})"), "3");
  EXPECT_EQ(run(R"({"-": [""]})"), "-0E0");  // -ToNumber("") is -0
  EXPECT_EQ(run(R"({"%": [-7, 3]})"), "-1");
  EXPECT_EQ(run(R"({"/": ["1", 4]})"), "2.5E-1");
  auto nan = hotstate::eval::apply_json_logic(hotstate::testing::json(R"({"+": [true]})"), nullptr);
  ASSERT_TRUE(nan.ok);
  EXPECT_TRUE(nan.value.is_double() && std::isnan(nan.value.get_double()));
  auto inf = hotstate::eval::apply_json_logic(hotstate::testing::json(R"({"min": []})"), nullptr);
  EXPECT_TRUE(inf.value.is_double() && std::isinf(inf.value.get_double()) && inf.value.get_double() > 0);
  auto max_nan = hotstate::eval::apply_json_logic(hotstate::testing::json(R"({"max": [1, "a"]})"), nullptr);
  EXPECT_TRUE(max_nan.value.is_double() && std::isnan(max_nan.value.get_double()));
}
