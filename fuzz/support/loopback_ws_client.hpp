#pragma once
// The far end of one server WebSocket connection, for the stream fuzz target: a TCP pair
// on 127.0.0.1 (plain sockets, made synchronously), with the client side speaking raw
// RFC 6455 frames so that anything, well-formed or not, can be sent exactly as given, and
// everything the server writes is read back without blocking and cut into messages.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hotstate::fuzz {

class LoopbackWsClient {
 public:
  LoopbackWsClient();  // connected; take server_fd() for the server side
  ~LoopbackWsClient();
  LoopbackWsClient(const LoopbackWsClient&) = delete;
  LoopbackWsClient& operator=(const LoopbackWsClient&) = delete;

  // The accepted socket, to be owned by the server side from now on.
  int server_fd() const { return server_fd_; }

  // One binary message in one frame, masked as a client must (with a zero key, so the
  // payload travels as it is).
  void send_binary(std::span<const std::uint8_t> payload);
  // Closes the client's side of the connection (no close frame: the peer sees EOF).
  void hang_up();

  // Reads whatever the server wrote so far; returns the number of bytes read.
  std::size_t drain();

  // What arrived: the HTTP response to the upgrade, then complete binary messages and
  // whether a close frame came (with its code).
  const std::string& http_response() const { return http_response_; }
  std::vector<std::vector<std::uint8_t>> take_messages();
  bool closed_by_server() const { return close_code_ != 0; }
  std::uint16_t close_code() const { return close_code_; }
  // Set when the server's bytes are not valid WebSocket framing from a server.
  const std::string& framing_error() const { return framing_error_; }

 private:
  void parse();

  int client_fd_ = -1;
  int server_fd_ = -1;
  std::vector<std::uint8_t> inbox_;  // read, not yet parsed
  std::string http_response_;
  bool upgraded_ = false;
  std::vector<std::uint8_t> partial_;  // a fragmented message so far
  std::vector<std::vector<std::uint8_t>> messages_;
  std::uint16_t close_code_ = 0;
  std::string framing_error_;
};

}  // namespace hotstate::fuzz
