#include "gherkin.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace hotstate::testing::gherkin {
namespace {

std::string_view trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

struct ExamplesBlock {
  std::string name;
  std::vector<std::string> tags;
  std::vector<std::string> header;
  struct Row {
    std::vector<std::string> cells;
    int line;
  };
  std::vector<Row> rows;
};

struct ScenarioDraft {
  std::string name;
  int line = 0;
  bool outline = false;
  std::vector<std::string> tags;
  std::vector<Step> steps;
  std::vector<ExamplesBlock> examples;
};

class Parser {
 public:
  Parser(std::string_view file) : file_(file) {}

  std::vector<Scenario> run(std::string_view text) {
    std::size_t at = 0;
    while (at <= text.size()) {
      auto end = text.find('\n', at);
      if (end == std::string_view::npos) end = text.size();
      ++line_;
      line(trim(text.substr(at, end - at)));
      at = end + 1;
    }
    finish_scenario();
    if (feature_.empty()) fail("no Feature: in the file");
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw ParseError(std::string(file_) + ":" + std::to_string(line_) + ": " + why);
  }

  void line(std::string_view l) {
    if (l.empty() || l[0] == '#') return;
    if (l[0] == '@') return read_tags(l);
    if (l[0] == '|') return read_row(l);
    if (starts_with(l, "\"\"\"") || starts_with(l, "```")) fail("doc strings are not supported");
    auto colon = l.find(':');
    if (colon != std::string_view::npos) {
      auto keyword = l.substr(0, colon);
      auto rest = std::string(trim(l.substr(colon + 1)));
      if (keyword == "Feature") return start_feature(rest);
      if (keyword == "Background") return start_background();
      if (keyword == "Scenario" || keyword == "Example") return start_scenario(rest, false);
      if (keyword == "Scenario Outline" || keyword == "Scenario Template") return start_scenario(rest, true);
      if (keyword == "Examples" || keyword == "Scenarios") return start_examples(rest);
      if (keyword == "Rule") fail("Rule: is not supported");
    }
    for (std::string_view kw : {"Given ", "When ", "Then ", "And ", "But ", "* "})
      if (starts_with(l, kw)) return read_step(trim(kw), std::string(trim(l.substr(kw.size()))));
    // Free text is a description, allowed under Feature only.
    if (section_ == Section::Feature) return;
    fail("cannot place this line: " + std::string(l));
  }

  void read_tags(std::string_view l) {
    std::size_t at = 0;
    while (at < l.size()) {
      auto end = l.find_first_of(" \t", at);
      if (end == std::string_view::npos) end = l.size();
      auto tag = l.substr(at, end - at);
      if (!tag.empty()) {
        if (tag[0] == '#') break;  // a comment after the tags
        if (tag[0] != '@') fail("expected a tag (@name), found: " + std::string(tag));
        pending_tags_.emplace_back(tag);
      }
      at = end + 1;
    }
  }

  std::vector<std::string> take_tags() { return std::exchange(pending_tags_, {}); }

  void start_feature(std::string name) {
    if (!feature_.empty()) fail("a second Feature:");
    feature_ = name.empty() ? "(unnamed)" : std::move(name);
    feature_tags_ = take_tags();
    section_ = Section::Feature;
  }

  void start_background() {
    if (feature_.empty()) fail("Background: before Feature:");
    if (!scenarios_started_.empty() || current_) fail("Background: after a scenario");
    section_ = Section::Background;
  }

  void start_scenario(std::string name, bool outline) {
    if (feature_.empty()) fail("a scenario before Feature:");
    finish_scenario();
    current_ = ScenarioDraft{std::move(name), line_, outline, take_tags(), {}, {}};
    scenarios_started_.push_back(line_);
    section_ = Section::Scenario;
  }

  void start_examples(std::string name) {
    if (!current_) fail("Examples: outside a scenario");
    if (!current_->outline) fail("Examples: under a Scenario that is not an outline");
    current_->examples.push_back(ExamplesBlock{std::move(name), take_tags(), {}, {}});
    section_ = Section::Examples;
  }

  void read_step(std::string_view keyword, std::string text) {
    if (!pending_tags_.empty()) fail("tags before a step");
    std::string kind(keyword);
    std::vector<Step>* steps = nullptr;
    if (section_ == Section::Background) steps = &background_;
    else if (section_ == Section::Scenario) steps = &current_->steps;
    else fail("a step outside a scenario or background");
    if (kind == "And" || kind == "But" || kind == "*") {
      if (steps->empty()) fail("\"" + kind + "\" with no step before it");
      kind = steps->back().keyword;
    }
    steps->push_back(Step{kind, std::move(text), line_});
  }

  std::vector<std::string> cells(std::string_view l) {
    if (l.size() < 2 || l.back() != '|') fail("a table row must start and end with |");
    std::vector<std::string> out;
    std::string cell;
    for (std::size_t i = 1; i < l.size(); ++i) {
      char c = l[i];
      if (c == '\\' && i + 1 < l.size() && (l[i + 1] == '|' || l[i + 1] == '\\' || l[i + 1] == 'n')) {
        cell += l[i + 1] == 'n' ? '\n' : l[i + 1];
        ++i;
      } else if (c == '|') {
        out.emplace_back(trim(cell));
        cell.clear();
      } else {
        cell += c;
      }
    }
    return out;
  }

  void read_row(std::string_view l) {
    if (section_ != Section::Examples) fail("a table outside Examples: (step data tables are not supported)");
    auto& block = current_->examples.back();
    auto row = cells(l);
    if (block.header.empty()) {
      block.header = std::move(row);
      return;
    }
    if (row.size() != block.header.size())
      fail("the row has " + std::to_string(row.size()) + " cells, the header " + std::to_string(block.header.size()));
    block.rows.push_back({std::move(row), line_});
  }

  void finish_scenario() {
    if (!current_) return;
    ScenarioDraft draft = std::move(*current_);
    current_.reset();
    auto tags = feature_tags_;
    tags.insert(tags.end(), draft.tags.begin(), draft.tags.end());
    if (!draft.outline) {
      emit(draft.name, draft.line, tags, draft.steps, {});
      return;
    }
    if (draft.examples.empty()) throw ParseError(std::string(file_) + ":" + std::to_string(draft.line) +
                                                 ": Scenario Outline \"" + draft.name + "\" has no Examples:");
    for (const auto& block : draft.examples) {
      auto block_tags = tags;
      block_tags.insert(block_tags.end(), block.tags.begin(), block.tags.end());
      for (std::size_t r = 0; r < block.rows.size(); ++r) {
        std::map<std::string, std::string> values;
        for (std::size_t c = 0; c < block.header.size(); ++c) values["<" + block.header[c] + ">"] = block.rows[r].cells[c];
        std::string name = draft.name + " [" + (block.name.empty() ? "Examples" : block.name) + " #" +
                           std::to_string(r + 1) + "]";
        emit(name, block.rows[r].line, block_tags, draft.steps, values);
      }
    }
  }

  static std::string substitute(const std::string& text, const std::map<std::string, std::string>& values) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      if (text[i] == '<') {
        auto close = text.find('>', i);
        if (close != std::string::npos) {
          auto it = values.find(text.substr(i, close - i + 1));
          if (it != values.end()) {
            out += it->second;
            i = close + 1;
            continue;
          }
        }
      }
      out += text[i++];
    }
    return out;
  }

  void emit(const std::string& name, int line, const std::vector<std::string>& tags, const std::vector<Step>& steps,
            const std::map<std::string, std::string>& values) {
    Scenario s{std::string(file_), feature_, name, line, tags, {}};
    for (const auto& step : background_) s.steps.push_back(step);
    for (const auto& step : steps) s.steps.push_back(Step{step.keyword, substitute(step.text, values), step.line});
    out_.push_back(std::move(s));
  }

  enum class Section { None, Feature, Background, Scenario, Examples };
  std::string_view file_;
  int line_ = 0;
  Section section_ = Section::None;
  std::string feature_;
  std::vector<std::string> feature_tags_;
  std::vector<std::string> pending_tags_;
  std::vector<Step> background_;
  std::optional<ScenarioDraft> current_;
  std::vector<int> scenarios_started_;
  std::vector<Scenario> out_;
};

}  // namespace

bool Scenario::has_tag(std::string_view tag) const { return std::find(tags.begin(), tags.end(), tag) != tags.end(); }

std::vector<Scenario> parse_feature(std::string_view text, std::string_view file_name) {
  return Parser(file_name).run(text);
}

std::vector<std::string> quoted_parameters(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    std::string value;
    std::size_t j = i + 1;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\')) ++j;
      value += text[j];
    }
    if (j >= text.size()) throw ParseError("unterminated quoted parameter in step: " + std::string(text));
    out.push_back(std::move(value));
    i = j;
  }
  return out;
}

}  // namespace hotstate::testing::gherkin
