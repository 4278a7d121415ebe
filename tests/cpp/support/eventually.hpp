#pragma once
// Polls a condition that another thread or process makes true (callbacks, replicas,
// servers), for at most `timeout`. Tests assert on its result, never on how long it took.

#include <chrono>
#include <functional>
#include <thread>

namespace hotstate::testing {

inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace hotstate::testing
