#include "status_board.hpp"

#include "dispatcher.hpp"

namespace hotstate::client {

StatusBoard::StatusBoard(Dispatcher& dispatcher) : dispatcher_(dispatcher) { status_.state = LinkState::Connecting; }

ClientStatus StatusBoard::snapshot() const {
  std::lock_guard lock(mutex_);
  ClientStatus copy = status_;
  if (last_contact_)
    copy.since_last_contact = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *last_contact_);
  return copy;
}

bool StatusBoard::wait_until(std::chrono::milliseconds timeout,
                             const std::function<bool(const ClientStatus&)>& done) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(status_); });
}

LinkState StatusBoard::link_state() const {
  std::lock_guard lock(mutex_);
  return status_.state;
}

void StatusBoard::update(const std::function<void(ClientStatus&)>& change) {
  {
    std::lock_guard lock(mutex_);
    change(status_);
    refresh_freshness();
  }
  changed_.notify_all();
}

void StatusBoard::set_link_state(LinkState next, std::string error) {
  ClientStatus copy;
  {
    std::lock_guard lock(mutex_);
    if (!error.empty()) status_.last_error = std::move(error);
    if (status_.state == next || status_.state == LinkState::Closed) return;
    status_.state = next;
    refresh_freshness();
    copy = status_;
  }
  changed_.notify_all();
  if (next != LinkState::Closed) dispatcher_.post_status(copy);  // no callback runs after close()
}

void StatusBoard::mark_live() {
  if (auto status = go_live({})) dispatcher_.post_status(*status);
}

std::optional<ClientStatus> StatusBoard::go_live(const std::function<void(ClientStatus&)>& change) {
  std::optional<ClientStatus> told;
  {
    std::lock_guard lock(mutex_);
    if (change) change(status_);
    if (!live_since_) live_since_ = Clock::now();
    status_.reconnect_attempts = 0;
    if (status_.state != LinkState::Live && status_.state != LinkState::Closed) {
      status_.state = LinkState::Live;
      told = status_;
    }
    refresh_freshness();
  }
  changed_.notify_all();
  return told;
}

bool StatusBoard::link_was_stable(std::chrono::milliseconds stable_after) {
  std::lock_guard lock(mutex_);
  bool stable = live_since_ && Clock::now() - *live_since_ >= stable_after;
  live_since_.reset();
  return stable;
}

void StatusBoard::heard_from_server() {
  std::lock_guard lock(mutex_);
  last_contact_ = Clock::now();
}

void StatusBoard::inherit(const StatusBoard& parent) {
  {
    std::scoped_lock lock(mutex_, parent.mutex_);
    status_ = parent.status_;
    // The replica carries over; the link is this process's own, counted from zero.
    status_.state = LinkState::Connecting;
    status_.connects = 0;
    status_.reconnect_attempts = 0;
    status_.last_error.clear();
    refresh_freshness();
  }
  changed_.notify_all();
}

void StatusBoard::mark_closed(std::string why) {
  {
    std::lock_guard lock(mutex_);
    status_.state = LinkState::Closed;
    if (!why.empty()) status_.last_error = std::move(why);
    refresh_freshness();
  }
  changed_.notify_all();
}

void StatusBoard::refresh_freshness() {
  Freshness now = Freshness::NotReady;
  if (status_.state == LinkState::Live)
    now = Freshness::Live;
  else if (status_.source == DataSource::Cache)
    now = Freshness::Cached;
  else if (status_.source == DataSource::Server)
    now = Freshness::Stale;
  freshness_.store(now, std::memory_order_relaxed);
}

}  // namespace hotstate::client
