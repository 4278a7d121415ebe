#include "http_writer.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>

#include "pubsub.hpp"

namespace loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class HttpConn : public std::enable_shared_from_this<HttpConn> {
 public:
  HttpConn(asio::io_context& io, std::function<void()> answered) : socket_(io), answered_(std::move(answered)) {}

  void connect(const asio::ip::tcp::endpoint& endpoint, std::function<void()> connected) {
    socket_.async_connect(endpoint, [self = shared_from_this(), connected = std::move(connected)](auto ec) {
      if (self->closed_) return;
      if (ec) throw std::runtime_error("hotstated writer connect: " + ec.message());
      self->socket_.set_option(asio::ip::tcp::no_delay(true));
      connected();
    });
  }

  std::size_t in_flight() const { return in_flight_; }

  void put(std::string_view collection, std::string_view key, std::string_view json) {
    pending_ += "PUT /v1/c/";
    pending_.append(collection);
    pending_ += '/';
    pending_.append(key);
    pending_ += " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ";
    pending_ += std::to_string(json.size());
    pending_ += "\r\n\r\n";
    pending_.append(json);
    ++in_flight_;
    if (!writing_now_) flush();
    if (!reading_) read();
  }

  void close() {
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void flush() {
    if (pending_.empty()) return;
    writing_.swap(pending_);
    pending_.clear();
    writing_now_ = true;
    asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this()](auto ec, std::size_t) {
      self->writing_now_ = false;
      if (self->closed_) return;
      if (ec) throw std::runtime_error("hotstated writer write: " + ec.message());
      self->flush();
    });
  }

  void read() {
    reading_ = true;
    parser_.emplace();
    http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](auto ec, std::size_t) {
      self->reading_ = false;
      if (self->closed_) return;
      if (ec) throw std::runtime_error("hotstated writer read: " + ec.message());
      const auto& res = self->parser_->get();
      if (res.result() != http::status::ok)
        throw std::runtime_error("hotstated PUT answered " + std::to_string(res.result_int()) + ": " + res.body());
      --self->in_flight_;
      if (self->in_flight_ > 0) self->read();
      self->answered_();
    });
  }

  asio::ip::tcp::socket socket_;
  std::function<void()> answered_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string pending_, writing_;
  std::size_t in_flight_ = 0;
  bool writing_now_ = false, reading_ = false, closed_ = false;
};

HttpWriter::HttpWriter(asio::io_context& io, asio::ip::tcp::endpoint endpoint, std::size_t connections,
                       std::size_t depth, std::function<void()> writable)
    : depth_(depth) {
  for (std::size_t i = 0; i < connections; ++i) conns_.push_back(std::make_shared<HttpConn>(io, writable));
  endpoint_ = endpoint;
}

void HttpWriter::connect(std::function<void()> connected) {
  auto all = join(conns_.size(), std::move(connected));
  for (auto& c : conns_) c->connect(endpoint_, all);
}

bool HttpWriter::can_put() const {
  for (const auto& c : conns_)
    if (c->in_flight() < depth_) return true;
  return false;
}

void HttpWriter::put(std::string_view collection, std::string_view key, std::string_view json) {
  // Round robin over connections with room, so commits from several connections overlap.
  for (std::size_t tries = 0; tries < conns_.size(); ++tries) {
    auto& c = conns_[next_++ % conns_.size()];
    if (c->in_flight() < depth_) return c->put(collection, key, json);
  }
  throw std::logic_error("HttpWriter::put without a free slot");
}

void HttpWriter::close() {
  for (auto& c : conns_) c->close();
}

}  // namespace loadgen
