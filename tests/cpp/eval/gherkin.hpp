#pragma once
// A small Gherkin reader for conformance suites written as .feature files (the
// flagd-testbed's), independent of any engine: it only turns text into cases, so the same
// cases can run against the C++ evaluator, the C ABI or a live server.
//
// Supported: Feature, Background, Scenario / Example, Scenario Outline / Template with
// Examples / Scenarios blocks (each with its own tags and name), tags on features,
// scenarios and examples, # comments, steps (Given/When/Then/And/But/*) with "quoted"
// parameters (\" and \\ escapes) and <placeholder> substitution from example rows, and
// free description text under Feature. Anything else (Rule, doc strings, data tables on
// steps, a line it cannot place) is an error naming file and line: a suite must never
// be half-read.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hotstate::testing::gherkin {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Step {
  std::string keyword;  // Given, When or Then (And/But/* take the one before them)
  std::string text;     // after the keyword, placeholders substituted
  int line = 0;
};

// One concrete scenario: an outline yields one per example row.
struct Scenario {
  std::string file;
  std::string feature;
  std::string name;  // "<scenario> [<examples name> #<row>]" for outline rows
  int line = 0;      // of the scenario, or of the example row
  std::vector<std::string> tags;  // feature's, scenario's and examples' (with the @)
  std::vector<Step> steps;        // background steps first

  bool has_tag(std::string_view tag) const;
};

// Throws ParseError.
std::vector<Scenario> parse_feature(std::string_view text, std::string_view file_name);

// The "quoted" parameters of a step's text, unescaped.
std::vector<std::string> quoted_parameters(std::string_view text);

// A flag evaluation as the flagd-testbed's evaluator and provider suites describe it.
struct EvaluationCase {
  const Scenario* scenario = nullptr;
  std::string flag_key;
  std::string type;           // Boolean, String, Integer, Float or Object
  std::string default_value;  // as written (Object: JSON text)
  std::string context_json = "{}";  // the evaluation context, a JSON object
  // What the Then steps expect (unset: not checked).
  std::optional<std::string> value;  // as written (Object: JSON text)
  bool value_absent = false;          // "the resolved value should be absent"
  std::optional<std::string> variant;
  std::optional<std::string> reason;
  std::optional<std::string> error_code;
  std::vector<std::string> error_message_contains;
};

// Reads the steps of `scenario` (kept by pointer: it must outlive the case). Throws
// ParseError for a step it does not know, so an unread expectation cannot pass silently.
EvaluationCase to_evaluation_case(const Scenario& scenario);

// Every *.feature file of `feature_dir` (in name order) read into cases: all scenarios
// but those carrying one of `skip_tags`, each case with a test name ("<file>_line<N>").
// Cases point into `scenarios`: keep the suite alive (and unmoved-from) while they run.
struct EvaluationSuite {
  std::vector<Scenario> scenarios;
  std::vector<EvaluationCase> cases;
  std::vector<std::string> names;  // parallel to cases
  std::size_t skipped = 0;
};
EvaluationSuite load_evaluation_suite(const std::string& feature_dir, const std::vector<std::string>& skip_tags);
std::string read_text_file(const std::string& path);  // throws std::runtime_error

}  // namespace hotstate::testing::gherkin
