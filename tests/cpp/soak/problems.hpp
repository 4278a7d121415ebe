#pragma once
// What the soak test's background threads found wrong. The test thread turns them into
// gtest failures at the end, so every assertion is made from one thread and a fault that
// repeats a thousand times is reported once with its count.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hotstate::soak {

class Problems {
 public:
  // `kind` groups repeats ("bad frame: oversized"); `detail` is kept for the first few.
  void add(const std::string& kind, const std::string& detail) {
    std::lock_guard lock(mutex_);
    auto& entry = by_kind_[kind];
    if (entry.details.size() < kDetailsKept) entry.details.push_back(detail);
    ++entry.count;
  }

  // One line per kind: "<kind> (x<count>): <first details>".
  std::vector<std::string> report() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> lines;
    for (const auto& [kind, entry] : by_kind_) {
      std::string line = kind + " (x" + std::to_string(entry.count) + ")";
      for (const auto& detail : entry.details) line += "\n    " + detail;
      lines.push_back(std::move(line));
    }
    return lines;
  }

 private:
  static constexpr std::size_t kDetailsKept = 3;
  struct Entry {
    std::size_t count = 0;
    std::vector<std::string> details;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> by_kind_;
};

}  // namespace hotstate::soak
