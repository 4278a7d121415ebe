#include "slow_lookup.hpp"

#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace {

std::atomic<bool> g_slow{false};
std::atomic<bool> g_inside{false};
pthread_mutex_t g_lookup_lock = PTHREAD_MUTEX_INITIALIZER;

using GetAddrInfo = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

GetAddrInfo real_getaddrinfo() {
  static auto real = reinterpret_cast<GetAddrInfo>(::dlsym(RTLD_NEXT, "getaddrinfo"));
  return real;
}

}  // namespace

// Calls from this program (the client library is linked in statically) bind to this
// definition; the real one is the next in the lookup order.
extern "C" int getaddrinfo(const char* __restrict node, const char* __restrict service,
                           const addrinfo* __restrict hints, addrinfo** __restrict result) {
  if (!g_slow.load() || node == nullptr || std::strcmp(node, "localhost") != 0)
    return real_getaddrinfo()(node, service, hints, result);
  pthread_mutex_lock(&g_lookup_lock);
  g_inside = true;
  ::usleep(300'000);
  int rc = real_getaddrinfo()(node, service, hints, result);
  g_inside = false;
  pthread_mutex_unlock(&g_lookup_lock);
  return rc;
}

namespace hotstate::testing {

void set_slow_localhost_lookups(bool on) { g_slow = on; }

bool localhost_lookup_in_progress() { return g_inside.load(); }

bool lookup_lock_is_free() {
  if (pthread_mutex_trylock(&g_lookup_lock) != 0) return false;
  pthread_mutex_unlock(&g_lookup_lock);
  return true;
}

}  // namespace hotstate::testing
