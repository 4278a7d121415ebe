#include "server.hpp"

#include <boost/asio/ip/address.hpp>
#include <cstdio>

#include "http_session.hpp"
#include "log.hpp"
#include "net/plain_or_tls_stream.hpp"
#include "tls_server_context.hpp"

namespace hotstate::server {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(asio::io_context& io, ServerConfig config, std::unique_ptr<Storage> storage)
    : io_(io),
      config_(std::move(config)),
      tls_context_(config_.tls() ? load_server_tls_context(config_.tls_cert_file, config_.tls_key_file) : nullptr),
      store_(std::move(storage),
             ChangelogRetention(config_.changelog_retain, std::chrono::seconds(config_.changelog_retain_seconds))),
      hub_(io, config_.heartbeat_ms),
      snapshots_(io, store_, metrics_, config_.max_concurrent_snapshots),
      acceptor_(io),
      grace_timer_(io),
      drain_timer_(io),
      trim_timer_(io),
      committer_(
          std::make_unique<Committer>(io, store_.storage(), [this](const CommittedTxnPtr& txn) { on_durable(txn); })),
      server_id_(hex64(random_u64())),
      stream_context_{store_, hub_, snapshots_, metrics_, config_.access, StreamLimits::from(config_), server_id_},
      started_(std::chrono::steady_clock::now()) {}

Server::~Server() = default;

void Server::start() {
  tcp::endpoint endpoint(asio::ip::make_address(config_.host), config_.port);
  if (config_.access.open()) {
    // Without tokens anyone who reaches the port may read and write everything: allow
    // that only where "anyone" means this machine.
    if (!endpoint.address().is_loopback())
      throw std::runtime_error("refusing to listen on " + config_.host +
                               " without API tokens: anyone could read and write every collection. "
                               "Configure tokens (--auth-file or --token; see docs/security.md) or "
                               "listen on 127.0.0.1 / ::1");
    log(LogLevel::Warn, "no API tokens configured: every local process may read and write everything",
        {{"listen", config_.host}});
  }
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  hub_.start_heartbeats();
  schedule_changelog_trim();
  accept_next();
}

void Server::when_durable(std::uint64_t revision, std::function<void()> fn) {
  if (revision <= store_.revision()) {
    fn();
    return;
  }
  durable_waiters_.emplace(revision, std::move(fn));
}

void Server::import(CommittedTxnPtr txn) {
  import_revision_ = txn->revision;
  committer_->submit(std::move(txn));
}

void Server::on_durable(const CommittedTxnPtr& txn) {
  store_.apply_durable(txn);
  ++metrics_.commits;
  if (txn->revision == import_revision_) {
    import_revision_ = 0;
    store_.forget_changelog_through(txn->revision);
    hub_.resync_all();
  } else {
    hub_.publish(*txn);
  }
  auto end = durable_waiters_.upper_bound(txn->revision);
  std::vector<std::function<void()>> ready;
  for (auto it = durable_waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
  durable_waiters_.erase(durable_waiters_.begin(), end);
  for (auto& fn : ready) fn();
}

void Server::schedule_changelog_trim() {
  // Retention by age also has to advance while nobody writes.
  if (store_.changelog_max_age().count() == 0) return;
  trim_timer_.expires_after(std::chrono::seconds(1));
  trim_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    store_.trim();
    schedule_changelog_trim();
  });
}

tcp::endpoint Server::local_endpoint() const { return acceptor_.local_endpoint(); }

std::size_t Server::open_connections() const {
  return metrics_.http_connections + metrics_.stream_connections;
}

double Server::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void Server::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) return;
      // Out of file descriptors and the like: say so, keep accepting.
      log(LogLevel::Warn, "accept failed", {{"error", ec.message()}});
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      bool over_limit = open_connections() >= config_.max_connections;
      if (over_limit) ++metrics_.rejected_connections;
      boost::beast::tcp_stream tcp(std::move(socket));
      auto stream = tls_context_ ? net::PlainOrTlsStream(std::move(tcp), *tls_context_)
                                 : net::PlainOrTlsStream(std::move(tcp));
      std::make_shared<HttpSession>(*this, std::move(stream), over_limit)->start();
    }
    if (!stopping_) accept_next();
  });
}

void Server::stop() {
  if (stopping_) return;
  stopping_ = true;
  log(LogLevel::Info, "shutting down", {{"revision", std::to_string(store_.revision())}});
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  trim_timer_.cancel();
  hub_.shutdown();
  std::vector<HttpSession*> sessions(http_sessions_.begin(), http_sessions_.end());
  for (HttpSession* session : sessions) session->shutdown();
  // Whoever has not finished by the end of the grace period is cut off.
  grace_timer_.expires_after(config_.shutdown_grace);
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) cut_off_remaining();
  });
  wait_for_drain();
}

void Server::cut_off_remaining() {
  log(LogLevel::Warn, "grace period over; closing remaining connections",
      {{"connections", std::to_string(open_connections())}});
  // Closing the sockets ends their pending operations: the sessions are destroyed by their
  // own handlers while this server (which they refer to) is still alive, and run() returns
  // once wait_for_drain() sees none left. Stopping the io_context instead left them to be
  // destroyed with it, after the server.
  std::vector<HttpSession*> sessions(http_sessions_.begin(), http_sessions_.end());
  for (HttpSession* session : sessions) session->cut_off();
  hub_.cut_off_all();
  // Last resort, should a connection still not end.
  grace_timer_.expires_after(std::chrono::seconds(2));
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    log(LogLevel::Error, "connections still open after being cut off; stopping",
        {{"connections", std::to_string(open_connections())}});
    io_.stop();
  });
}

void Server::wait_for_drain() {
  if (open_connections() == 0) {
    grace_timer_.cancel();  // nothing left: let run() return now
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(10));
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) wait_for_drain();
  });
}

}  // namespace hotstate::server
