#include "raw_conn.hpp"

#include <boost/asio/write.hpp>
#include <cstring>
#include <stdexcept>

namespace loadgen {

namespace asio = boost::asio;

RawConn::RawConn(asio::io_context& io, std::string name, Parser parser)
    : socket_(io), name_(std::move(name)), parser_(std::move(parser)), in_(64 * 1024) {}

void RawConn::connect(const asio::ip::tcp::endpoint& endpoint, std::function<void()> connected) {
  socket_.async_connect(endpoint, [self = shared_from_this(), connected = std::move(connected)](auto ec) {
    if (self->closed_) return;
    if (ec) self->fail("connect: " + ec.message());
    self->socket_.set_option(asio::ip::tcp::no_delay(true));
    self->read_more();
    connected();
  });
}

void RawConn::send(std::string_view bytes) {
  pending_.append(bytes);
  if (!write_busy_) flush();
}

void RawConn::flush() {
  if (pending_.empty() || closed_) return;
  writing_.swap(pending_);
  pending_.clear();
  write_busy_ = true;
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this()](auto ec, std::size_t) {
    self->write_busy_ = false;
    if (self->closed_) return;
    if (ec) self->fail("write: " + ec.message());
    self->flush();
  });
}

void RawConn::read_more() {
  if (used_ == in_.size()) in_.resize(in_.size() * 2);  // a message larger than the buffer
  socket_.async_read_some(asio::buffer(in_.data() + used_, in_.size() - used_),
                          [self = shared_from_this()](auto ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) self->fail("read: " + ec.message());
                            self->used_ += n;
                            std::size_t consumed = self->parser_({self->in_.data(), self->used_});
                            if (consumed > 0) {
                              std::memmove(self->in_.data(), self->in_.data() + consumed, self->used_ - consumed);
                              self->used_ -= consumed;
                            }
                            self->read_more();
                          });
}

void RawConn::close() {
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void RawConn::fail(const std::string& what) {
  // A benchmark with a broken connection measures nothing: stop the whole run loudly.
  throw std::runtime_error(name_ + ": " + what);
}

}  // namespace loadgen
