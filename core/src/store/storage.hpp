#pragma once
// Where committed history is kept. The Store holds the live state in memory and hands
// every commit to a Storage before acknowledging it; a durable engine persists it, the
// memory engine keeps nothing. One Storage per data directory / process.

#include <cstdint>
#include <memory>
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
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual const char* engine_name() const = 0;
  virtual bool persistent() const = 0;
  // Called once, before anything else. Throws std::runtime_error with a clear message.
  virtual RecoveredState open() = 0;
  // Makes `txn` durable; returns only once it is. Throws on failure (nothing applied).
  virtual void commit(const CommittedTxn& txn) = 0;
  // Change-log entries with revision <= `revision` may be forgotten.
  virtual void trim_changelog(std::uint64_t revision) = 0;
};

// Keeps nothing: every start is a new history with a fresh random epoch.
std::unique_ptr<Storage> make_memory_storage();

// A random, non-zero 64-bit number (epochs, server ids).
std::uint64_t random_u64();

}  // namespace hotstate
