#include "process_watch.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace hotstate::soak {

ProcessWatch::ProcessWatch(int pid, std::chrono::milliseconds period) : pid_(pid) {
  sample();
  thread_ = std::thread([this, period] {
    while (stop_.sleep_for(period)) sample();
  });
}

ProcessWatch::~ProcessWatch() {
  stop_.raise();
  thread_.join();
}

void ProcessWatch::sample() {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line, state;
  std::uint64_t rss_kib = 0;
  bool has_rss = false;
  while (std::getline(status, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name == "State:") fields >> state;
    if (name == "VmRSS:") has_rss = static_cast<bool>(fields >> rss_kib);
  }
  std::lock_guard lock(mutex_);
  if (!death_.empty()) return;
  // A process that exited (or was killed) and was not reaped yet is a zombie without VmRSS.
  if (!status.eof() || state.empty()) {
    death_ = "pid " + std::to_string(pid_) + " is gone";
  } else if (state == "Z" || state == "X" || !has_rss) {
    death_ = "pid " + std::to_string(pid_) + " exited (state " + state + ")";
  } else {
    samples_.push_back({std::chrono::steady_clock::now(), rss_kib * 1024});
  }
}

std::string ProcessWatch::death() const {
  std::lock_guard lock(mutex_);
  return death_;
}

std::uint64_t ProcessWatch::max_rss_bytes() const {
  return max_rss_bytes_between(std::chrono::steady_clock::time_point::min(),
                               std::chrono::steady_clock::time_point::max());
}

std::uint64_t ProcessWatch::max_rss_bytes_between(std::chrono::steady_clock::time_point from,
                                                  std::chrono::steady_clock::time_point to) const {
  std::lock_guard lock(mutex_);
  std::uint64_t most = 0;
  for (const auto& s : samples_)
    if (s.at >= from && s.at < to) most = std::max(most, s.rss_bytes);
  return most;
}

}  // namespace hotstate::soak
