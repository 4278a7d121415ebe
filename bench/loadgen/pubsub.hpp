#pragma once
// What the fan-out driver needs from a system: N subscribers and one publisher, all on
// the caller's io_context (one thread). hotstated, Redis and NATS each implement it, so
// every system is driven by the same loop, window and clock.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace loadgen {

struct Hooks {
  // A subscriber got one message (the payload bytes).
  std::function<void(std::size_t subscriber, std::string_view payload)> delivered;
  // The publisher can take more (a response freed a slot).
  std::function<void()> writable;
};

class PubSub {
 public:
  virtual ~PubSub() = default;
  // Opens `subscribers` subscriber connections and the publisher; runs `ready` once every
  // subscriber is confirmed subscribed (so no message can be missed).
  virtual void start(std::size_t subscribers, std::function<void()> ready) = 0;
  virtual bool can_publish() const = 0;
  virtual void publish(std::uint64_t seq, std::string_view payload) = 0;
  // Closes every connection; handlers still queued see it and do nothing.
  virtual void stop() = 0;
};

struct Target {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string channel;  // Redis channel / NATS subject / hotstate collection
  std::size_t max_connecting = 256;  // connects in flight, to stay under the listen backlog
  // hotstated writer: parallel keep-alive HTTP connections × requests pipelined on each.
  std::size_t http_connections = 8;
  std::size_t http_depth = 4;
  bool publisher = true;  // false for the idle-connection scenario: subscribers only
};

// Runs `done` after `count` calls of the returned function (joins parallel openings).
inline std::function<void()> join(std::size_t count, std::function<void()> done) {
  auto left = std::make_shared<std::size_t>(count);
  return [left, done = std::move(done)] {
    if (--*left == 0) done();
  };
}

std::unique_ptr<PubSub> make_hotstate(boost::asio::io_context& io, const Target& target, Hooks hooks);
std::unique_ptr<PubSub> make_redis(boost::asio::io_context& io, const Target& target, Hooks hooks);
std::unique_ptr<PubSub> make_nats(boost::asio::io_context& io, const Target& target, Hooks hooks);
std::unique_ptr<PubSub> make_system(const std::string& name, boost::asio::io_context& io,
                                    const Target& target, Hooks hooks);

}  // namespace loadgen
