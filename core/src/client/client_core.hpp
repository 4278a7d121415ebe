#pragma once
// The machinery behind hotstate::Client: the I/O thread that keeps the stream (connect,
// Hello/Subscribe, apply frames, stale detection, reconnect with backoff), the published
// replica, status, the dispatcher and the cache writer.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "dispatcher.hpp"
#include "eval/flag.hpp"
#include "hotstate/client.hpp"
#include "hotstate/protocol.hpp"
#include "net/url.hpp"
#include "replica.hpp"
#include "state_cell.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hotstate {

struct Client::Core : std::enable_shared_from_this<Client::Core> {
  explicit Core(ClientOptions options);
  ~Core();
  void start();
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
  // In a child: gives up an inherited core for good. Closes only the child's copy of its
  // socket (never a shutdown or a WebSocket close: the link is the parent's, still live),
  // and never touches its threads, timers or condition variables.
  void release_inherited(std::string why = {});

  // ---- shared with reader threads ----
  client::StateCell cell;
  ClientStatus status_snapshot() const;
  bool wait_until(std::chrono::milliseconds timeout, const std::function<bool(const ClientStatus&)>& done) const;

  ClientOptions options;
  std::vector<net::ServerUrl> servers;
  // Whom https:// servers must prove themselves to (null when no URL is https).
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  std::shared_ptr<client::Dispatcher> dispatcher;
  std::atomic<std::size_t> preferred_server{0};  // for writes: the last one that answered

  // ---- I/O thread ----
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> session(const net::ServerUrl& server);
  boost::asio::awaitable<void> watchdog(std::uint64_t link);
  void handle_message(std::span<const std::uint8_t> message);
  // `batch_ends` gets the state after each batch but the last of a message (the state the
  // next one starts from), so every batch is an exact step between two states.
  void handle_frame(const wire::Frame& frame, client::StateBuilder*& delta, std::vector<ChangeBatch>& batches,
                    std::vector<client::StatePtr>& batch_ends);
  void refuse_going_back(std::uint64_t epoch, std::uint64_t revision) const;
  // Publishes a new replica and its figures in the status; `also` updates more of the
  // status under the same lock, so a waiter woken for the revision sees those too.
  void publish(std::shared_ptr<client::State> next, const std::function<void(ClientStatus&)>& also = {});
  // `next` with its flag index: the current state's, updated for what changed (flags whose
  // records changed are compiled now; broken ones are logged).
  client::StatePtr with_flags(std::shared_ptr<client::State> next) const;
  void set_state(LinkState state, std::string error = {});
  // The replica is current with the server: LIVE, and the backoff counters start over.
  void mark_live();
  void reconnect_now();
  void launch();  // starts the dispatcher, cache writer and I/O threads

  boost::asio::io_context io;
  std::thread io_thread;
  std::thread cache_thread;
  std::atomic<bool> closing{false};
  boost::asio::steady_timer backoff_timer{io};
  boost::asio::steady_timer watchdog_timer{io};
  // Closes the open link (set while a session runs; the WebSocket stays in client_core.cpp).
  std::function<void()> close_link;
  // The open link's socket (-1: none), guarded by status_mutex, so a fork never copies
  // a number the parent has just closed (and may reuse): a child closes its copy.
  int link_fd = -1;
  std::uint64_t link_number = 0;   // increases per connection (ends watchdogs of old links)
  std::chrono::steady_clock::time_point last_frame;
  std::chrono::steady_clock::time_point live_since;
  std::chrono::milliseconds stale_after{3000};
  std::string drop_reason;  // set when this client closes the link itself
  // reconnect_now() asked for the next attempt to go at once, without a backoff delay.
  bool reconnect_requested = false;
  client::StatePtr state;                       // what readers see (I/O thread's copy)
  std::optional<client::StateBuilder> snapshot; // a snapshot being received
  bool snapshot_reset = false;
  bool subscribed = false;
  std::mt19937_64 rng{std::random_device{}()};

  // ---- how current the replica is, for evaluations (read without a lock) ----
  enum class Freshness : std::uint8_t { NotReady, Cached, Stale, Live };
  std::atomic<Freshness> freshness{Freshness::NotReady};
  // Recomputes `freshness` from the status; called with status_mutex held.
  void refresh_freshness();
  FlagEvaluation evaluate(std::string_view collection, std::string_view key, const EvalContext& context,
                          eval::ValueType expected) const;

  // ---- status (guarded) ----
  mutable std::mutex status_mutex;
  mutable std::condition_variable status_changed;
  ClientStatus status;
  std::optional<std::chrono::steady_clock::time_point> last_contact;

  // ---- cache writer ----
  // The cache thread writes a snapshot of the published state (cell.current_shared()):
  // readers never wait for cache I/O, and no lock of theirs is held while it runs.
  std::mutex cache_mutex;
  std::condition_variable cache_wake;
  void cache_loop();
  void write_cache_now();
  // Removes the file; the next write comes when the replica next changes (client.hpp).
  void wipe_cache();
  // Orders writes of the file and wipes (cache thread, close(), wipe_cache() callers) and
  // guards the fields below.
  std::mutex cache_file_mutex;
  std::uint64_t cached_epoch = 0, cached_revision = 0;  // what the file holds (or held when wiped)
  // The last write failure, so a failure repeated every interval is logged once.
  std::string cache_write_failure;
};

}  // namespace hotstate
