#include "snapshot_pool.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "metrics.hpp"
#include "store/store.hpp"
#include "stream_session.hpp"

namespace hotstate::server {

SnapshotPool::SnapshotPool(boost::asio::io_context& io, const Store& store, Metrics& metrics,
                           std::size_t max_concurrent)
    : io_(io), store_(store), metrics_(metrics), max_concurrent_(max_concurrent) {}

SnapshotKey SnapshotPool::key_now(std::vector<std::pair<std::string, std::string>> selectors) const {
  return SnapshotKey{store_.epoch(), store_.revision(), std::move(selectors)};
}

std::shared_ptr<SharedSnapshot> SnapshotPool::request(StreamSession& session,
                                                      std::span<const protocol::SelectorSpec> selectors) {
  SnapshotKey key = key_now(canonical_selectors(selectors));
  if (auto snapshot = share(key)) return snapshot;
  // Behind sessions already waiting, even when a slot is free: it is theirs (FIFO).
  if (waiting_.empty() && active_ < max_concurrent_) return build(key);
  waiting_.push_back(Waiter{&session, std::move(key.selectors)});
  ++metrics_.snapshot_waits;
  update_queue_gauge();
  return nullptr;
}

void SnapshotPool::cancel(StreamSession& session) {
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiter& w) { return w.session == &session; });
  if (it == waiting_.end()) return;
  waiting_.erase(it);
  update_queue_gauge();
  // The next in line may fit now (this one may have been ahead of a joinable snapshot).
  schedule_admission();
}

std::shared_ptr<SharedSnapshot> SnapshotPool::share(const SnapshotKey& key) {
  auto it = live_.find(key);
  if (it == live_.end()) return nullptr;
  auto snapshot = it->second.lock();
  if (snapshot) ++metrics_.snapshot_shares;
  return snapshot;
}

std::shared_ptr<SharedSnapshot> SnapshotPool::build(const SnapshotKey& key) {
  std::vector<protocol::SelectorSpec> specs;
  for (const auto& [collection, prefix] : key.selectors) specs.push_back({collection, prefix});
  auto snapshot = std::make_shared<SharedSnapshot>(*this, metrics_, key, store_.select(specs));
  live_[key] = snapshot;
  ++active_;
  ++metrics_.snapshot_builds;
  metrics_.snapshots_in_progress = active_;
  return snapshot;
}

void SnapshotPool::finished(const SnapshotKey& key) {
  --active_;
  metrics_.snapshots_in_progress = active_;
  auto it = live_.find(key);
  if (it != live_.end() && it->second.expired()) live_.erase(it);
  schedule_admission();
}

void SnapshotPool::schedule_admission() {
  if (waiting_.empty() || admission_scheduled_) return;
  admission_scheduled_ = true;
  // Not now: finished() runs inside whatever dropped the last reader (a session in the
  // middle of its own work), and admitting calls into other sessions.
  boost::asio::post(io_, [this] { admit_waiting(); });
}

void SnapshotPool::admit_waiting() {
  admission_scheduled_ = false;
  std::vector<std::pair<StreamSession*, std::shared_ptr<SharedSnapshot>>> admitted;
  while (!waiting_.empty()) {
    SnapshotKey key = key_now(waiting_.front().selectors);
    auto snapshot = share(key);
    if (!snapshot) {
      if (active_ >= max_concurrent_) break;
      snapshot = build(key);
    }
    admitted.emplace_back(waiting_.front().session, snapshot);
    waiting_.pop_front();
    // Everyone else waiting for these bytes comes along: that needs no slot of its own.
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->selectors != key.selectors) {
        ++it;
        continue;
      }
      ++metrics_.snapshot_shares;
      admitted.emplace_back(it->session, snapshot);
      it = waiting_.erase(it);
    }
  }
  update_queue_gauge();
  for (auto& [session, snapshot] : admitted) session->snapshot_admitted(std::move(snapshot));
}

void SnapshotPool::update_queue_gauge() { metrics_.snapshot_queue_length = waiting_.size(); }

}  // namespace hotstate::server
