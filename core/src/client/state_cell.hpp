#pragma once
// Where the current replica state is published for readers.
//
// Readers must not contend with each other or with the I/O thread: each reader thread
// keeps its own reference to the last state it saw together with that state's version
// number. A read loads the cell's version (one atomic load of a line that only changes
// when a new state is published); when it matches, the thread's cached state is used with
// no write to shared memory at all. Only after a publish does a reader take the short
// mutex to pick the new state up. The price: a thread keeps the last state it read alive
// until its next read (or its exit).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "replica.hpp"

namespace hotstate::client {

class StateCell {
 public:
  StateCell();
  void publish(StatePtr state);
  // The current state, through the calling thread's cache.
  const State& current() const;
  // The current state as an owning pointer (for ReadTxn): one reference count more, no lock.
  StatePtr current_shared() const;

  // Held across fork() (fork_guard.hpp): the child must not inherit it locked by a
  // publish in flight.
  void lock_for_fork() { mutex_.lock(); }
  void unlock_after_fork() { mutex_.unlock(); }

 private:
  const StatePtr& cached() const;  // the calling thread's entry, refreshed when stale

  const std::uint64_t id_;  // unique per cell, so cached entries of dead cells never match
  std::atomic<std::uint64_t> version_{0};
  mutable std::mutex mutex_;
  StatePtr state_;
};

}  // namespace hotstate::client
