#pragma once
// A plain TCP connection for the text protocols (RESP, NATS): reads into a growing buffer
// and hands it to a parser that returns how many bytes it used; writes are appended to a
// pending buffer and flushed one async_write at a time, so many small commands coalesce
// into few syscalls (the same batching a pipelining client library does).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

class RawConn : public std::enable_shared_from_this<RawConn> {
 public:
  // Returns the number of bytes of `data` consumed (complete messages only).
  using Parser = std::function<std::size_t(std::string_view data)>;

  RawConn(boost::asio::io_context& io, std::string name, Parser parser);
  void connect(const boost::asio::ip::tcp::endpoint& endpoint, std::function<void()> connected);
  void set_parser(Parser parser) { parser_ = std::move(parser); }
  void send(std::string_view bytes);
  void close();
  const std::string& name() const { return name_; }

 private:
  void read_more();
  void flush();
  void fail(const std::string& what);

  boost::asio::ip::tcp::socket socket_;
  std::string name_;
  Parser parser_;
  std::vector<char> in_;
  std::size_t used_ = 0;
  std::string pending_, writing_;
  bool write_busy_ = false, closed_ = false;
};

}  // namespace loadgen
