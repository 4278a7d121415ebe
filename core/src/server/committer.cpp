#include "committer.hpp"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <span>

#include "log.hpp"

namespace hotstate::server {

Committer::Committer(boost::asio::io_context& io, Storage& storage, OnDurable on_durable)
    : io_(io), storage_(storage), on_durable_(std::move(on_durable)) {
  if (storage_.persistent()) thread_ = std::thread([this] { run(); });
}

Committer::~Committer() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Committer::submit(CommittedTxnPtr txn) {
  if (!thread_.joinable()) {
    storage_.commit(std::span<const CommittedTxnPtr>(&txn, 1));  // nothing to wait for
    ++stats_.groups;
    ++stats_.transactions;
    stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, 1);
    on_durable_(txn);
    return;
  }
  ++in_flight_;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(txn));
  }
  wake_.notify_one();
}

void Committer::run() {
  std::vector<CommittedTxnPtr> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything was handed back
      group.swap(queue_);
    }
    auto start = std::chrono::steady_clock::now();
    try {
      storage_.commit(group);
    } catch (const std::exception& e) {
      log(LogLevel::Error, "storage commit failed; stopping so that nothing unacknowledged is served",
          {{"error", e.what()}, {"first_revision", std::to_string(group.front()->revision)}});
      std::_Exit(74);  // EX_IOERR; a restart recovers what is durable
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    boost::asio::post(io_, [this, seconds, durable = std::move(group)] {
      in_flight_ -= durable.size();
      ++stats_.groups;
      stats_.transactions += durable.size();
      stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, durable.size());
      sync_latency_.observe(seconds);
      for (const auto& txn : durable) on_durable_(txn);
    });
    group = {};
  }
}

}  // namespace hotstate::server
