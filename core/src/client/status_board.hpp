#pragma once
// The client's status (ClientStatus): changed by the I/O thread (link state) and the
// replica (figures), read and waited on by any thread. Its mutex guards nothing else, and
// no other lock is taken while it is held (the dispatcher's only after it is released).
//
// Also keeps `freshness`, the summary evaluations read on every call without a lock.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "hotstate/client.hpp"

namespace hotstate::client {

class Dispatcher;

// How current the replica is, as an evaluation reports it (STALE, CACHED, not ready).
enum class Freshness : std::uint8_t { NotReady, Cached, Stale, Live };

class StatusBoard {
 public:
  using Clock = std::chrono::steady_clock;

  // Status changes are posted to `dispatcher` for status callbacks (it must outlive this).
  explicit StatusBoard(Dispatcher& dispatcher);

  ClientStatus snapshot() const;
  // Waits until done(status) holds (checked under the lock at every change) or the timeout.
  bool wait_until(std::chrono::milliseconds timeout, const std::function<bool(const ClientStatus&)>& done) const;
  LinkState link_state() const;
  Freshness freshness() const { return freshness_.load(std::memory_order_relaxed); }

  // Changes the status under the lock and wakes waiters; status callbacks are not told
  // (they hear of link state changes only).
  void update(const std::function<void(ClientStatus&)>& change);
  // The link's new state (and why, when `error` is set); status callbacks hear of a change.
  // Once CLOSED the state never changes again.
  void set_link_state(LinkState next, std::string error = {});
  // The replica is current with the server: LIVE, and the reconnect count starts over.
  void mark_live();
  // mark_live() and `change` in one step, so a waiter woken by the change (a revision
  // reached) never finds the link not yet LIVE. Status callbacks are not told here: the
  // caller posts the status returned (set when the link state changed) once the change
  // events it follows are posted.
  std::optional<ClientStatus> go_live(const std::function<void(ClientStatus&)>& change);
  // For the backoff: whether the link now ending was LIVE for at least `stable_after`.
  // Forgets when it went live, ready for the next link.
  bool link_was_stable(std::chrono::milliseconds stable_after);
  // A frame (or any bytes) just came from the server.
  void heard_from_server();

  // fork() (fork_guard.hpp): held across it, so the child finds the status whole.
  void lock_for_fork() { mutex_.lock(); }
  void unlock_after_fork() { mutex_.unlock(); }
  // In a forked child: the inherited board's figures; the link counts start from zero.
  void inherit(const StatusBoard& parent);
  // CLOSED for good, without telling callbacks (a child giving up an inherited client).
  void mark_closed(std::string why);

 private:
  void refresh_freshness();  // with mutex_ held

  Dispatcher& dispatcher_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  ClientStatus status_;
  std::optional<Clock::time_point> last_contact_;
  std::optional<Clock::time_point> live_since_;
  std::atomic<Freshness> freshness_{Freshness::NotReady};
};

}  // namespace hotstate::client
