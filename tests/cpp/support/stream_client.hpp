#pragma once
// A small /v1/stream client for tests: speaks the protocol frame by frame, with every wait
// bounded, and keeps a replica built from what arrives so tests can compare it with the
// server. It checks the chaining rules itself, so any test using it also tests ordering.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hotstate/protocol.hpp"

namespace hotstate::testing {

using namespace std::chrono_literals;

// One received frame, owning its bytes.
struct ReceivedFrame {
  std::vector<std::uint8_t> bytes;
  const wire::Frame& frame() const { return *wire::GetSizePrefixedFrame(bytes.data()); }
  wire::Message type() const { return frame().message_type(); }
};

struct ReplicaRecord {
  std::string json;  // the value rendered as JSON
  std::uint64_t create_revision = 0, mod_revision = 0, version = 0;
  bool operator==(const ReplicaRecord&) const = default;
};

class StreamClient {
 public:
  StreamClient(const std::string& host, unsigned short port);
  ~StreamClient();

  void send(const protocol::FramePtr& frame);
  void send_bytes(const std::vector<std::uint8_t>& bytes, bool binary = true);

  // Next frame (batched messages are split), or nullopt on timeout or close.
  // Throws if a frame fails verification: the server must never send one.
  std::optional<ReceivedFrame> next(std::chrono::milliseconds timeout = 5s);
  // Skips frames until one of `type` arrives (applying each to the replica).
  std::optional<ReceivedFrame> next_of(wire::Message type, std::chrono::milliseconds timeout = 5s);

  // Hello + Welcome.
  const wire::Welcome& hello(const std::string& name = "test");
  void subscribe(std::vector<protocol::SelectorSpec> selectors,
                 std::optional<protocol::PositionSpec> resume = std::nullopt);
  // Reads and applies frames until position() >= revision. False on timeout.
  bool sync_to(std::uint64_t revision, std::chrono::milliseconds timeout = 10s);

  // Starts the replica from state kept by an earlier connection (for resume tests).
  void seed(std::uint64_t epoch, std::uint64_t position,
            std::map<std::pair<std::string, std::string>, ReplicaRecord> replica) {
    epoch_ = epoch;
    position_ = position;
    replica_ = std::move(replica);
  }

  // Applies a frame to the replica, enforcing the protocol's ordering rules (gtest failures).
  void apply(const ReceivedFrame& received);

  std::uint64_t position() const { return position_; }
  std::uint64_t epoch() const { return epoch_; }
  const std::map<std::pair<std::string, std::string>, ReplicaRecord>& replica() const { return replica_; }
  std::size_t snapshots_seen() const { return snapshots_seen_; }
  std::size_t resets_seen() const { return resets_seen_; }
  std::size_t deltas_seen() const { return deltas_seen_; }
  std::size_t progress_seen() const { return progress_seen_; }
  // Set once the server closed the connection: its close code (0 = none yet).
  unsigned close_code() const { return close_code_; }
  // Waits until the server closes; returns the close code or 0 on timeout.
  unsigned wait_closed(std::chrono::milliseconds timeout = 5s);
  void close();

 private:
  bool read_message(std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<ReceivedFrame> pending_;
  unsigned close_code_ = 0;
  bool closed_ = false;

  // Replica state.
  std::uint64_t epoch_ = 0;
  std::uint64_t position_ = 0;
  bool in_snapshot_ = false;
  std::map<std::pair<std::string, std::string>, ReplicaRecord> replica_, building_;
  std::size_t snapshots_seen_ = 0, resets_seen_ = 0, deltas_seen_ = 0, progress_seen_ = 0;
  std::optional<ReceivedFrame> welcome_;
};

}  // namespace hotstate::testing
