#pragma once
// fork() and open clients. A pre-fork server (gunicorn, uWSGI, Celery) opens a client, then
// forks workers: each child has a copy of the client's memory but none of its threads (I/O,
// callbacks, cache writer), and a lock one of those threads held at that instant would stay
// locked forever in the child. This module makes such a client safe to keep using there:
//
// - Detection: each fork() bumps a process-wide generation in the child (pthread_atfork).
//   A core remembers the generation it started in, so an entry point spots an inherited
//   core with one relaxed atomic load of a line that nothing writes in the parent. (A
//   getpid() check would be a system call on every read since glibc 2.25.)
// - Consistency: around fork(), the parent takes every live core's locks that a child
//   needs (replica cell, status, callback registry) and releases them on both sides, so
//   the child finds them free and what they guard whole.
// - Rebirth (client.cpp): on the first use in the child, not inside the fork handler.
//
// Inherited cores are never destroyed in the child: their std::thread objects are
// joinable but the threads do not exist (destroying or joining them is undefined), so
// keep_forever() leaks them, one per client per fork.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "hotstate/client.hpp"

namespace hotstate::client {

namespace detail {
extern std::atomic<std::uint64_t> g_fork_generation;
}

// How many fork()s lie between the first process and this one (0 in the process that
// started the program). One relaxed load: cheap enough for every read.
inline std::uint64_t fork_generation() noexcept {
  return detail::g_fork_generation.load(std::memory_order_relaxed);
}

// A started core is registered so fork() can quiesce its locks (Core::lock_for_fork).
void register_for_fork(Client::Core* core);
void unregister_for_fork(Client::Core* core);

// Held while a client replaces its inherited core; fork() takes it too, so a fork never
// copies a half-made rebirth.
std::mutex& rebirth_mutex();

// An inherited core, kept (never destroyed) until the process ends.
void keep_forever(std::shared_ptr<Client::Core> inherited);

}  // namespace hotstate::client
