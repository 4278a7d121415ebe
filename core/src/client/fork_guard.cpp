#include "fork_guard.hpp"

#include "net/resolve.hpp"

#include <pthread.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "client_core.hpp"

namespace hotstate::client {

namespace detail {
std::atomic<std::uint64_t> g_fork_generation{0};
}

namespace {

// Never destroyed: a fork handler or a late rebirth may run during static destruction.
struct Registry {
  std::mutex mutex;
  std::vector<Client::Core*> cores;
  std::vector<std::shared_ptr<Client::Core>> inherited;  // see keep_forever
};

Registry& registry() {
  static auto* r = new Registry();
  return *r;
}

// The order every path takes these in: the resolver gate, rebirth mutex, registry mutex,
// then each core's own locks. No other code holds a core lock while waiting for one of the
// first three. The gate comes first: a fork waits for a host-name lookup of ours in
// progress (net/resolve.hpp) while holding nothing else.
void before_fork() {
  net::resolver_gate().lock();
  rebirth_mutex().lock();
  registry().mutex.lock();
  for (auto* core : registry().cores) core->lock_for_fork();
}

void release_after_fork() {
  for (auto* core : registry().cores) core->unlock_after_fork();
  registry().mutex.unlock();
  rebirth_mutex().unlock();
  net::resolver_gate().unlock();
}

void after_fork_in_parent() { release_after_fork(); }

void after_fork_in_child() {
  detail::g_fork_generation.fetch_add(1, std::memory_order_relaxed);
  release_after_fork();
}

void install_fork_handlers() {
  static const int installed = [] {
    int rc = pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_atfork");
    return rc;
  }();
  (void)installed;
}

}  // namespace

std::mutex& rebirth_mutex() {
  static auto* m = new std::mutex();
  return *m;
}

void register_for_fork(Client::Core* core) {
  install_fork_handlers();
  std::lock_guard lock(registry().mutex);
  registry().cores.push_back(core);
}

void unregister_for_fork(Client::Core* core) {
  std::lock_guard lock(registry().mutex);
  auto& cores = registry().cores;
  cores.erase(std::remove(cores.begin(), cores.end(), core), cores.end());
}

void keep_forever(std::shared_ptr<Client::Core> inherited) {
  std::lock_guard lock(registry().mutex);
  registry().inherited.push_back(std::move(inherited));
}

}  // namespace hotstate::client
