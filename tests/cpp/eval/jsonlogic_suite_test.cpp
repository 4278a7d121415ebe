// JsonLogic's published cases (tests/data/jsonlogic/tests.json, see SOURCE.md): every
// [rule, data, expected] through the compiler and evaluator, one test per case.
//
// Exclusions: none. (This version of tests.json has no `method` cases, the only operator
// hotstate refuses; a later one would be listed here with that reason.)

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "eval/apply.hpp"
#include "json_compare.hpp"

namespace {

using namespace hotstate::eval;

struct Case {
  std::size_t index;
  std::string section;
  boost::json::value rule, data, expected;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> loaded = [] {
    std::vector<Case> out;
    std::ifstream in(std::string(HOTSTATE_TESTDATA_DIR) + "/jsonlogic/tests.json", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    boost::json::error_code ec;
    auto doc = boost::json::parse(text.str(), ec);
    if (ec || !doc.is_array()) return out;  // CaseCount fails
    std::string section;
    for (const auto& item : doc.get_array()) {
      if (item.is_string()) {
        section = std::string(item.get_string());
      } else if (item.is_array() && item.get_array().size() == 3) {
        const auto& a = item.get_array();
        out.push_back(Case{out.size(), section, a[0], a[1], a[2]});
      }
    }
    return out;
  }();
  return loaded;
}

class JsonLogicSuite : public ::testing::TestWithParam<std::size_t> {};

TEST_P(JsonLogicSuite, Case) {
  const auto& c = cases()[GetParam()];
  SCOPED_TRACE(c.section + ": rule " + boost::json::serialize(c.rule) + " data " + boost::json::serialize(c.data));
  auto result = apply_json_logic(c.rule, c.data);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(hotstate::testing::js_json_equal(result.value, c.expected))
      << "got " << boost::json::serialize(result.value) << ", expected " << boost::json::serialize(c.expected);
}

INSTANTIATE_TEST_SUITE_P(TestsJson, JsonLogicSuite, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const auto& info) { return "case" + std::to_string(info.param); });

TEST(JsonLogicSuiteShape, AllCasesLoaded) {
  std::cout << "JsonLogic tests.json: " << cases().size() << " cases, all run, none excluded\n";
  EXPECT_EQ(cases().size(), 267u);  // the vendored file's case count (SOURCE.md)
}

}  // namespace
