#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gherkin.hpp"

namespace hotstate::testing::gherkin {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

EvaluationSuite load_evaluation_suite(const std::string& feature_dir, const std::vector<std::string>& skip_tags) {
  EvaluationSuite suite;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(feature_dir))
    if (entry.path().extension() == ".feature") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files)
    for (auto& scenario : parse_feature(read_text_file(file.string()), file.filename().string()))
      suite.scenarios.push_back(std::move(scenario));
  for (const auto& scenario : suite.scenarios) {
    bool skip = std::any_of(skip_tags.begin(), skip_tags.end(), [&](const auto& tag) { return scenario.has_tag(tag); });
    if (skip) {
      ++suite.skipped;
      continue;
    }
    suite.cases.push_back(to_evaluation_case(scenario));
    std::string name = std::filesystem::path(scenario.file).stem().string() + "_line" + std::to_string(scenario.line);
    std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
    suite.names.push_back(name);
  }
  return suite;
}

}  // namespace hotstate::testing::gherkin
