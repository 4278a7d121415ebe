#pragma once
// hotstated: HTTP writes and WebSocket streams on one port, driven by one io_context
// thread. Every piece of state (store, sessions, metrics) lives on that thread, so nothing
// here takes a lock.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "committer.hpp"
#include "config.hpp"
#include "hub.hpp"
#include "metrics.hpp"
#include "snapshot_pool.hpp"
#include "store/store.hpp"
#include "stream_context.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hotstate::server {

class HttpSession;

class Server {
 public:
  // With config.tls(), loads the certificate and key (TlsConfigError when unusable).
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
  Committer& committer() { return *committer_; }
  // Runs `fn` (on this thread) once `revision` is durable and applied: at once if it is.
  // Write responses wait for this, so a 200 means durable.
  void when_durable(std::uint64_t revision, std::function<void()> fn);
  // Hands an import (Store::stage_import) to the committer; once durable, connected streams
  // resync with a snapshot instead of receiving it as one giant delta.
  void import(CommittedTxnPtr txn);
  // What stream sessions use of the server (they get this, never the Server).
  StreamContext& stream_context() { return stream_context_; }
  Metrics& metrics() { return metrics_; }
  const ServerConfig& config() const { return config_; }
  // The certificate and key connections are served with; null without --tls-cert.
  boost::asio::ssl::context* tls_context() { return tls_context_.get(); }
  const std::string& server_id() const { return server_id_; }
  double uptime_seconds() const;
  boost::asio::io_context& io() { return io_; }

  void register_http(HttpSession* session) { http_sessions_.insert(session); }
  void unregister_http(HttpSession* session) { http_sessions_.erase(session); }
  std::size_t open_connections() const;
  // Replies waiting for their revision to become durable (writes, imports).
  std::size_t pending_writes() const { return durable_waiters_.size(); }

 private:
  void accept_next();
  void wait_for_drain();
  // The shutdown grace period is over: closes every connection still open.
  void cut_off_remaining();
  // A transaction became durable: apply it, fan it out, release the replies waiting on it.
  void on_durable(const CommittedTxnPtr& txn);
  void schedule_changelog_trim();

  boost::asio::io_context& io_;
  ServerConfig config_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;
  Store store_;
  Metrics metrics_;
  Hub hub_;
  // Shared snapshots and the queue of sessions waiting for one (--max-concurrent-snapshots).
  SnapshotPool snapshots_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer trim_timer_;
  std::multimap<std::uint64_t, std::function<void()>> durable_waiters_;  // by revision
  std::uint64_t import_revision_ = 0;  // an import in flight
  std::unique_ptr<Committer> committer_;  // last: stops (and joins) first
  std::set<HttpSession*> http_sessions_;
  std::string server_id_;
  StreamContext stream_context_;  // after everything it refers to
  std::chrono::steady_clock::time_point started_;
  bool stopping_ = false;
};

}  // namespace hotstate::server
