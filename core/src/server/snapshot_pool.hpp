#pragma once
// Snapshot sharing and admission control (docs/server.md, "Snapshots").
//
// Sharing: sessions that need the same snapshot (SnapshotKey) while one is being sent get
// the same SharedSnapshot, built and encoded once. The pool holds only weak_ptrs: a
// snapshot goes away with its last reader.
// Admission: at most --max-concurrent-snapshots distinct snapshots exist at once (each
// holds an encoded copy of what it selects). A session that needs another one waits in a
// FIFO queue until one ends; joining a snapshot that already exists never waits. When a
// waiting session is admitted, every other waiting session that needs the same snapshot
// is admitted with it.
// Everything runs on the server's one io_context thread.

#include <boost/asio/io_context.hpp>
#include <deque>
#include <map>
#include <memory>
#include <span>

#include "shared_snapshot.hpp"
#include "snapshot_key.hpp"

namespace hotstate {
class Store;
}

namespace hotstate::server {

class StreamSession;
struct Metrics;

class SnapshotPool {
 public:
  // `max_concurrent`: --max-concurrent-snapshots. Snapshots select from `store`.
  SnapshotPool(boost::asio::io_context& io, const Store& store, Metrics& metrics, std::size_t max_concurrent);

  // The snapshot `selectors` select at the current revision, for `session` to send now:
  // shared with the sessions sending it already, or built. Null when the limit is reached:
  // the session waits, and StreamSession::snapshot_admitted is called later (from a handler
  // of its own, never from inside a call into the pool) unless cancel() comes first.
  std::shared_ptr<SharedSnapshot> request(StreamSession& session,
                                          std::span<const protocol::SelectorSpec> selectors);
  // `session` no longer waits (it closed, failed or unsubscribed). Harmless when it does not.
  void cancel(StreamSession& session);

 private:
  friend class SharedSnapshot;
  struct Waiter {
    StreamSession* session;
    std::vector<std::pair<std::string, std::string>> selectors;  // canonical
  };

  // A snapshot ended (its last reader is done): its slot is free.
  void finished(const SnapshotKey& key);
  SnapshotKey key_now(std::vector<std::pair<std::string, std::string>> selectors) const;
  std::shared_ptr<SharedSnapshot> share(const SnapshotKey& key);
  std::shared_ptr<SharedSnapshot> build(const SnapshotKey& key);
  void schedule_admission();
  void admit_waiting();
  void update_queue_gauge();

  boost::asio::io_context& io_;
  const Store& store_;
  Metrics& metrics_;
  std::size_t max_concurrent_;
  std::map<SnapshotKey, std::weak_ptr<SharedSnapshot>> live_;
  std::size_t active_ = 0;  // snapshots alive (built and not yet finished)
  std::deque<Waiter> waiting_;
  bool admission_scheduled_ = false;
};

}  // namespace hotstate::server
