#pragma once
// Watches another process from a thread of its own: samples its resident memory (VmRSS in
// /proc/<pid>/status) and notices when it is gone or a zombie, i.e. it died.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "stop_signal.hpp"

namespace hotstate::soak {

class ProcessWatch {
 public:
  struct Sample {
    std::chrono::steady_clock::time_point at;
    std::uint64_t rss_bytes = 0;
  };

  ProcessWatch(int pid, std::chrono::milliseconds period);
  ~ProcessWatch();  // stops sampling
  ProcessWatch(const ProcessWatch&) = delete;
  ProcessWatch& operator=(const ProcessWatch&) = delete;

  // Empty while the process looked alive at every sample; else what was seen.
  std::string death() const;
  std::uint64_t max_rss_bytes() const;
  // The largest sample taken in [from, to).
  std::uint64_t max_rss_bytes_between(std::chrono::steady_clock::time_point from,
                                      std::chrono::steady_clock::time_point to) const;

 private:
  void sample();

  int pid_;
  StopSignal stop_;
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  std::string death_;
  std::thread thread_;
};

}  // namespace hotstate::soak
