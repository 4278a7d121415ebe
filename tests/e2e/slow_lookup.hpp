#pragma once
// A stand-in for glibc's resolver locks, for the fork tests. This program's getaddrinfo()
// (slow_lookup.cpp) wraps the real one; while slow lookups are on, a lookup of "localhost"
// holds a process-wide lock for 300 ms, as glibc holds its interface-check lock inside
// getaddrinfo(). A child forked in that window inherits the lock held, and its own lookup
// would never return: what the fork guard must prevent (core/src/net/resolve.hpp).

namespace hotstate::testing {

void set_slow_localhost_lookups(bool on);

// A lookup of "localhost" is inside the lock right now.
bool localhost_lookup_in_progress();

// The lookup lock can be taken (checked by a child right after fork()).
bool lookup_lock_is_free();

}  // namespace hotstate::testing
