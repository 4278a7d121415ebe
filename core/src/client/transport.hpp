#pragma once
// The client's link to its servers: an I/O thread that connects (TCP, TLS, WebSocket
// upgrade), sends Hello and Subscribe, hands every message to the ReplicaSync, watches for
// silence (STALE, then a dropped half-open link), and reconnects with jittered exponential
// backoff, trying the servers in turn. Owns the socket and everything Asio; knows nothing
// of records or frames beyond Hello.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "hotstate/client.hpp"
#include "net/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hotstate::client {

class ReplicaSync;
class StatusBoard;

class Transport {
 public:
  // `tls_context` may be null when no URL is https://. The references must outlive this.
  Transport(const ClientOptions& options, const std::vector<net::ServerUrl>& servers,
            std::shared_ptr<boost::asio::ssl::context> tls_context, ReplicaSync& sync, StatusBoard& board);
  ~Transport();

  // Starts the I/O thread; it holds `owner` (whatever owns this transport) until it ends.
  void start(std::shared_ptr<const void> owner);
  // Closes the link and joins the I/O thread. Idempotent.
  void close();
  // Drops the open link (if any) and tries again at once, without a backoff delay.
  void reconnect_now();

  // fork() (fork_guard.hpp): held across it, so the child never copies a socket number
  // the parent has just closed (and may reuse).
  void lock_for_fork() { link_mutex_.lock(); }
  void unlock_after_fork() { link_mutex_.unlock(); }
  // In a child: closes only the child's copy of the inherited socket (never a shutdown or
  // a WebSocket close: the link is the parent's, still live), and touches no thread or timer.
  void release_inherited();

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> session(const net::ServerUrl& server);
  boost::asio::awaitable<void> watchdog(std::uint64_t link);
  void set_link_fd(int fd);

  const ClientOptions& options_;
  const std::vector<net::ServerUrl>& servers_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  ReplicaSync& sync_;
  StatusBoard& board_;

  boost::asio::io_context io_;
  std::thread thread_;
  std::atomic<bool> closing_{false};
  // Everything below belongs to the I/O thread, except link_fd_ (link_mutex_).
  boost::asio::steady_timer backoff_timer_{io_};
  boost::asio::steady_timer watchdog_timer_{io_};
  // Closes the open link (set while a session runs; the WebSocket stays in session()).
  std::function<void()> close_link_;
  std::mutex link_mutex_;
  int link_fd_ = -1;               // the open link's socket; -1: none
  std::uint64_t link_number_ = 0;  // increases per connection (ends watchdogs of old links)
  std::chrono::steady_clock::time_point last_frame_;
  std::string drop_reason_;  // set when this client closes the link itself
  // reconnect_now() asked for the next attempt to go at once, without a backoff delay.
  bool reconnect_requested_ = false;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace hotstate::client
