// The Gherkin reader: outlines, tags, backgrounds, escapes, and loud failures.

#include <gtest/gtest.h>

#include "gherkin.hpp"

using namespace hotstate::testing::gherkin;

namespace {

constexpr const char* kFeature = R"(@suite
Feature: Sample
  Free description text.

  Background:
    Given an evaluator

  # a comment
  @one
  Scenario: Plain
    Given a String-flag with key "plain" and a fallback value "x \"quoted\" \\ y"
    When the flag was evaluated with details
    Then the reason should be "STATIC"

  Scenario Outline: Outline <key>
    Given a <type>-flag with key "<key>" and a default value "<default>"
    And a context containing a key "n", with type "Integer" and with value "<n>"
    And a context containing a nested property with outer key "user" and inner key "name", with value "<name>"
    And a context containing a targeting key with value "tk"
    When the flag was evaluated with details
    Then the resolved details value should be "<value>"
    But the error-code should be ""

    @v1
    Examples: first
      | key | type    | default | n  | name   | value  |
      | k1  | Boolean | false   | 1  | a \| b | true   |

    @v2 @extra
    Examples:
      | key | type    | default | n  | name | value |
      | k2  | Integer | 3       | -2 |      | 4     |
      | k3  | Object  | {}      | 0  | z    | {\"a\": 1} |
)";

}  // namespace

TEST(Gherkin, ExpandsOutlinesWithBackgroundAndTags) {
  auto scenarios = parse_feature(kFeature, "sample.feature");
  ASSERT_EQ(scenarios.size(), 4u);
  EXPECT_EQ(scenarios[0].name, "Plain");
  EXPECT_EQ(scenarios[0].tags, (std::vector<std::string>{"@suite", "@one"}));
  EXPECT_EQ(scenarios[0].steps.front().text, "an evaluator");  // the background comes first
  EXPECT_EQ(scenarios[1].name, "Outline <key> [first #1]");
  EXPECT_EQ(scenarios[1].tags, (std::vector<std::string>{"@suite", "@v1"}));
  EXPECT_EQ(scenarios[2].tags, (std::vector<std::string>{"@suite", "@v2", "@extra"}));
  EXPECT_EQ(scenarios[3].name, "Outline <key> [Examples #2]");
  EXPECT_TRUE(scenarios[3].has_tag("@v2"));
  EXPECT_FALSE(scenarios[3].has_tag("@v1"));
  EXPECT_EQ(scenarios[3].steps.back().keyword, "Then");  // "But" takes the keyword before it
}

TEST(Gherkin, StepsBecomeEvaluationCases) {
  auto scenarios = parse_feature(kFeature, "sample.feature");
  auto plain = to_evaluation_case(scenarios[0]);
  EXPECT_EQ(plain.flag_key, "plain");
  EXPECT_EQ(plain.default_value, "x \"quoted\" \\ y");
  EXPECT_EQ(plain.reason, "STATIC");
  EXPECT_FALSE(plain.value.has_value());
  EXPECT_EQ(plain.context_json, "{}");

  auto first = to_evaluation_case(scenarios[1]);
  EXPECT_EQ(first.type, "Boolean");
  EXPECT_EQ(first.value, "true");
  EXPECT_EQ(first.error_code, "");
  EXPECT_EQ(first.context_json, R"({"n":1,"user":{"name":"a | b"},"targetingKey":"tk"})");

  auto second = to_evaluation_case(scenarios[2]);
  EXPECT_EQ(second.context_json, R"({"n":-2,"user":{"name":""},"targetingKey":"tk"})");
  auto third = to_evaluation_case(scenarios[3]);
  EXPECT_EQ(third.type, "Object");
  EXPECT_EQ(third.value, R"({"a": 1})");
}

TEST(Gherkin, FailsLoudly) {
  auto error_of = [](const std::string& text) {
    try {
      for (const auto& s : parse_feature(text, "bad.feature")) to_evaluation_case(s);
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("Feature: f\n  Scenario: s\n    Given an evaluator\n    Whatever this is\n"),
            "bad.feature:4: cannot place this line: Whatever this is");
  EXPECT_EQ(error_of("Feature: f\n  Scenario Outline: s\n    Given an evaluator\n"),
            "bad.feature:2: Scenario Outline \"s\" has no Examples:");
  EXPECT_EQ(error_of("Feature: f\n  Scenario: s\n    Given an evaluator\n    | a |\n"),
            "bad.feature:4: a table outside Examples: (step data tables are not supported)");
  EXPECT_EQ(error_of("Feature: f\n  Scenario: s\n    Given a mystery step\n    When the flag was evaluated with details\n"),
            "bad.feature:3: unknown Given step: \"Given a mystery step\"");
  EXPECT_EQ(error_of("Feature: f\n  Scenario: s\n    Given a String-flag with key \"k\" and a fallback value \"v\"\n"
                     "    When the flag was evaluated with details\n    Then the value should sparkle\n"),
            "bad.feature:5: unknown Then step: \"Then the value should sparkle\"");
  EXPECT_EQ(error_of("Feature: f\n  Scenario: s\n    Given a String-flag with key \"k\" and a fallback value \"v\"\n"
                     "    When the flag was evaluated with details\n"),
            "bad.feature:2: scenario \"s\" checks nothing");
  EXPECT_EQ(error_of("Feature: f\n  Rule: r\n"), "bad.feature:2: Rule: is not supported");
  EXPECT_EQ(error_of("Feature: f\n  Scenario Outline: s\n    Given x\n    Examples:\n      | a | b |\n      | 1 |\n"),
            "bad.feature:6: the row has 1 cells, the header 2");
  EXPECT_EQ(error_of("Scenario: s\n"), "bad.feature:1: a scenario before Feature:");
}

TEST(Gherkin, QuotedParametersUnescape) {
  EXPECT_EQ(quoted_parameters(R"(a "x" and "y \"z\"" and "")"), (std::vector<std::string>{"x", "y \"z\"", ""}));
  EXPECT_THROW(quoted_parameters(R"(a "open)"), ParseError);
}
