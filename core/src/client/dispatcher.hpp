#pragma once
// Runs change and status callbacks on one thread of their own, in revision order, from a
// bounded queue, so a slow callback never stalls the stream.
//
// When more than `queue_limit` change batches wait, the newest batches are merged into
// the last waiting one: the callback then receives one batch (merged = true) with the
// records that differ between the two states, computed from the replica's immutable
// states. Nothing is lost; only intermediate steps are skipped. Status updates waiting
// behind each other are collapsed to the latest.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include "hotstate/client.hpp"
#include "replica.hpp"

namespace hotstate::client {

class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
 public:
  explicit Dispatcher(std::size_t queue_limit);
  ~Dispatcher();
  // Starts the thread. The thread keeps the dispatcher alive until it ends, so stop()
  // from inside a callback is safe even if the owner goes away meanwhile.
  void start();

  SubscriptionId add_change(ChangeFilter filter, ChangeCallback callback);
  SubscriptionId add_status(StatusCallback callback);
  void remove(SubscriptionId id);

  // From the I/O thread, before the new state is published: numbers the coming change
  // event, so a subscription added after the publish (e.g. right after
  // wait_for_revision) never receives it.
  std::uint64_t reserve_sequence();
  // From the I/O thread. `changes` may be empty when `reset`: they are then computed.
  void post_changes(std::uint64_t sequence, StatePtr before, StatePtr after, std::uint64_t revision, bool reset,
                    std::vector<RecordChange> changes);
  void post_status(const ClientStatus& status);

  // Stops after the callback now running; pending events are dropped. Joins the thread
  // unless called from it (then the thread ends by itself once the callback returns).
  void stop();
  // In a forked child, before start(): takes over the subscriptions of the dispatcher the
  // child inherited (whose thread does not exist there), with their ids and order.
  void adopt_subscriptions(Dispatcher& inherited);
  // Held across fork() (fork_guard.hpp), so the child finds the registry whole and free.
  void lock_for_fork() { mutex_.lock(); }
  void unlock_after_fork() { mutex_.unlock(); }

  bool on_dispatcher_thread() const { return std::this_thread::get_id() == thread_id_.load(); }

 private:
  struct ChangeEvent {
    std::uint64_t sequence = 0;  // order of posting (the first one, for a merged batch)
    StatePtr before, after;
    std::uint64_t revision = 0;
    bool reset = false;
    bool merged = false;
    std::vector<RecordChange> changes;
  };
  using Event = std::variant<ChangeEvent, ClientStatus>;
  struct Subscription {
    std::uint64_t first_sequence = 0;    // sees change events posted after it was added
    std::optional<ChangeFilter> filter;  // set for change subscriptions
    ChangeCallback on_change;
    StatusCallback on_status;
  };

  void run();
  void deliver(ChangeEvent& event);
  void deliver(const ClientStatus& status);
  // Runs one callback unless its subscription was removed; tracks it for remove().
  void invoke(SubscriptionId id, const std::function<void()>& call);

  const std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Event> queue_;
  std::size_t queued_changes_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t newest_subscription_ = 0;  // first_sequence of the latest change subscription
  std::map<SubscriptionId, std::shared_ptr<Subscription>> subscriptions_;
  SubscriptionId next_id_ = 1;
  SubscriptionId running_ = 0;  // subscription whose callback runs now
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};  // set by the thread itself as it starts
};

}  // namespace hotstate::client
