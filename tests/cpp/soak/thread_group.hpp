#pragma once
// Background threads that run until their StopSignal is raised. The destructor raises and
// joins too, so a failed ASSERT in the test never leaves a thread running.

#include <thread>
#include <utility>
#include <vector>

#include "stop_signal.hpp"

namespace hotstate::soak {

class ThreadGroup {
 public:
  ThreadGroup() = default;
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;
  ~ThreadGroup() { stop(); }

  // `body` is called with the group's StopSignal.
  template <class Body>
  void start(Body body) {
    threads_.emplace_back([this, body = std::move(body)]() mutable { body(stop_); });
  }
  // Raises the signal and waits for every thread.
  void stop() {
    stop_.raise();
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
  }

 private:
  StopSignal stop_;
  std::vector<std::thread> threads_;
};

}  // namespace hotstate::soak
