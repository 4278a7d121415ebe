#pragma once
// hotstated's writer: PUT /v1/c/{collection}/{key} over several keep-alive HTTP/1.1
// connections, each with up to `depth` requests pipelined. Every answer must be 200
// (a write is done only once committed); anything else stops the run.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loadgen {

class HttpConn;

class HttpWriter {
 public:
  HttpWriter(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, std::size_t connections,
             std::size_t depth, std::function<void()> writable);
  void connect(std::function<void()> connected);
  bool can_put() const;
  void put(std::string_view collection, std::string_view key, std::string_view json);
  void close();

 private:
  boost::asio::ip::tcp::endpoint endpoint_;
  std::vector<std::shared_ptr<HttpConn>> conns_;
  std::size_t depth_, next_ = 0;
};

}  // namespace loadgen
