#pragma once
// Opens many connections at most `limit` at a time: a burst of thousands of SYNs at once
// overflows the server's listen backlog and turns into 1 s retransmit stalls.

#include <cstddef>
#include <functional>
#include <memory>

namespace loadgen {

class Launcher : public std::enable_shared_from_this<Launcher> {
 public:
  // start(i, done) opens connection i and calls done() once it is ready.
  using StartFn = std::function<void(std::size_t index, std::function<void()> done)>;

  static void run(std::size_t count, std::size_t limit, StartFn start, std::function<void()> all_done) {
    if (count == 0) {
      all_done();
      return;
    }
    auto self = std::make_shared<Launcher>(count, std::move(start), std::move(all_done));
    for (std::size_t i = 0; i < limit && i < count; ++i) self->next();
  }

  Launcher(std::size_t count, StartFn start, std::function<void()> all_done)
      : count_(count), start_(std::move(start)), all_done_(std::move(all_done)) {}

 private:
  void next() {
    std::size_t i = started_++;
    // The completion holds the launcher alive until the last connection is ready.
    start_(i, [self = shared_from_this()] {
      if (++self->finished_ == self->count_) self->all_done_();
      else if (self->started_ < self->count_) self->next();
    });
  }
  std::size_t count_, started_ = 0, finished_ = 0;
  StartFn start_;
  std::function<void()> all_done_;
};

}  // namespace loadgen
