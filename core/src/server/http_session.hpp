#pragma once
// One HTTP/1.1 connection: reads requests (bounded), answers them, and hands a
// /v1/stream upgrade over to a StreamSession. On a TLS port it first completes the TLS
// handshake (bounded by --tls-handshake-timeout-ms).
//
// Pipelining (docs/http-api.md): requests are read and handled as they arrive, up to
// kMaxPipelined unanswered; a write is staged at once, so pipelined writes share group
// commits, and answered once durable; answers go out in request order (AnswerQueue). A
// read (GET/HEAD) waits until the writes sent before it on this connection are durable,
// so it sees them; an upgrade waits until every answer before it is written.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "answer_queue.hpp"
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
  // Closes the connection now (shutdown grace over), unless it became a stream.
  void cut_off();

 private:
  void tls_handshake();
  void answer_plain_http_on_tls_port();
  void read_request();
  void on_read(boost::beast::error_code ec);
  // Stages or answers one request in its place in the answer queue.
  void handle(Request request);
  // An answer for a request read just now (errors): in its place, after those before it.
  void answer_now(Response response);
  Response unavailable(const Request& request);  // 503 at --max-connections or stopping
  void release_held();   // handles the held request once what it waits for is done
  void read_more();      // reads the next request when the pipeline has room
  void flush();          // writes the answers ready at the front, one at a time
  void finish_if_done(); // closes once nothing more will be read and everything is answered
  void close();
  void close_tcp();

  Server& server_;
  net::PlainOrTlsStream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  static constexpr std::size_t kMaxPipelined = 64;
  AnswerQueue answers_;
  std::optional<Request> held_;     // a read or upgrade waiting for the requests before it
  std::size_t writes_pending_ = 0;  // this connection's writes not yet durable
  std::string peer_;
  bool over_limit_;
  bool reading_ = false;
  bool writing_ = false;
  bool stop_reading_ = false;  // the last request was read (close, error, shutdown, end of input)
  bool handed_off_ = false;
  bool tls_established_ = false;  // close with close_notify
};

}  // namespace hotstate::server
