#pragma once
// The frames waiting to be written to one stream connection, and the position they bring
// the client to (docs/protocol.md, "Backpressure"). No sockets here: StreamSession writes
// what begin_write() hands out and calls finish_write() when the socket took it.
//
// Frames are written in the order pushed. The front ones being written are "in flight":
// they are on their way and can no longer be taken back. The rest are "queued".
//
// Live frames (deltas and progress of a live connection) are the ones catch-up can
// replace. The byte bound (--max-queue-bytes) applies to them only: a live frame that would
// pass it is refused, the live frames still queued behind the in-flight ones are dropped,
// and the connection catches up from the position that leaves. Frames the client must get
// as they are (Welcome, Pong, snapshot, catch-up, Error) are never refused for size.
//
// Position invariant: position() is the revision the client is at once every frame pushed
// has arrived. A push never moves it back (one that would is refused and changes nothing);
// only dropping unsent live frames winds it back, to where the last frame kept leaves the
// client, which is never behind what is in flight. So the position always names a state
// the client really reaches by the frames it really gets.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>

#include "hotstate/protocol.hpp"

namespace hotstate::server {

class OutboundQueue {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    protocol::FramePtr frame;
    std::uint64_t position_before = 0;  // position() before this frame was pushed
    bool live = false;                  // catch-up can replace it (see above)
    Clock::time_point queued_at;        // for the fan-out latency of live frames
  };

  enum class Pushed { Queued, Refused, Overflow };

  // `max_live_bytes`: the bound live frames may not push the queue past. `bytes_gauge`
  // (optional, e.g. Metrics::stream_queue_bytes) is kept equal to its previous value plus
  // bytes(): a sum over every connection's queue.
  explicit OutboundQueue(std::size_t max_live_bytes, std::uint64_t* bytes_gauge = nullptr);
  ~OutboundQueue();
  OutboundQueue(const OutboundQueue&) = delete;
  OutboundQueue& operator=(const OutboundQueue&) = delete;

  // A frame the client must receive as it is; `position_after` is where it leaves the
  // client. Refused when that is below position().
  Pushed push(protocol::FramePtr frame, std::uint64_t position_after);
  // A live frame. Overflow: it would pass the byte bound while other frames wait, so it is
  // not queued and drop_unsent_live() already ran. (A first frame is always queued, however
  // large: a connection must make progress.)
  Pushed push_live(protocol::FramePtr frame, std::uint64_t position_after, Clock::time_point now);
  // Drops the live frames at the back that are not in flight, winding position() back to
  // where the frames kept leave the client. Stops at the first frame that is not live.
  void drop_unsent_live();
  // A new subscription: the client states where it is (Subscribe.resume), and the frames
  // from now on chain from there. The one way to set the position outright.
  void restart_chain(std::uint64_t position) { position_ = position; }

  // Puts the front frames in flight, up to `max_batch_bytes` (at least one frame), and
  // calls `add_bytes(std::span<const std::uint8_t>)` for each, in order, to build one gather
  // write. Returns how many frames; none while a write is in flight or nothing is queued.
  template <class AddBytes>
  std::size_t begin_write(std::size_t max_batch_bytes, AddBytes&& add_bytes) {
    if (in_flight_ > 0) return 0;
    std::size_t bytes = 0;
    for (const auto& entry : entries_) {
      if (in_flight_ > 0 && bytes + entry.frame->size() > max_batch_bytes) break;
      add_bytes(entry.frame->bytes());
      bytes += entry.frame->size();
      ++in_flight_;
    }
    return in_flight_;
  }
  struct Written {
    std::size_t frames = 0;
    std::size_t bytes = 0;
  };
  // The frames in flight were written: forgets them, calling `on_live_written(entry)` for
  // each live one first (fan-out latency).
  template <class OnLiveWritten>
  Written finish_write(OnLiveWritten&& on_live_written) {
    Written written{in_flight_, 0};
    for (std::size_t i = 0; i < in_flight_; ++i) {
      if (entries_[i].live) on_live_written(entries_[i]);
      written.bytes += entries_[i].frame->size();
    }
    pop_front(in_flight_);
    in_flight_ = 0;
    return written;
  }

  std::uint64_t position() const { return position_; }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }  // in flight and queued
  std::size_t bytes() const { return bytes_; }          // in flight and queued
  std::size_t in_flight() const { return in_flight_; }
  bool writing() const { return in_flight_ > 0; }
  const Entry& operator[](std::size_t index) const { return entries_[index]; }

 private:
  void add(Entry entry, std::uint64_t position_after);
  void pop_front(std::size_t count);
  void count_bytes(std::size_t added, std::size_t removed);

  std::size_t max_live_bytes_;
  std::uint64_t* bytes_gauge_;
  std::deque<Entry> entries_;
  std::size_t bytes_ = 0;
  std::size_t in_flight_ = 0;  // entries at the front being written
  std::uint64_t position_ = 0;
};

}  // namespace hotstate::server
