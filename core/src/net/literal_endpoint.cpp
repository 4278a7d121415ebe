#include "literal_endpoint.hpp"

#include <charconv>

namespace hotstate::net {

std::optional<boost::asio::ip::tcp::endpoint> literal_endpoint(const ServerUrl& server) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(server.host, ec);
  if (ec) return std::nullopt;
  unsigned short port = 0;
  const char* end = server.port.data() + server.port.size();
  auto [at, error] = std::from_chars(server.port.data(), end, port);
  if (error != std::errc() || at != end) return std::nullopt;  // let the resolver say what is wrong
  return boost::asio::ip::tcp::endpoint(address, port);
}

}  // namespace hotstate::net
