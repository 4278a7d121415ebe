// The flagd-testbed's evaluation steps -> EvaluationCase.

#include <boost/json.hpp>

#include <charconv>
#include <regex>

#include "gherkin.hpp"

namespace hotstate::testing::gherkin {
namespace {

// The step's text with each "quoted" parameter replaced by {}.
std::string shape_of(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') {
      out += text[i];
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
    out += "{}";
    i = j;
  }
  return out;
}

[[noreturn]] void fail(const Scenario& s, const Step& step, const std::string& why) {
  throw ParseError(s.file + ":" + std::to_string(step.line) + ": " + why + ": \"" + step.keyword + " " + step.text + "\"");
}

boost::json::value typed_value(const Scenario& s, const Step& step, const std::string& type, const std::string& text) {
  if (type == "String") return boost::json::string(text);
  if (type == "Boolean") {
    if (text == "true" || text == "false") return text == "true";
    fail(s, step, "a Boolean must be true or false");
  }
  if (type == "Integer") {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) fail(s, step, "not an Integer");
    return n;
  }
  if (type == "Float") {
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size()) fail(s, step, "not a Float");
    return d;
  }
  if (type == "Object") {
    boost::json::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec) fail(s, step, "not JSON");
    return v;
  }
  fail(s, step, "unknown type \"" + type + "\"");
}

}  // namespace

EvaluationCase to_evaluation_case(const Scenario& s) {
  static const std::regex kFlagStep(R"(^a (Boolean|String|Integer|Float|Object)-flag with key \{\} and a (fallback|default) value \{\}$)");
  EvaluationCase c;
  c.scenario = &s;
  boost::json::object context;
  bool have_flag = false, evaluated = false;
  for (const auto& step : s.steps) {
    auto shape = shape_of(step.text);
    auto params = quoted_parameters(step.text);
    std::smatch m;
    if (step.keyword == "Given") {
      if (evaluated) fail(s, step, "a Given after the evaluation");
      if (shape == "an evaluator") continue;
      if (std::regex_match(shape, m, kFlagStep)) {
        if (have_flag) fail(s, step, "a second flag");
        c.type = m[1];
        c.flag_key = params[0];
        c.default_value = params[1];
        have_flag = true;
      } else if (shape == "a context containing a targeting key with value {}") {
        context["targetingKey"] = params[0];
      } else if (shape == "a context containing a key {}, with type {} and with value {}") {
        context[params[0]] = typed_value(s, step, params[1], params[2]);
      } else if (shape == "a context containing a nested property with outer key {} and inner key {}, with value {}") {
        auto& outer = context[params[0]];
        if (!outer.is_object()) outer = boost::json::object();
        outer.get_object()[params[1]] = params[2];
      } else {
        fail(s, step, "unknown Given step");
      }
    } else if (step.keyword == "When") {
      if (shape != "the flag was evaluated with details") fail(s, step, "unknown When step");
      if (!have_flag) fail(s, step, "evaluated before a flag was given");
      if (evaluated) fail(s, step, "evaluated twice");
      evaluated = true;
    } else {  // Then
      if (!evaluated) fail(s, step, "a Then before the evaluation");
      if (shape == "the resolved details value should be {}") c.value = params[0];
      else if (shape == "the resolved value should be absent") c.value_absent = true;
      else if (shape == "the reason should be {}") c.reason = params[0];
      else if (shape == "the error-code should be {}") c.error_code = params[0];
      else if (shape == "the variant should be {}") c.variant = params[0];
      else if (shape == "the error message should contain {}") c.error_message_contains.push_back(params[0]);
      else fail(s, step, "unknown Then step");
    }
  }
  if (!evaluated) throw ParseError(s.file + ":" + std::to_string(s.line) + ": scenario \"" + s.name + "\" evaluates nothing");
  if (!c.value && !c.value_absent && !c.variant && !c.reason && !c.error_code && c.error_message_contains.empty())
    throw ParseError(s.file + ":" + std::to_string(s.line) + ": scenario \"" + s.name + "\" checks nothing");
  c.context_json = boost::json::serialize(context);
  return c;
}

}  // namespace hotstate::testing::gherkin
