#pragma once
// Checks and times every delivery. Each subscriber must see every sequence number exactly
// once (a duplicate throws; a miss shows as a run that never completes, which throws).
// Order is not checked here: hotstated commits PUTs from several connections in its own
// order (the stream client checks revision order itself), and Redis/NATS get one
// publisher connection, so they preserve order anyway. Each delivery's latency is now minus
// the stamp in the payload. It also tracks how many messages every subscriber has
// received, which is what the writer's in-flight window is measured against: the window
// bounds messages not yet delivered to all subscribers, so no queue anywhere (server
// buffers, kernel sockets) can grow without limit, for any system.

#include <bit>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.hpp"
#include "payload.hpp"

namespace loadgen {

class Tracker {
 public:
  Tracker(std::size_t subscribers, std::size_t window)
      : subscribers_(static_cast<std::uint32_t>(subscribers)),
        ring_(std::bit_ceil(window * 2 + 64), 0),
        words_(ring_.size() / 64),
        seen_(subscribers * words_, 0) {}

  void deliver(std::size_t sub, std::string_view payload) {
    auto stamp = parse_payload(payload);
    if (!stamp) throw std::runtime_error("subscriber " + std::to_string(sub) + " got a malformed payload");
    std::uint64_t now = now_ns();
    std::uint64_t seq = stamp->seq;
    if (seq < all_ || seq - all_ >= ring_.size())
      throw std::runtime_error("subscriber " + std::to_string(sub) + " got message " + std::to_string(seq) +
                               " outside the window (duplicate or never sent)");
    std::uint64_t slot_index = seq & (ring_.size() - 1);
    std::uint64_t& word = seen_[sub * words_ + slot_index / 64];
    std::uint64_t bit = std::uint64_t{1} << (slot_index % 64);
    if (word & bit) throw std::runtime_error("subscriber " + std::to_string(sub) + " got message " + std::to_string(seq) + " twice");
    word |= bit;
    ++delivered_;
    last_delivery_ns_ = now;
    latency_.record(now > stamp->sent_ns ? now - stamp->sent_ns : 0);
    if (++ring_[slot_index] < subscribers_) return;
    // The oldest messages may now be complete everywhere: free their slots (counts and
    // every subscriber's seen bit) and tell the writer.
    std::uint64_t before = all_;
    while (ring_[all_ & (ring_.size() - 1)] == subscribers_) {
      std::uint64_t done = all_++ & (ring_.size() - 1);
      ring_[done] = 0;
      std::uint64_t clear = ~(std::uint64_t{1} << (done % 64));
      for (std::size_t s = 0; s < subscribers_; ++s) seen_[s * words_ + done / 64] &= clear;
    }
    if (all_ != before && on_advance) on_advance();
  }

  // Every message with a sequence number below this reached every subscriber.
  std::uint64_t all_delivered() const { return all_; }
  std::uint64_t deliveries() const { return delivered_; }
  std::uint64_t last_delivery_ns() const { return last_delivery_ns_; }
  Histogram& latency() { return latency_; }
  std::function<void()> on_advance;

 private:
  std::uint32_t subscribers_;
  std::vector<std::uint32_t> ring_;     // per message slot: subscribers that have it
  std::size_t words_;                   // 64-bit words per subscriber in seen_
  std::vector<std::uint64_t> seen_;     // per subscriber, per slot: got it already
  std::uint64_t all_ = 0, delivered_ = 0, last_delivery_ns_ = 0;
  Histogram latency_;
};

}  // namespace loadgen
