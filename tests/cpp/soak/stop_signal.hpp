#pragma once
// The flag that ends the soak test's background loops, with a sleep that ends as soon as it
// is raised: stopping never waits out a long pause (an outage, a stall).

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace hotstate::soak {

class StopSignal {
 public:
  void raise() {
    {
      std::lock_guard lock(mutex_);
      raised_ = true;
    }
    changed_.notify_all();
  }
  bool raised() const {
    std::lock_guard lock(mutex_);
    return raised_;
  }
  // Sleeps for `duration` or until raised; true when it slept the whole time.
  bool sleep_for(std::chrono::milliseconds duration) const {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, duration, [&] { return raised_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool raised_ = false;
};

}  // namespace hotstate::soak
