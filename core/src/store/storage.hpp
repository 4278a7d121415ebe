#pragma once
// Where committed history is kept. The Store holds the live state in memory and hands
// every commit to a Storage before acknowledging it; a durable engine persists it, the
// memory engine keeps nothing. One Storage per data directory / process.
//
// Threads: open() runs first, alone. Afterwards commit() is called from one thread at a
// time (the committer), while trim_changelog() and stats() may be called from another
// thread (the server's) at the same time.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hotstate/record.hpp"

namespace hotstate {

// What a Storage hands back at start: the history to continue.
struct RecoveredState {
  std::uint64_t epoch = 0;
  std::uint64_t revision = 0;
  std::vector<RecordPtr> records;
  std::vector<CommittedTxnPtr> changelog;  // oldest first, contiguous, ending at `revision`
  std::uint64_t replaced_epoch = 0;        // non-zero when open() gave the history a new epoch
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual const char* engine_name() const = 0;
  virtual bool persistent() const = 0;
  // Called once, before anything else. Throws std::runtime_error with a clear message.
  virtual RecoveredState open() = 0;
  // Makes a group of transactions durable at once (group commit: one write, one sync):
  // consecutive revisions, oldest first, each following the last one committed (the first
  // commit into an empty history may start at any revision: an import). Returns
  // only once all of them are durable; throws if it cannot say so (the server then stops:
  // what was not acknowledged may or may not have reached the disk, never half a txn).
  virtual void commit(std::span<const CommittedTxnPtr> group) = 0;
  // Change-log entries with revision <= `revision` may be forgotten (the engine may do the
  // work in the background). Never called with a revision above the last committed one.
  virtual void trim_changelog(std::uint64_t revision) = 0;
  // For /v1/status and /metrics: bytes the engine keeps on disk (0 for memory).
  virtual std::uint64_t disk_bytes() const { return 0; }
};

// Keeps nothing: every start is a new history with a fresh random epoch.
std::unique_ptr<Storage> make_memory_storage();

// A random, non-zero 64-bit number (epochs, server ids).
std::uint64_t random_u64();

}  // namespace hotstate
