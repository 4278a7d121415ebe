#pragma once
// Makes staged transactions durable, then hands them back to the server thread in
// revision order.
//
// With a persistent Storage a committer thread takes everything queued, makes it durable
// with one Storage::commit (one WAL sync for the whole group: group commit) and posts the
// group back; writes that arrive during a sync form the next group. With the memory
// engine there is nothing to wait for, so submit() completes at once, on the caller's
// thread, without a thread hop.
//
// A failed commit stops the process: the server has already staged what came after it,
// and nothing it has not acknowledged may be served. Restarting recovers what is durable.

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hotstate/record.hpp"
#include "metrics.hpp"
#include "store/storage.hpp"

namespace hotstate::server {

struct CommitterStats {
  std::uint64_t groups = 0;        // Storage::commit calls
  std::uint64_t transactions = 0;  // transactions made durable
  std::uint64_t largest_group = 0;
};

class Committer {
 public:
  // Called on the server thread for each durable transaction, oldest first.
  using OnDurable = std::function<void(const CommittedTxnPtr&)>;

  Committer(boost::asio::io_context& io, Storage& storage, OnDurable on_durable);
  ~Committer();  // finishes what is queued, then joins
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Server thread. Transactions must come in revision order.
  void submit(CommittedTxnPtr txn);
  // Server thread: transactions submitted and not yet handed back.
  std::size_t in_flight() const { return in_flight_; }
  // Server thread (for /metrics).
  const CommitterStats& stats() const { return stats_; }
  const Histogram& sync_latency() const { return sync_latency_; }

 private:
  void run();

  boost::asio::io_context& io_;
  Storage& storage_;
  OnDurable on_durable_;
  // Server thread only:
  std::size_t in_flight_ = 0;
  CommitterStats stats_;
  Histogram sync_latency_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<CommittedTxnPtr> queue_;
  bool stopping_ = false;
  std::thread thread_;  // only for a persistent Storage
};

}  // namespace hotstate::server
