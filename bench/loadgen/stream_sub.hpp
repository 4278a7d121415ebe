#pragma once
// One /v1/stream subscriber, asynchronous, so one thread can drive thousands. It speaks
// the protocol as a real client does: Hello + Subscribe (with resume once it has a
// position), applies SnapshotEnd / Delta / Progress to its position with the ordering
// rules of docs/protocol.md, and verifies every frame. It keeps no replica: the benchmark
// only needs each delivered value and the position.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace loadgen {

struct StreamEvents {
  // A Put op's value (the JSON string, as text) reached subscriber `index`.
  std::function<void(std::size_t index, std::string_view value)> value;
  // The subscription is live: the snapshot ended, or the first Delta/Progress of a resume.
  std::function<void(std::size_t index)> live;
};

struct StreamOptions {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string collection;
  // Reconnect after the server goes away, like the real client: full-jitter exponential
  // backoff (initial 100 ms, cap 2 s) and Subscribe with resume{epoch, position}.
  bool reconnect = false;
};

class StreamSub : public std::enable_shared_from_this<StreamSub> {
 public:
  StreamSub(boost::asio::io_context& io, std::size_t index, const StreamOptions& options,
            const StreamEvents& events);
  void start();
  void close();

  std::uint64_t position() const { return position_; }
  std::uint64_t epoch() const { return epoch_; }
  std::size_t snapshots() const { return snapshots_; }  // SnapshotBegin frames received
  std::size_t resumes() const { return resumes_; }      // subscriptions served from the change log
  std::size_t connects() const { return connects_; }    // successful handshakes

 private:
  using Socket = boost::asio::ip::tcp::socket;
  void retry(const std::string& why);
  void on_handshake();
  void read();
  void on_message();
  void on_frame(std::span<const std::uint8_t> bytes);
  void went_live();
  bool stale(unsigned generation) const { return closed_ || generation != generation_; }

  boost::asio::io_context& io_;
  std::size_t index_;
  const StreamOptions& options_;
  const StreamEvents& events_;
  std::unique_ptr<boost::beast::websocket::stream<Socket>> ws_;
  boost::beast::flat_buffer buffer_;
  std::string hello_;  // Hello + Subscribe, kept alive for the async write
  boost::asio::steady_timer backoff_timer_;
  std::minstd_rand rng_;
  unsigned attempt_ = 0;
  unsigned generation_ = 0;  // bumped per connection attempt
  bool closed_ = false, in_snapshot_ = false, awaiting_live_ = false;
  std::uint64_t epoch_ = 0, position_ = 0;
  std::size_t snapshots_ = 0, resumes_ = 0, connects_ = 0;
};

}  // namespace loadgen
