#include "dispatcher.hpp"

#include <cstdio>
#include <exception>

namespace hotstate::client {
namespace {

bool selected(const ChangeFilter& filter, const RecordChange& change) {
  if (!filter.collection.empty() && change.collection != filter.collection) return false;
  if (filter.key && change.key != *filter.key) return false;
  if (!change.key.starts_with(filter.prefix)) return false;
  if (!filter.include_unchanged_values && change.before && change.after &&
      change.before->value == change.after->value)
    return false;
  return true;
}

RecordChange change_of(const RecordPtr& before, const RecordPtr& after) {
  const Record& any = after ? *after : *before;
  return RecordChange{any.collection, any.key, before, after};
}

void report_callback_error(const char* what) {
  std::fprintf(stderr, "hotstate: a callback threw an exception (ignored): %s\n", what);
}

}  // namespace

Dispatcher::Dispatcher(std::size_t queue_limit) : queue_limit_(std::max<std::size_t>(1, queue_limit)) {}

void Dispatcher::start() {
  std::lock_guard lock(mutex_);
  thread_ = std::thread([self = shared_from_this()] {
    self->thread_id_ = std::this_thread::get_id();
    self->run();
  });
}

// Only reached once the thread has ended (it holds a reference while it runs).
Dispatcher::~Dispatcher() = default;

SubscriptionId Dispatcher::add_change(ChangeFilter filter, ChangeCallback callback) {
  auto sub = std::make_shared<Subscription>();
  sub->filter = std::move(filter);
  sub->on_change = std::move(callback);
  std::lock_guard lock(mutex_);
  sub->first_sequence = next_sequence_;
  newest_subscription_ = next_sequence_;
  subscriptions_[next_id_] = std::move(sub);
  return next_id_++;
}

SubscriptionId Dispatcher::add_status(StatusCallback callback) {
  auto sub = std::make_shared<Subscription>();
  sub->on_status = std::move(callback);
  std::lock_guard lock(mutex_);
  subscriptions_[next_id_] = std::move(sub);
  return next_id_++;
}

void Dispatcher::adopt_subscriptions(Dispatcher& inherited) {
  // Moved, not shared: the inherited dispatcher is never destroyed in the child, and a
  // subscription's resources (a C caller's free_user_data) go when this one drops it.
  std::scoped_lock lock(mutex_, inherited.mutex_);
  subscriptions_ = std::move(inherited.subscriptions_);
  next_id_ = inherited.next_id_;
  next_sequence_ = inherited.next_sequence_;
  newest_subscription_ = inherited.newest_subscription_;
}

void Dispatcher::remove(SubscriptionId id) {
  std::unique_lock lock(mutex_);
  subscriptions_.erase(id);
  if (on_dispatcher_thread()) return;  // from inside a callback: cannot wait for itself
  idle_.wait(lock, [&] { return running_ != id; });
}

std::uint64_t Dispatcher::reserve_sequence() {
  std::lock_guard lock(mutex_);
  return next_sequence_++;
}

void Dispatcher::post_changes(std::uint64_t sequence, StatePtr before, StatePtr after, std::uint64_t revision,
                              bool reset, std::vector<RecordChange> changes) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (queued_changes_ >= queue_limit_) {
    // Merge into the newest waiting change batch: it will carry before..after as a diff.
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it)
      if (auto* last = std::get_if<ChangeEvent>(&*it)) {
        // Never merge across a subscription made since: it must see its later changes.
        if (last->sequence < newest_subscription_) break;
        last->after = std::move(after);
        last->revision = revision;
        last->reset = last->reset || reset;
        last->merged = true;
        last->changes.clear();
        return;
      }
  }
  queue_.push_back(ChangeEvent{sequence, std::move(before), std::move(after), revision, reset, false,
                               std::move(changes)});
  ++queued_changes_;
  wake_.notify_one();
}

void Dispatcher::post_status(const ClientStatus& status) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (!queue_.empty())
    if (auto* last = std::get_if<ClientStatus>(&queue_.back())) {
      *last = status;
      return;
    }
  queue_.push_back(status);
  wake_.notify_one();
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
    queued_changes_ = 0;
  }
  wake_.notify_all();
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    thread = std::move(thread_);
  }
  if (!thread.joinable()) return;
  if (thread.get_id() == std::this_thread::get_id())
    thread.detach();  // called from a callback: run() returns right after it
  else
    thread.join();
}

void Dispatcher::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Event event = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (auto* change = std::get_if<ChangeEvent>(&event)) {
      deliver(*change);
    } else {
      deliver(std::get<ClientStatus>(event));
    }
    lock.lock();
    if (std::holds_alternative<ChangeEvent>(event)) --queued_changes_;
  }
}

void Dispatcher::deliver(ChangeEvent& event) {
  std::vector<std::pair<SubscriptionId, std::shared_ptr<Subscription>>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, sub] : subscriptions_)
      if (sub->filter && event.sequence >= sub->first_sequence) targets.emplace_back(id, sub);
  }
  // Nobody to tell: skip the diff (an initial snapshot of a million records would cost
  // a walk of the whole new state).
  if (targets.empty()) return;
  if ((event.merged || event.changes.empty()) && event.before && event.after) {
    event.changes.clear();
    diff_states(*event.before, *event.after, [&](const RecordPtr& before, const RecordPtr& after) {
      event.changes.push_back(change_of(before, after));
    });
  }
  // Not `for (const auto& [id, sub] ...)`: clang before 16 cannot capture a structured
  // binding in a lambda, and the fuzz build (docs/fuzzing.md) uses clang 14.
  for (const auto& [id, subscription] : targets) {
    const auto& sub = subscription;
    ChangeBatch batch;
    batch.revision = event.revision;
    batch.reset = event.reset;
    batch.merged = event.merged;
    for (const auto& change : event.changes)
      if (selected(*sub->filter, change)) batch.changes.push_back(change);
    if (!batch.changes.empty()) invoke(id, [&] { sub->on_change(batch); });
  }
}

void Dispatcher::deliver(const ClientStatus& status) {
  std::vector<std::pair<SubscriptionId, std::shared_ptr<Subscription>>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, sub] : subscriptions_)
      if (sub->on_status) targets.emplace_back(id, sub);
  }
  for (const auto& [id, subscription] : targets) {
    const auto& sub = subscription;  // captured below (see deliver(ChangeEvent&))
    invoke(id, [&] { sub->on_status(status); });
  }
}

void Dispatcher::invoke(SubscriptionId id, const std::function<void()>& call) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !subscriptions_.count(id)) return;  // removed meanwhile
    running_ = id;
  }
  try {
    call();
  } catch (const std::exception& e) {
    report_callback_error(e.what());
  } catch (...) {
    report_callback_error("unknown exception");
  }
  {
    std::lock_guard lock(mutex_);
    running_ = 0;
  }
  idle_.notify_all();
}

}  // namespace hotstate::client
