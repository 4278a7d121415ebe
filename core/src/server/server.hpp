#pragma once
// hotstated: HTTP writes and WebSocket streams on one port, driven by one io_context
// thread. Every piece of state (store, sessions, metrics) lives on that thread, so nothing
// here takes a lock.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "config.hpp"
#include "hub.hpp"
#include "metrics.hpp"
#include "store/store.hpp"

namespace hotstate::server {

class HttpSession;

class Server {
 public:
  Server(boost::asio::io_context& io, ServerConfig config, std::unique_ptr<Storage> storage);
  ~Server();

  // Binds and starts accepting. Throws std::system_error when the address is unusable.
  void start();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Graceful stop: refuse new connections, close streams with "going away", finish the
  // HTTP responses in flight. The io_context runs out of work once everyone is gone (or
  // the grace period ends).
  void stop();
  bool stopping() const { return stopping_; }

  Store& store() { return store_; }
  Hub& hub() { return hub_; }
  Metrics& metrics() { return metrics_; }
  const ServerConfig& config() const { return config_; }
  const std::string& server_id() const { return server_id_; }
  double uptime_seconds() const;
  boost::asio::io_context& io() { return io_; }

  void register_http(HttpSession* session) { http_sessions_.insert(session); }
  void unregister_http(HttpSession* session) { http_sessions_.erase(session); }
  std::size_t open_connections() const;

 private:
  void accept_next();
  void wait_for_drain();

  boost::asio::io_context& io_;
  ServerConfig config_;
  Store store_;
  Metrics metrics_;
  Hub hub_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer drain_timer_;
  std::set<HttpSession*> http_sessions_;
  std::string server_id_;
  std::chrono::steady_clock::time_point started_;
  bool stopping_ = false;
};

}  // namespace hotstate::server
