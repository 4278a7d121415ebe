#include "resolve.hpp"

#include <charconv>
#include <optional>

namespace hotstate::net {
namespace {

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

}  // namespace

std::mutex& resolver_gate() {
  static auto* gate = new std::mutex();  // never destroyed: a fork handler may run at exit
  return *gate;
}

std::vector<boost::asio::ip::tcp::endpoint> resolve_endpoints(boost::asio::io_context& io, const ServerUrl& server,
                                                              boost::system::error_code& error) {
  error.clear();
  if (auto literal = literal_endpoint(server)) return {*literal};
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  boost::asio::ip::tcp::resolver resolver(io);
  std::lock_guard gate(resolver_gate());
  for (const auto& entry : resolver.resolve(server.host, server.port, error)) endpoints.push_back(entry.endpoint());
  return endpoints;
}

}  // namespace hotstate::net
