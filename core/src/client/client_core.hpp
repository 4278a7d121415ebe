#pragma once
// The machinery behind hotstate::Client, assembled from parts that each own their state
// and their locks:
//   StateCell    the published replica state, for readers (state_cell.hpp)
//   StatusBoard  the status, its waiters and the evaluation freshness (status_board.hpp)
//   Dispatcher   change and status callbacks on a thread of their own (dispatcher.hpp)
//   ReplicaSync  the stream protocol without I/O: frames in, states out (replica_sync.hpp)
//   Transport    the I/O thread: connect, read, watchdog, reconnect (transport.hpp)
//   CacheWriter  the offline cache file (cache_writer.hpp)
// Core wires them together, starts and closes them in order, and carries a client across
// fork() (fork_guard.hpp). Client's methods reach the parts through it.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache_writer.hpp"
#include "dispatcher.hpp"
#include "eval/flag.hpp"
#include "hotstate/client.hpp"
#include "net/url.hpp"
#include "replica_sync.hpp"
#include "state_cell.hpp"
#include "status_board.hpp"
#include "transport.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hotstate {

struct Client::Core : std::enable_shared_from_this<Client::Core> {
  explicit Core(ClientOptions options);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Loads the offline cache (if any) and starts the threads.
  void start();
  // Stops the link, the cache writer (after a last write) and the callbacks. Idempotent.
  void close();

  // ---- fork() (fork_guard.hpp) ----
  // The generation of the process this core runs in; another value means the core was
  // inherited through fork() and its threads do not exist here.
  std::atomic<std::uint64_t> fork_generation;
  // Taken in the parent just before fork(), released on both sides after it.
  void lock_for_fork();
  void unlock_after_fork();
  // In a child, on a fresh core with the same options: serve the inherited replica at
  // once and resume the stream from its (epoch, revision), with the inherited callbacks.
  void start_in_child(Core& inherited);
  // In a child: gives up an inherited core for good (Transport::release_inherited), and
  // never touches its threads, timers or condition variables.
  void release_inherited(std::string why = {});

  FlagEvaluation evaluate(std::string_view collection, std::string_view key, const EvalContext& context,
                          eval::ValueType expected) const;

  // Declared in the order they are built: each part refers only to parts above it.
  const ClientOptions options;
  const std::vector<net::ServerUrl> servers;
  // Whom https:// servers must prove themselves to (null when no URL is https).
  const std::shared_ptr<boost::asio::ssl::context> tls_context;
  std::atomic<std::size_t> preferred_server{0};  // for writes: the last one that answered
  std::atomic<bool> closing{false};              // close() began: writes are refused
  client::StateCell cell;
  std::shared_ptr<client::Dispatcher> dispatcher;
  client::StatusBoard board;
  client::ReplicaSync sync;
  client::CacheWriter cache;
  client::Transport transport;

 private:
  void launch();  // starts the dispatcher, cache writer and transport
};

}  // namespace hotstate
