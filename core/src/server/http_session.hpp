#pragma once
// One HTTP/1.1 connection: reads requests (bounded), answers them, and hands a
// /v1/stream upgrade over to a StreamSession. On a TLS port it first completes the TLS
// handshake (bounded by --tls-handshake-timeout-ms).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "http_api.hpp"
#include "net/plain_or_tls_stream.hpp"

namespace hotstate::server {

class Server;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `over_limit`: the server is at --max-connections; answer one request with 503.
  HttpSession(Server& server, net::PlainOrTlsStream stream, bool over_limit);
  ~HttpSession();
  void start();
  // Server stopping: close now if idle, else after the response being written.
  void shutdown();

 private:
  void tls_handshake();
  void answer_plain_http_on_tls_port();
  void read_request();
  void on_read(boost::beast::error_code ec);
  void send(Response response);
  void close();
  void close_tcp();

  Server& server_;
  net::PlainOrTlsStream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<Response> response_;
  std::string peer_;
  bool over_limit_;
  bool reading_ = false;
  bool close_after_write_ = false;
  bool handed_off_ = false;
  bool tls_established_ = false;  // close with close_notify
};

}  // namespace hotstate::server
