#include "net/http_client.hpp"

#include <cstdint>
#include <limits>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/resolve.hpp"
#include "net/plain_or_tls_stream.hpp"
#include "net/tls_client.hpp"

#ifndef HOTSTATE_VERSION_STRING
#define HOTSTATE_VERSION_STRING "0.1.0"
#endif

namespace hotstate::net {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

http::verb to_verb(Method method) {
  switch (method) {
    case Method::get: return http::verb::get;
    case Method::put: return http::verb::put;
    case Method::post: return http::verb::post;
    case Method::del: return http::verb::delete_;
  }
  return http::verb::unknown;
}

// beast::tcp_stream enforces expires_at only on asynchronous operations, so each step
// is started asynchronously and the io_context is run until it completes. Callers
// still get a plain blocking call.
template <class Start>
beast::error_code run_to_completion(net::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// What a server's idle-timeout close of a kept-alive connection looks like to us.
bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == net::ssl::error::stream_truncated;
}

}  // namespace

struct HttpClient::Connection {
  net::io_context io;
  // Made anew for each connection: a TLS session cannot be reused once its socket closed.
  std::optional<PlainOrTlsStream> stream;
  beast::flat_buffer buffer;
  bool open = false;

  beast::tcp_stream& tcp() { return stream->next_layer(); }

  void close() {
    if (stream) {
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp().close();
    }
    buffer.clear();
    open = false;
  }
};

HttpClient::HttpClient(ServerUrl server, Clock::duration timeout, std::shared_ptr<net::ssl::context> tls_context)
    : server_(std::move(server)),
      timeout_(timeout),
      tls_context_(std::move(tls_context)),
      connection_(std::make_unique<Connection>()) {
  if (server_.tls && !tls_context_) tls_context_ = make_client_tls_context("");
}

HttpClient::~HttpClient() = default;

namespace {

struct Attempt {
  beast::error_code error;
  const char* stage = "";
  bool got_response_bytes = false;
  HttpResponse response;
};

std::string timeout_text(Clock::duration timeout) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
}

}  // namespace

void HttpClient::handshake(Connection& conn) {
  auto& tls = conn.stream->tls();
  expect_server_identity(tls, server_.host);
  beast::error_code ec = run_to_completion(conn.io, [&](auto handler) {
    tls.async_handshake(net::ssl::stream_base::client, std::move(handler));
  });
  if (!ec) return;
  std::string reason = describe_tls_failure(tls, ec, server_.host);
  conn.close();
  if (ec == beast::error::timeout)
    throw NetworkError(NetworkError::Kind::timeout, "timed out after " + timeout_text(timeout_) +
                                                        " in the TLS handshake with " + server_.text);
  throw NetworkError(NetworkError::Kind::cannot_connect, "cannot connect to " + server_.text + ": " + reason);
}

HttpResponse HttpClient::request(Method method, const std::string& target,
                                 const std::optional<std::string>& body,
                                 const HeaderList& headers) {
  http::request<http::string_body> req{to_verb(method), target, 11};
  req.set(http::field::host, server_.host_header);
  req.set(http::field::user_agent, "hotstate/" HOTSTATE_VERSION_STRING);
  req.set(http::field::accept, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!bearer_token_.empty()) req.set(http::field::authorization, "Bearer " + bearer_token_);
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = *body;
  }
  req.prepare_payload();

  Connection& conn = *connection_;
  auto attempt = [&]() -> Attempt {
    const auto deadline = Clock::now() + timeout_;
    if (!conn.open) {
      beast::error_code ec;
      std::vector<tcp::endpoint> endpoints = resolve_endpoints(conn.io, server_, ec);
      if (ec)
        throw NetworkError(NetworkError::Kind::cannot_connect,
                           "cannot resolve host '" + server_.host + "' of " + server_.text + ": " + ec.message());
      if (server_.tls)
        conn.stream.emplace(beast::tcp_stream(conn.io), *tls_context_);
      else
        conn.stream.emplace(beast::tcp_stream(conn.io));
      conn.tcp().expires_at(deadline);
      ec = run_to_completion(conn.io, [&](auto handler) {
        conn.tcp().async_connect(endpoints, std::move(handler));
      });
      if (ec == beast::error::timeout)
        throw NetworkError(NetworkError::Kind::timeout, "timed out after " + timeout_text(timeout_) +
                                                            " connecting to " + server_.text);
      if (ec)
        throw NetworkError(NetworkError::Kind::cannot_connect,
                           "cannot connect to " + server_.text + ": " + ec.message());
      if (server_.tls) handshake(conn);
      conn.open = true;
    }

    conn.tcp().expires_at(deadline);
    beast::error_code ec = run_to_completion(
        conn.io, [&](auto handler) { http::async_write(*conn.stream, req, std::move(handler)); });
    if (ec) {
      conn.close();
      return {ec, "sending the request", false, {}};
    }

    http::response_parser<http::string_body> parser;
    // A page of large values can be big; the server already bounds it.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    conn.tcp().expires_at(deadline);
    ec = run_to_completion(conn.io, [&](auto handler) {
      http::async_read(*conn.stream, conn.buffer, parser, std::move(handler));
    });
    if (ec) {
      conn.close();
      return {ec, "reading the response", parser.got_some(), {}};
    }
    auto& res = parser.get();
    if (!res.keep_alive()) conn.close();
    return {{}, "", true, {res.result_int(), std::move(res.body())}};
  };

  const bool reusing = conn.open;
  Attempt result = attempt();
  // A kept-alive connection may have been closed by the server while we were idle. Only a
  // GET that got no reply at all is safe to send again on a fresh connection.
  if (result.error && reusing && method == Method::get && !result.got_response_bytes &&
      is_stale_connection_error(result.error))
    result = attempt();

  if (result.error == beast::error::timeout)
    throw NetworkError(NetworkError::Kind::timeout, "timed out after " + timeout_text(timeout_) +
                                                        " waiting for " + server_.text);
  if (result.error)
    throw NetworkError(NetworkError::Kind::broken_connection,
                       "connection to " + server_.text + " failed while " + result.stage + ": " +
                           result.error.message());
  return std::move(result.response);
}

}  // namespace hotstate::net
