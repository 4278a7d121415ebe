// json-logic-js's operators, family by family, beyond what tests.json covers; compile
// errors and the limits that keep a rule from exhausting the stack or memory.

#include <gtest/gtest.h>

#include <string>

#include "eval/compiler.hpp"
#include "eval_test_util.hpp"

using namespace hotstate::eval;
using hotstate::testing::json;
using hotstate::testing::run;

TEST(JsonLogicData, VarPathsAndDefaults) {
  EXPECT_EQ(run(R"({"var": ["a.b", "dflt"]})", R"({"a": null})"), R"("dflt")");  // null on the way: not found
  EXPECT_EQ(run(R"({"var": ["a", "dflt"]})", R"({"a": null})"), "null");          // null at the end: found
  EXPECT_EQ(run(R"({"var": "a.01"})", R"({"a": [1, 2]})"), "null");               // not a canonical index
  EXPECT_EQ(run(R"({"var": "a.1"})", R"({"a": [1, 2]})"), "2");
  EXPECT_EQ(run(R"({"var": 0})", R"([7])"), "7");
  EXPECT_EQ(run(R"({"var": "a.length"})", R"({"a": "text"})"), "null");
  EXPECT_EQ(run(R"({"var": {"cat": ["a", ".b"]}})", R"({"a": {"b": 5}})"), "5");  // computed path
  EXPECT_EQ(run(R"({"var": ""})", R"({"x": 1})"), R"({"x":1})");
}

TEST(JsonLogicData, MissingAndMissingSome) {
  EXPECT_EQ(run(R"({"missing": ["a", "b"]})", R"({"a": "", "b": 0})"), R"(["a"])");  // "" is missing, 0 is not
  EXPECT_EQ(run(R"({"missing": ["a", "b"]})", R"({"a": null})"), R"(["a","b"])");
  EXPECT_EQ(run(R"({"missing_some": [1, ["a", "b"]]})", R"({"b": false})"), "[]");
  EXPECT_EQ(run(R"({"missing_some": [0, ["a"]]})", "{}"), "[]");
}

TEST(JsonLogicLogic, IfAndOrNot) {
  EXPECT_EQ(run(R"({"if": [false, 1, null, 2, 3]})"), "3");
  EXPECT_EQ(run(R"({"if": true})"), "true");
  EXPECT_EQ(run(R"({"and": []})"), "null");
  EXPECT_EQ(run(R"({"or": [0, "", []]})"), "[]");
  EXPECT_EQ(run(R"({"!": [{"var": "nothing"}]})"), "true");
  EXPECT_EQ(run(R"({"!!": [[0]]})"), "true");
  EXPECT_EQ(run(R"({"log": ["kept"]})"), R"("kept")");
}

TEST(JsonLogicStrings, SubstrAsJsonLogicJs) {
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 4]})"), R"("logic")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", -5]})"), R"("logic")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 0, 1]})"), R"("j")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", -1, 1]})"), R"("c")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 4, 5]})"), R"("logic")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", -5, 5]})"), R"("logic")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", -5, -2]})"), R"("log")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 1, -5]})"), R"("son")");
  EXPECT_EQ(run(R"({"substr": ["jsonlogic", 20]})"), R"("")");
  EXPECT_EQ(run(R"({"substr": ["h\u00e9llo", 1, 3]})"), "\"\xc3\xa9ll\"");
  EXPECT_EQ(run(R"({"substr": [null, 1]})"), R"("ull")");  // String(null)
  EXPECT_EQ(run(R"({"substr": [12345, 1, 2]})"), R"("23")");
}

TEST(JsonLogicStrings, CatAndIn) {
  EXPECT_EQ(run(R"({"cat": []})"), R"("")");
  EXPECT_EQ(run(R"({"cat": [{"var": "a"}, "-", {"var": "b"}]})", R"({"a": 1})"), R"("1-")");
  EXPECT_EQ(run(R"({"in": ["", ""]})"), "false");  // "" is falsy
  EXPECT_EQ(run(R"({"in": [1, "a1b"]})"), "true");
  EXPECT_EQ(run(R"({"in": ["1", [1, 2]]})"), "false");  // strict in arrays
  EXPECT_EQ(run(R"({"in": ["a", null]})"), "false");
}

TEST(JsonLogicArrays, MapFilterReduceAllNoneSome) {
  EXPECT_EQ(run(R"({"map": [{"var": "xs"}, {"+": [{"var": ""}, 1]}]})", R"({"xs": [1, 2]})"), "[2,3]");
  EXPECT_EQ(run(R"({"map": [5, 1]})"), "[]");
  EXPECT_EQ(run(R"({"filter": [[0, 1, "", "a"], {"var": ""}]})"), R"([1,"a"])");
  EXPECT_EQ(run(R"({"reduce": [[1, 2, 3], {"cat": [{"var": "accumulator"}, {"var": "current"}]}, ""]})"), R"("123")");
  EXPECT_EQ(run(R"({"reduce": [[1, 2], {"var": ""}]})"), R"({"current":2,"accumulator":{"current":1,"accumulator":null}})");
  EXPECT_EQ(run(R"({"all": ["abc", true]})"), "false");
  EXPECT_EQ(run(R"({"none": [null, true]})"), "true");
  EXPECT_EQ(run(R"({"some": [[0, 0, 1], {"var": ""}]})"), "true");
  EXPECT_EQ(run(R"({"merge": [[1, [2]], 3, null]})"), "[1,[2],3,null]");
}

TEST(JsonLogicArrays, HugeArraysNeitherOverflowTheStackNorExhaustMemory) {
  boost::json::array big;
  big.resize(1'000'000, 1);
  boost::json::object data{{"xs", big}};
  auto sum = apply_json_logic(json(R"({"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]})"), data);
  ASSERT_TRUE(sum.ok) << sum.error;
  EXPECT_EQ(sum.value, 1'000'000);
  big.resize(5'000'000, 1);
  boost::json::object bigger{{"xs", big}};
  auto mapped = apply_json_logic(json(R"({"map": [{"var": "xs"}, {"var": ""}]})"), bigger);
  EXPECT_FALSE(mapped.ok);
  EXPECT_NE(mapped.error.find("64 MiB"), std::string::npos) << mapped.error;
}

TEST(JsonLogicCompile, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(run(R"({"if": [true, {"frobnicate": [1]}]})"), R"(error: unknown operator "frobnicate" at /if/1/frobnicate)");
  EXPECT_EQ(run(R"({"method": ["abc", "toUpperCase"]})"),
            R"(error: operator "method" at /method is not supported (it would call host methods))");
  EXPECT_EQ(run(R"({"*": []})"), R"(error: "*" at /* needs at least one argument)");
  EXPECT_EQ(run(R"({"and": [{"$ref": "x"}]})"), R"(error: a $ref at /and/0/$ref was not substituted (no $evaluators given))");
  // Objects that are not operations are literals, as in json-logic-js.
  EXPECT_EQ(run(R"({"a": 1, "b": {"frobnicate": 2}})"), R"({"a":1,"b":{"frobnicate":2}})");
}

namespace {
std::string nested_nots(int depth) {
  std::string rule = "true";
  for (int i = 0; i < depth; ++i) rule = R"({"!": )" + rule + "}";
  return rule;
}
}  // namespace

TEST(JsonLogicCompile, DepthAndSizeAreBounded) {
  EXPECT_EQ(run(nested_nots(64)), "true");
  auto too_deep = run(nested_nots(65));
  EXPECT_NE(too_deep.find("nested deeper than 64 levels"), std::string::npos) << too_deep;
  std::string wide = "[";
  for (int i = 0; i < 10001; ++i) wide += i ? ",1" : "1";
  auto too_big = run(wide + "]");
  EXPECT_NE(too_big.find("more than 10000"), std::string::npos) << too_big;
}

TEST(JsonLogicCompile, ConstantSubExpressionsAreFolded) {
  std::string error;
  auto folded = compile_rule(json(R"({"cat": ["a", {"+": [1, 2]}]})"), "", error);
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded->nodes[folded->root].op, Op::Const);
  auto kept = compile_rule(json(R"({"cat": ["a", {"var": "x"}]})"), "", error);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->nodes[kept->root].op, Op::Cat);
  auto path = compile_rule(json(R"({"var": "a.b.c"})"), "", error);
  ASSERT_TRUE(path);
  const auto& var = path->nodes[path->root];
  ASSERT_NE(var.aux, kNoIndex);
  EXPECT_EQ(path->paths[var.aux].segments, (std::vector<std::string>{"a", "b", "c"}));
}
