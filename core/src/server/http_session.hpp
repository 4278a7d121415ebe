#pragma once
// One HTTP/1.1 connection: reads requests (bounded), answers them, and hands a
// /v1/stream upgrade over to a StreamSession.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "http_api.hpp"

namespace hotstate::server {

class Server;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `over_limit`: the server is at --max-connections; answer one request with 503.
  HttpSession(Server& server, boost::asio::ip::tcp::socket socket, bool over_limit);
  ~HttpSession();
  void start();
  // Server stopping: close now if idle, else after the response being written.
  void shutdown();

 private:
  void read_request();
  void on_read(boost::beast::error_code ec);
  void send(Response response);
  void close();

  Server& server_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<Response> response_;
  std::string peer_;
  bool over_limit_;
  bool reading_ = false;
  bool close_after_write_ = false;
  bool handed_off_ = false;
};

}  // namespace hotstate::server
