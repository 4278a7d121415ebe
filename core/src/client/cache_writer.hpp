#pragma once
// Writes the published replica to the offline cache file (cache_file.hpp) on a thread of
// its own, every cache_interval when it moved, and once more at stop(). Readers never wait
// for cache I/O, and none of their locks is held while it runs. A write that fails is
// retried every interval and reported once (log and status.last_error).

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hotstate/client.hpp"

namespace hotstate::client {

class StateCell;
class StatusBoard;

class CacheWriter {
 public:
  // Reads options.cache_path, cache_interval and selectors; all three references must
  // outlive this.
  CacheWriter(const ClientOptions& options, const StateCell& cell, StatusBoard& board);
  ~CacheWriter();

  // Starts the thread; it holds `owner` (whatever owns this writer) until it ends.
  void start(std::shared_ptr<const void> owner);
  // Ends the thread and writes what is published now. Idempotent.
  void stop();
  // The file already holds (epoch, revision): not written again until the replica moves.
  void mark_written(std::uint64_t epoch, std::uint64_t revision);
  // Writes the published state now unless the file already holds it.
  void write_now();
  // Removes the file; the next write comes when the replica next changes (client.hpp).
  void wipe();

 private:
  void loop();

  const ClientOptions& options_;
  const StateCell& cell_;
  StatusBoard& board_;
  std::thread thread_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by wake_mutex_
  // Orders writes of the file and wipes (the thread, stop(), wipe() callers) and guards
  // the fields below.
  std::mutex file_mutex_;
  std::uint64_t written_epoch_ = 0, written_revision_ = 0;  // what the file holds (or held when wiped)
  // The last write failure, so a failure repeated every interval is logged once.
  std::string failure_;
};

}  // namespace hotstate::client
