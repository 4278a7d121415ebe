#pragma once
// Command-line options: `--name value` pairs after the scenario, and for `recovery` the
// server command after `--`. Unknown or malformed options are errors.

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace loadgen {

class Options {
 public:
  Options(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--") {
        for (++i; i < argc; ++i) command_.emplace_back(argv[i]);
        break;
      }
      if (arg.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("bad option " + arg);
      values_[arg.substr(2)] = argv[++i];
    }
  }
  std::string str(const std::string& name, const std::string& fallback) {
    used_[name] = true;
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  std::string str(const std::string& name) {
    std::string v = str(name, "");
    if (v.empty()) throw std::invalid_argument("--" + name + " is required");
    return v;
  }
  double num(const std::string& name, double fallback) {
    std::string v = str(name, "");
    return v.empty() ? fallback : std::stod(v);
  }
  std::size_t count(const std::string& name, std::size_t fallback) {
    return static_cast<std::size_t>(num(name, static_cast<double>(fallback)));
  }
  // Call after reading every option: catches typos that would silently use a default.
  void check_all_used() const {
    for (const auto& [name, value] : values_)
      if (!used_.count(name)) throw std::invalid_argument("unknown option --" + name);
  }
  const std::vector<std::string>& command() const { return command_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> used_;
  std::vector<std::string> command_;
};

}  // namespace loadgen
