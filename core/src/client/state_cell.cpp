#include "state_cell.hpp"

#include <algorithm>
#include <vector>

namespace hotstate::client {
namespace {

std::atomic<std::uint64_t> g_next_cell_id{1};

struct CachedState {
  std::uint64_t cell = 0;
  std::uint64_t version = 0;
  StatePtr state;
};

// Usually one entry (one client per process); a few when a thread reads several clients.
thread_local std::vector<CachedState> t_cache;

}  // namespace

StateCell::StateCell() : id_(g_next_cell_id.fetch_add(1)), state_(std::make_shared<State>()) {}

void StateCell::publish(StatePtr state) {
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
  version_.fetch_add(1, std::memory_order_release);
}

const StatePtr& StateCell::cached() const {
  std::uint64_t version = version_.load(std::memory_order_acquire);
  for (auto& entry : t_cache) {
    if (entry.cell != id_) continue;
    if (entry.version != version) {
      std::lock_guard lock(mutex_);
      entry.state = state_;
      entry.version = version_.load(std::memory_order_relaxed);
    }
    return entry.state;
  }
  std::lock_guard lock(mutex_);
  // A thread that reads several clients keeps one entry each; entries of clients closed
  // long ago are dropped first.
  if (t_cache.size() >= 8) t_cache.erase(t_cache.begin());
  t_cache.push_back(CachedState{id_, version_.load(std::memory_order_relaxed), state_});
  return t_cache.back().state;
}

const State& StateCell::current() const { return *cached(); }

StatePtr StateCell::current_shared() const { return cached(); }

}  // namespace hotstate::client
