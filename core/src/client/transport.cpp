#include "transport.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <utility>

#include <unistd.h>

#include "hotstate/protocol.hpp"
#include "net/plain_or_tls_stream.hpp"
#include "net/resolve.hpp"
#include "net/tls_client.hpp"
#include "replica_sync.hpp"
#include "status_board.hpp"

namespace hotstate::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Bytes read from the stream at a time (see session()).
constexpr std::size_t kReadPiece = 64 * 1024;

// The server cannot be used over this link (refused the upgrade, failed the TLS check).
struct LinkError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The server answered the upgrade with an HTTP error (503 at --max-connections, 400 from a
// TLS port spoken to in plain text, ...): its JSON error message says why.
std::string refusal_text(const beast::websocket::response_type& response) {
  std::string text = "server refused the stream (HTTP " + std::to_string(response.result_int()) + ")";
  boost::json::error_code ec;
  auto doc = boost::json::parse(response.body(), ec);
  if (!ec && doc.is_object())
    if (const auto* error = doc.as_object().if_contains("error"); error && error->is_object())
      if (const auto* message = error->as_object().if_contains("message"); message && message->is_string())
        return text + ": " + std::string(message->as_string());
  return text;
}

// The TLS handshake of a connected wss:// link; a failure says what was wrong with the
// certificate (or the server) rather than only "handshake failed".
awaitable<void> tls_handshake(net::PlainOrTlsStream& stream, const net::ServerUrl& server) {
  auto& tls = stream.tls();
  net::expect_server_identity(tls, server.host);
  boost::system::error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
  if (ec) throw LinkError(net::describe_tls_failure(tls, ec, server.host));
}

}  // namespace

Transport::Transport(const ClientOptions& options, const std::vector<net::ServerUrl>& servers,
                     std::shared_ptr<asio::ssl::context> tls_context, ReplicaSync& sync, StatusBoard& board)
    : options_(options), servers_(servers), tls_context_(std::move(tls_context)), sync_(sync), board_(board) {}

Transport::~Transport() {
  // Only a transport inherited through fork() is left running, and it is never destroyed
  // (fork_guard.hpp); a thread object naming the parent's thread must not be joined.
  if (thread_.joinable()) thread_.detach();
}

void Transport::start(std::shared_ptr<const void> owner) {
  asio::co_spawn(io_, run(), asio::detached);
  thread_ = std::thread([this, owner = std::move(owner)] { io_.run(); });
}

void Transport::close() {
  if (closing_.exchange(true)) return;
  asio::post(io_, [this] {
    backoff_timer_.cancel();
    watchdog_timer_.cancel();
    if (close_link_) close_link_();
  });
  if (thread_.joinable()) thread_.join();
}

void Transport::reconnect_now() {
  // Runs on the I/O thread, which close() joins before this transport can go away.
  asio::post(io_, [this] {
    backoff_timer_.cancel();  // a pending backoff ends at once
    // The link about to be dropped is followed by an attempt at once, not by a backoff
    // delay of up to backoff_max: the application knows the network is back.
    reconnect_requested_ = close_link_ != nullptr;
    if (close_link_) {
      drop_reason_ = "reconnect requested by the application";
      close_link_();
    }
  });
}

void Transport::release_inherited() {
  closing_ = true;
  std::lock_guard lock(link_mutex_);
  if (link_fd_ >= 0) ::close(link_fd_);  // the parent's socket stays open in the parent
  link_fd_ = -1;
}

void Transport::set_link_fd(int fd) {
  std::lock_guard lock(link_mutex_);
  link_fd_ = fd;
}

awaitable<void> Transport::run() {
  std::size_t server_index = 0;
  auto delay = options_.backoff_initial;
  while (!closing_) {
    const auto& server = servers_[server_index % servers_.size()];
    board_.update([&](ClientStatus& s) { s.server_url = server.text; });
    std::string error;
    drop_reason_.clear();
    try {
      co_await session(server);
    } catch (const boost::system::system_error& e) {
      error = server.text + ": " + e.code().message();
    } catch (const std::exception& e) {
      error = server.text + ": " + e.what();
    }
    if (!drop_reason_.empty()) error = drop_reason_;  // we dropped the link ourselves: say why
    close_link_ = nullptr;
    sync_.link_ended();
    if (closing_) break;

    if (board_.link_was_stable(options_.stable_after)) delay = options_.backoff_initial;
    board_.update([](ClientStatus& s) { ++s.reconnect_attempts; });
    board_.set_link_state(LinkState::Offline, error.empty() ? "connection closed by the server" : error);
    // Full jitter: anywhere between zero and the current cap, so restarted servers are
    // not hit by every client at once.
    if (!std::exchange(reconnect_requested_, false)) {
      std::uniform_int_distribution<long long> pick(0, delay.count());
      backoff_timer_.expires_after(std::chrono::milliseconds(pick(rng_)));
      boost::system::error_code ignored;
      co_await backoff_timer_.async_wait(asio::redirect_error(use_awaitable, ignored));
      delay = std::min(delay * 2, options_.backoff_max);
    }
    reconnect_requested_ = false;
    ++server_index;
  }
}

awaitable<void> Transport::session(const net::ServerUrl& server) {
  board_.set_link_state(LinkState::Connecting);
  // A host-name lookup blocks this thread (fork safety: net/resolve.hpp). Nothing else
  // waits on it while the link is down, and close() waited for Asio's resolver thread too.
  boost::system::error_code resolve_error;
  auto endpoints = net::resolve_endpoints(io_, server, resolve_error);
  if (resolve_error) throw std::runtime_error("cannot resolve host '" + server.host + "': " + resolve_error.message());
  beast::websocket::stream<net::PlainOrTlsStream> ws(server.tls
                                                         ? net::PlainOrTlsStream(beast::tcp_stream(io_), *tls_context_)
                                                         : net::PlainOrTlsStream(beast::tcp_stream(io_)));
  close_link_ = [this, &ws] {
    std::lock_guard lock(link_mutex_);  // see link_fd_
    link_fd_ = -1;
    beast::get_lowest_layer(ws).close();
  };
  struct ClearLink {
    Transport* transport;
    ~ClearLink() {
      if (transport->close_link_) transport->close_link_();  // before `ws` goes: closed under the lock too
      transport->close_link_ = nullptr;
    }
  } clear_link{this};
  if (closing_) co_return;
  beast::get_lowest_layer(ws).expires_after(options_.connect_timeout);
  co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
  set_link_fd(beast::get_lowest_layer(ws).socket().native_handle());
  beast::get_lowest_layer(ws).socket().set_option(asio::ip::tcp::no_delay(true));
  if (server.tls) co_await tls_handshake(ws.next_layer(), server);
  beast::websocket::response_type upgrade;
  boost::system::error_code ec;
  co_await ws.async_handshake(upgrade, server.host_header, "/v1/stream", asio::redirect_error(use_awaitable, ec));
  if (ec == beast::websocket::error::upgrade_declined) throw LinkError(refusal_text(upgrade));
  if (ec) throw boost::system::system_error(ec);
  beast::get_lowest_layer(ws).expires_never();
  ws.read_message_max(protocol::kMaxFrameBytes + 1024);
  ws.binary(true);

  auto hello = protocol::encode_hello(options_.client_name, options_.token);
  co_await ws.async_write(asio::buffer(hello->bytes().data(), hello->size()), use_awaitable);

  std::uint64_t this_link = ++link_number_;
  last_frame_ = Clock::now();
  board_.set_link_state(LinkState::Syncing);

  beast::flat_buffer buffer;
  for (;;) {
    // Read in pieces, not whole messages: any bytes from the server prove the link alive.
    // Counting only whole messages made a large frame through a slow link (a big record,
    // a catch-up) look like a dead link to the watchdog, which dropped it, resumed, got
    // the same large frame again, and so on forever.
    co_await ws.async_read_some(buffer, kReadPiece, use_awaitable);
    last_frame_ = Clock::now();
    board_.heard_from_server();
    if (!ws.is_message_done()) continue;
    if (!ws.got_binary()) throw LinkError("server sent a text message");
    auto data = buffer.cdata();
    sync_.on_message({static_cast<const std::uint8_t*>(data.data()), data.size()});
    buffer.consume(buffer.size());
    if (auto subscribe = sync_.take_subscribe()) {
      co_await ws.async_write(asio::buffer(subscribe->bytes().data(), subscribe->size()), use_awaitable);
      // Started once Welcome told us the heartbeat, so its period fits stale_after.
      asio::co_spawn(io_, watchdog(this_link), asio::detached);
    }
  }
}

awaitable<void> Transport::watchdog(std::uint64_t this_link) {
  // Checks a few times per stale period: STALE after `stale_after` without a frame,
  // and the link is dropped (and resumed elsewhere or later) after twice that.
  while (!closing_ && link_number_ == this_link && close_link_) {
    auto stale_after = sync_.stale_after();
    watchdog_timer_.expires_after(std::max<std::chrono::milliseconds>(stale_after / 4, 5ms));
    boost::system::error_code ec;
    co_await watchdog_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (closing_ || link_number_ != this_link || !close_link_) co_return;
    auto silent = Clock::now() - last_frame_;
    if (silent >= 2 * stale_after) {
      drop_reason_ = "no frame from the server for " +
                     std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) +
                     " ms (half-open link?); reconnecting";
      board_.set_link_state(LinkState::Stale, drop_reason_);
      close_link_();
      co_return;
    }
    if (silent >= stale_after && board_.link_state() == LinkState::Live)
      board_.set_link_state(LinkState::Stale, "no frame from the server within the stale timeout");
  }
}

}  // namespace hotstate::client
