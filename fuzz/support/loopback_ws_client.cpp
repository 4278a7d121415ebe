#include "loopback_ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace hotstate::fuzz {
namespace {

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("loopback: ") + what + ": " + std::strerror(errno));
}

// One listening socket for the whole process: every input connects to it afresh.
const sockaddr_in& listener_address(int& listener) {
  static int fd = -1;
  static sockaddr_in address{};
  if (fd < 0) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) fail("bind");
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) fail("getsockname");
    if (::listen(fd, 16) != 0) fail("listen");
  }
  listener = fd;
  return address;
}

// libFuzzer's -timeout alarm (SIGALRM every second) can interrupt a blocking connect; the
// kernel goes on connecting, so wait for the outcome instead of calling it a failure.
void connect_through_signals(int fd, const sockaddr_in& address) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return;
  if (errno != EINTR) fail("connect");
  pollfd writable{fd, POLLOUT, 0};
  while (::poll(&writable, 1, -1) < 0) {
    if (errno != EINTR) fail("poll");
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) fail("getsockopt");
  if (error != 0) {
    errno = error;
    fail("connect");
  }
}

int accept_through_signals(int listener) {
  for (;;) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != EINTR) fail("accept");
  }
}

}  // namespace

LoopbackWsClient::LoopbackWsClient() {
  int listener = -1;
  const sockaddr_in& address = listener_address(listener);
  client_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (client_fd_ < 0) fail("socket");
  connect_through_signals(client_fd_, address);
  server_fd_ = accept_through_signals(listener);
}

LoopbackWsClient::~LoopbackWsClient() { hang_up(); }

void LoopbackWsClient::send_binary(std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> frame{0x82};  // FIN, binary
  std::size_t n = payload.size();
  if (n < 126) {
    frame.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xFFFF) {
    frame.insert(frame.end(), {0x80 | 126, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  } else {
    frame.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<std::uint8_t>(n >> shift));
  }
  frame.insert(frame.end(), 4, 0);  // masking key 0: XOR leaves the payload as it is
  frame.insert(frame.end(), payload.begin(), payload.end());
  std::size_t sent = 0;
  while (sent < frame.size()) {
    ssize_t w = ::send(client_fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // the server hung up: what it does about that is what we test
    sent += static_cast<std::size_t>(w);
  }
}

void LoopbackWsClient::hang_up() {
  if (client_fd_ >= 0) ::close(client_fd_);
  client_fd_ = -1;
}

std::size_t LoopbackWsClient::drain() {
  if (client_fd_ < 0) return 0;
  std::size_t total = 0;
  std::uint8_t buffer[16384];
  for (;;) {
    ssize_t n = ::recv(client_fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    inbox_.insert(inbox_.end(), buffer, buffer + n);
    total += static_cast<std::size_t>(n);
  }
  if (total > 0) parse();
  return total;
}

void LoopbackWsClient::parse() {
  std::size_t at = 0;
  if (!upgraded_) {
    static constexpr char kEnd[] = "\r\n\r\n";
    auto it = std::search(inbox_.begin(), inbox_.end(), kEnd, kEnd + 4);
    if (it == inbox_.end()) return;
    at = static_cast<std::size_t>(it - inbox_.begin()) + 4;
    http_response_.assign(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(at));
    upgraded_ = true;
  }
  while (framing_error_.empty()) {
    std::size_t left = inbox_.size() - at;
    if (left < 2) break;
    const std::uint8_t* p = inbox_.data() + at;
    bool fin = p[0] & 0x80;
    unsigned opcode = p[0] & 0x0F;
    if (p[1] & 0x80) {
      framing_error_ = "a server frame is masked";
      break;
    }
    std::uint64_t length = p[1] & 0x7F;
    std::size_t header = 2;
    if (length >= 126) {
      std::size_t bytes = length == 126 ? 2 : 8;
      if (left < 2 + bytes) break;
      length = 0;
      for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | p[2 + i];
      header += bytes;
    }
    if (left - header < length) break;
    const std::uint8_t* payload = p + header;
    if (opcode == 0x2 || opcode == 0x0) {
      partial_.insert(partial_.end(), payload, payload + length);
      if (fin) messages_.push_back(std::move(partial_)), partial_.clear();
    } else if (opcode == 0x8) {
      close_code_ = length >= 2 ? static_cast<std::uint16_t>(payload[0] << 8 | payload[1]) : 1005;
    } else if (opcode != 0x9 && opcode != 0xA) {
      framing_error_ = "a server frame with opcode " + std::to_string(opcode);
    }
    at += header + static_cast<std::size_t>(length);
  }
  inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(at));
}

std::vector<std::vector<std::uint8_t>> LoopbackWsClient::take_messages() {
  std::vector<std::vector<std::uint8_t>> out;
  out.swap(messages_);
  return out;
}

}  // namespace hotstate::fuzz
