#include "http_session.hpp"

#include <algorithm>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "log.hpp"
#include "server.hpp"
#include "stream_session.hpp"

namespace hotstate::server {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// Waiting for a TLS client's close_notify after ours: short, since nothing more is owed.
constexpr auto kTlsCloseTimeout = std::chrono::seconds(2);
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;

std::string describe(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}
}  // namespace

HttpSession::HttpSession(Server& server, net::PlainOrTlsStream stream, bool over_limit)
    : server_(server), stream_(std::move(stream)), over_limit_(over_limit) {
  peer_ = describe(stream_.next_layer().socket());
  ++server_.metrics().http_connections;
  server_.register_http(this);
}

HttpSession::~HttpSession() {
  --server_.metrics().http_connections;
  server_.unregister_http(this);
}

void HttpSession::start() {
  if (stream_.is_tls())
    tls_handshake();
  else
    read_request();
}

void HttpSession::tls_handshake() {
  // One deadline for the whole handshake: a client that connects and never says hello
  // (or says it very slowly) is dropped, as a WebSocket handshake is.
  stream_.next_layer().expires_after(server_.config().tls_handshake_timeout);
  reading_ = true;
  // A look at the first bytes tells a TLS ClientHello from a plain HTTP request, which
  // gets a plain answer rather than a silent hang-up.
  beast::async_detect_ssl(stream_.next_layer(), buffer_, [self = shared_from_this()](beast::error_code ec, bool is_tls) {
    if (ec) {
      self->reading_ = false;
      self->close();
      return;
    }
    if (!is_tls) {
      ++self->server_.metrics().tls_handshake_failures;
      self->answer_plain_http_on_tls_port();
      return;
    }
    // The bytes the detection read are the start of the ClientHello: the handshake gets
    // them first. (`used` has a default only because Beast 1.81 checks this handler
    // against the unbuffered signature, void(error_code); it is always passed.)
    self->stream_.tls().async_handshake(
        boost::asio::ssl::stream_base::server, self->buffer_.data(),
        [self](beast::error_code ec, std::size_t used = 0) {
          self->reading_ = false;
          if (ec) {
            ++self->server_.metrics().tls_handshake_failures;
            log(LogLevel::Debug, "TLS handshake failed", {{"peer", self->peer_}, {"error", ec.message()}});
            self->close();
            return;
          }
          self->buffer_.consume(used);
          self->tls_established_ = true;
          self->read_request();
        });
  });
}

void HttpSession::answer_plain_http_on_tls_port() {
  // Read the request whole (bounded, within the handshake deadline), so that closing
  // afterwards does not reset the connection before the client has read the answer.
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(server_.config().max_request_bytes);
  http::async_read(stream_.next_layer(), buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->reading_ = false;
    if (ec) {  // not HTTP either: nothing to answer
      self->close();
      return;
    }
    auto answer = std::make_shared<Response>(error_response(
        self->parser_->get(),
        {Status::bad_request, "tls_required", "this server only accepts TLS: use https:// (or wss://)", ""}));
    answer->keep_alive(false);
    http::async_write(self->stream_.next_layer(), *answer,
                      [self, answer](beast::error_code, std::size_t) { self->close(); });
  });
}

void HttpSession::read_request() {
  parser_.emplace();
  // Beast checks Content-Length against the limit while reading the header, before we know
  // the target: start with the largest limit and narrow it once the target is known.
  parser_->body_limit(std::max(server_.config().max_request_bytes, server_.config().max_import_bytes));
  parser_->header_limit(kMaxHeaderBytes);
  stream_.next_layer().expires_after(server_.config().request_timeout);
  reading_ = true;
  // The header first: an import may carry a bigger body than any other request.
  http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->reading_ = false;
      self->on_read(ec);
      return;
    }
    const auto& config = self->server_.config();
    std::uint64_t limit =
        self->parser_->get().target() == "/v1/import" ? config.max_import_bytes : config.max_request_bytes;
    self->parser_->body_limit(limit);  // chunked bodies are checked as they arrive
    if (auto length = self->parser_->content_length(); length && *length > limit) {
      self->reading_ = false;
      self->on_read(http::error::body_limit);
      return;
    }
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     [self](beast::error_code ec, std::size_t) {
                       self->reading_ = false;
                       self->on_read(ec);
                     });
  });
}

void HttpSession::on_read(beast::error_code ec) {
  // A request begun but not finished in time (a slow or stuck sender, slowloris); an idle
  // keep-alive connection timing out is not counted.
  if (ec == beast::error::timeout && parser_ && parser_->got_some()) server_.metrics().count_refusal("request_timeout");
  if (ec == http::error::end_of_stream) {
    // The client sent all it will: answer what it asked, then close.
    stop_reading_ = true;
    finish_if_done();
    return;
  }
  // stream_truncated: a TLS client that hung up without close_notify, as most do.
  if (ec == beast::error::timeout || ec == boost::asio::error::operation_aborted ||
      ec == boost::asio::error::connection_reset || ec == boost::asio::ssl::error::stream_truncated) {
    close();
    return;
  }
  if (ec) {
    // The request could not be read whole: answer what was wrong (after the answers owed
    // before it), then hang up, since the rest of the stream cannot be trusted to start at
    // a request boundary.
    stop_reading_ = true;
    Request request;
    request.version(11);
    if (ec == http::error::body_limit) {
      server_.metrics().count_refusal("body_too_large");
      bool import = parser_->get().target() == "/v1/import";
      auto limit = import ? server_.config().max_import_bytes : server_.config().max_request_bytes;
      answer_now(error_response(request, {Status::payload_too_large, "body_too_large",
                                          "request body is over " + std::to_string(limit) + " bytes (" +
                                              (import ? "--max-import-bytes" : "--max-request-bytes") + ")",
                                          ""}));
    } else if (ec == http::error::header_limit) {
      server_.metrics().count_refusal("headers_too_large");
      answer_now(error_response(request, {Status::request_header_fields_too_large, "headers_too_large",
                                          "request headers are over 16 KiB", ""}));
    } else {
      server_.metrics().count_refusal("invalid_request");
      answer_now(error_response(request, {Status::bad_request, "invalid_request",
                                          "malformed HTTP request: " + ec.message(), ""}));
    }
    return;
  }
  Request request = parser_->release();

  if (over_limit_ || server_.stopping()) {
    stop_reading_ = true;
    answer_now(unavailable(request));
    return;
  }
  if (!request.keep_alive()) stop_reading_ = true;  // the last request of this connection
  bool upgrade = beast::websocket::is_upgrade(request) && request.target() == "/v1/stream";
  bool is_read = request.method() == http::verb::get || request.method() == http::verb::head;
  // A read sees every write sent before it on this connection (it waits until they are
  // durable); an upgrade waits until every answer before it is written.
  if (upgrade || (is_read && writes_pending_ > 0)) {
    held_ = std::move(request);
    release_held();
    return;
  }
  handle(std::move(request));
  read_more();
}

Response HttpSession::unavailable(const Request& request) {
  bool stopping = server_.stopping();
  if (!stopping) server_.metrics().count_refusal("too_many_connections");
  return error_response(request, {Status::service_unavailable, stopping ? "shutting_down" : "too_many_connections",
                                   stopping ? "server is stopping" : "server is at --max-connections; retry later",
                                   ""});
}

void HttpSession::handle(Request request) {
  AnswerQueue::Ticket ticket = answers_.reserve();
  if (request.method() != http::verb::get && request.method() != http::verb::head &&
      server_.pending_writes() >= server_.config().max_pending_writes) {
    // Backpressure before anything is staged: the writer retries, nothing half happens.
    server_.metrics().count_refusal("too_many_pending_writes");
    Response busy = error_response(request, {Status::service_unavailable, "too_many_pending_writes",
                                             "the server has " + std::to_string(server_.config().max_pending_writes) +
                                                 " writes waiting to become durable (--max-pending-writes); retry",
                                             ""});
    busy.set(http::field::retry_after, "1");
    answers_.fill(ticket, std::move(busy));
    flush();
    return;
  }
  Reply reply = handle_request(server_, request);
  if (reply.durable_revision == 0) {
    answers_.fill(ticket, std::move(reply.response));
    flush();
    return;
  }
  // A write: staged now (so pipelined writes share group commits), answered in its place
  // once durable (the committer hands it back on this thread).
  ++writes_pending_;
  auto response = std::make_shared<Response>(std::move(reply.response));
  server_.when_durable(reply.durable_revision, [self = shared_from_this(), ticket, response] {
    --self->writes_pending_;
    self->answers_.fill(ticket, std::move(*response));
    self->flush();
    self->release_held();
  });
}

void HttpSession::answer_now(Response response) {
  answers_.fill(answers_.reserve(), std::move(response));
  flush();
}

void HttpSession::release_held() {
  if (!held_ || handed_off_) return;
  bool upgrade = beast::websocket::is_upgrade(*held_);
  if (writes_pending_ > 0 || (upgrade && (!answers_.empty() || writing_))) return;
  Request request = std::move(*held_);
  held_.reset();
  if (!upgrade) {
    handle(std::move(request));
    read_more();
  } else if (server_.stopping()) {
    stop_reading_ = true;
    answer_now(unavailable(request));
  } else {
    handed_off_ = true;
    server_.unregister_http(this);
    auto session = std::make_shared<StreamSession>(server_.stream_context(), std::move(stream_), peer_);
    session->start(std::move(request));
  }
}

void HttpSession::read_more() {
  // One read at a time, none while a request waits its turn, and a bounded pipeline: a
  // client that sends faster than it reads answers stops being read.
  if (reading_ || stop_reading_ || held_ || handed_off_ || answers_.size() >= kMaxPipelined) return;
  read_request();
}

void HttpSession::flush() {
  if (writing_ || handed_off_) return;
  Response* front = answers_.ready_front();
  if (!front) {
    finish_if_done();
    return;
  }
  // The answer to the last request this connection will read says so.
  if (stop_reading_ && answers_.size() == 1 && !held_) front->keep_alive(false);
  writing_ = true;
  stream_.next_layer().expires_after(server_.config().request_timeout);
  http::async_write(stream_, *front, [self = shared_from_this(), front](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    bool last = !front->keep_alive();
    self->answers_.pop_front();
    if (ec || last) {
      self->close();
      return;
    }
    self->flush();
    self->release_held();
    self->read_more();
  });
}

void HttpSession::finish_if_done() {
  if (!stop_reading_ || !answers_.empty() || writing_ || held_ || writes_pending_ > 0 || handed_off_) return;
  if (reading_)
    stream_.next_layer().cancel();  // an idle keep-alive read (shutdown): it ends, and so do we
  else
    close();
}

void HttpSession::shutdown() {
  stop_reading_ = true;
  finish_if_done();
}

void HttpSession::cut_off() {
  if (handed_off_) return;  // the stream session owns the socket now
  close_tcp();
}

void HttpSession::close() {
  if (handed_off_) return;
  if (!tls_established_) {
    close_tcp();
    return;
  }
  // TLS ends with close_notify, so the client can tell our end of the data from an attack
  // that cuts the connection short.
  tls_established_ = false;
  stream_.next_layer().expires_after(kTlsCloseTimeout);
  stream_.tls().async_shutdown([self = shared_from_this()](beast::error_code) { self->close_tcp(); });
}

void HttpSession::close_tcp() {
  beast::error_code ignored;
  stream_.next_layer().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.next_layer().close();
}

}  // namespace hotstate::server
