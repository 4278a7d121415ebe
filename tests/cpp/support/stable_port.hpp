#pragma once
// A loopback port for a server that a test stops and starts again on the same port (the
// clients' URL names it). Port 0 would pick one from the kernel's ephemeral range, where
// any outgoing connection — a reconnecting client of this very test, or of a test running
// beside it — may take it as its source port while the server is down, and the restart
// then fails with "address in use". So the port comes from just below that range.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

namespace hotstate::testing {

inline unsigned short stable_port() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int low = std::max(1024, ephemeral_low - 12000), high = std::max(low + 1, ephemeral_low - 1);
  std::mt19937 pick{std::random_device{}()};
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<unsigned short>(std::uniform_int_distribution<int>(low, high)(pick));
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free = ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(probe);
    if (free) return port;
  }
  throw std::runtime_error("no free loopback port below the ephemeral range");
}

}  // namespace hotstate::testing
