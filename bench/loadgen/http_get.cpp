#include "http_get.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace loadgen {

namespace beast = boost::beast;
namespace http = beast::http;

std::string http_get(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& target,
                     std::chrono::milliseconds timeout) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(endpoint);
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (res.result() != http::status::ok)
    throw std::runtime_error("GET " + target + " answered " + std::to_string(res.result_int()));
  return res.body();
}

double metric(const std::string& body, const std::string& name) {
  std::size_t pos = 0;
  while ((pos = body.find(name, pos)) != std::string::npos) {
    bool line_start = pos == 0 || body[pos - 1] == '\n';
    std::size_t after = pos + name.size();
    if (line_start && after < body.size() && body[after] == ' ') return std::stod(body.substr(after + 1));
    pos = after;
  }
  throw std::runtime_error("metric " + name + " not found");
}

}  // namespace loadgen
