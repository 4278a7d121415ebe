#pragma once
// One TCP connection that speaks either plain bytes or TLS, chosen when it is made.
//
// The server's sessions and the client's links are written once against this stream, so
// http:// and https:// share every line of protocol code, and plain TCP stays exactly what
// it was (the same beast::tcp_stream with the same timeouts underneath). A std::variant
// rather than a virtual interface or a template over the sessions: one branch per
// operation, no allocation, and the sessions stay ordinary classes in .cpp files.
//
// It is an AsyncStream (Beast's http:: and websocket:: run on it), next_layer() is the TCP
// stream in both modes (so beast::get_lowest_layer reaches its timeouts and socket), and
// the websocket teardown hooks below close TLS with close_notify before the socket.

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <utility>
#include <variant>

namespace hotstate::net {

class PlainOrTlsStream {
 public:
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using executor_type = boost::beast::tcp_stream::executor_type;

  // Plain TCP.
  explicit PlainOrTlsStream(boost::beast::tcp_stream tcp) : stream_(std::move(tcp)) {}
  // TLS over `tcp`, configured by `tls` (which must outlive this stream). The handshake is
  // the owner's job: tls().async_handshake(...) once TCP is connected.
  PlainOrTlsStream(boost::beast::tcp_stream tcp, boost::asio::ssl::context& tls)
      : stream_(std::in_place_type<TlsStream>, std::move(tcp), tls) {}

  bool is_tls() const { return std::holds_alternative<TlsStream>(stream_); }
  TlsStream& tls() { return std::get<TlsStream>(stream_); }

  // The TCP stream: the whole connection when plain, what TLS runs over otherwise.
  boost::beast::tcp_stream& next_layer() {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) return tls->next_layer();
    return std::get<boost::beast::tcp_stream>(stream_);
  }

  executor_type get_executor() { return next_layer().get_executor(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          std::visit([&](auto& s) { s.async_read_some(b, std::move(handler)); }, stream_);
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          std::visit([&](auto& s) { s.async_write_some(b, std::move(handler)); }, stream_);
        },
        token, buffers);
  }

  // For the websocket teardown hooks.
  template <class Fn>
  decltype(auto) visit(Fn&& fn) {
    return std::visit(std::forward<Fn>(fn), stream_);
  }

 private:
  std::variant<boost::beast::tcp_stream, TlsStream> stream_;
};

// How websocket::stream<PlainOrTlsStream> ends a connection: Beast's own teardown for the
// stream in use (TLS: close_notify, then the socket).
inline void teardown(boost::beast::role_type role, PlainOrTlsStream& stream, boost::system::error_code& ec) {
  stream.visit([&](auto& s) {
    using boost::beast::websocket::teardown;
    teardown(role, s, ec);
  });
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, PlainOrTlsStream& stream, TeardownHandler&& handler) {
  stream.visit([&](auto& s) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s, std::forward<TeardownHandler>(handler));
  });
}

}  // namespace hotstate::net
