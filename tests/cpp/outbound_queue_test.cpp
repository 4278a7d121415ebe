// OutboundQueue: the frames waiting for one stream connection's socket, their byte bound,
// and the position they bring the client to (core/src/server/outbound_queue.hpp). The
// end-to-end behaviour (backpressure, catch-up) is in stream_test; these pin the rules the
// session relies on, without a socket.

#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "server/outbound_queue.hpp"

using hotstate::protocol::FramePtr;
using hotstate::server::OutboundQueue;
using Pushed = OutboundQueue::Pushed;

namespace {

// Distinct frames of one size (a Pong's fields are fixed-width; nonzero so none is elided).
FramePtr frame(std::uint64_t n) { return hotstate::protocol::encode_pong(n, n); }

const auto kNow = OutboundQueue::Clock::now();

// Puts frames in flight and returns the bytes handed out for the write, in order.
std::vector<std::span<const std::uint8_t>> write(OutboundQueue& queue, std::size_t max_batch_bytes = 1u << 20) {
  std::vector<std::span<const std::uint8_t>> out;
  queue.begin_write(max_batch_bytes, [&](std::span<const std::uint8_t> bytes) { out.push_back(bytes); });
  return out;
}

OutboundQueue::Written written(OutboundQueue& queue) {
  return queue.finish_write([](const OutboundQueue::Entry&) {});
}

}  // namespace

// Would catch: frames reordered or lost between push and the socket write.
TEST(OutboundQueue, FramesAreWrittenInTheOrderPushed) {
  OutboundQueue queue(1u << 20);
  std::vector<FramePtr> frames{frame(1), frame(2), frame(3), frame(4)};
  EXPECT_EQ(queue.push(frames[0], 0), Pushed::Queued);
  EXPECT_EQ(queue.push_live(frames[1], 2, kNow), Pushed::Queued);
  EXPECT_EQ(queue.push(frames[2], 2), Pushed::Queued);
  EXPECT_EQ(queue.push_live(frames[3], 4, kNow), Pushed::Queued);
  auto out = write(queue);
  ASSERT_EQ(out.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(out[i].data(), frames[i]->bytes().data()) << "frame " << i;
    EXPECT_EQ(out[i].size(), frames[i]->size());
  }
  auto done = written(queue);
  EXPECT_EQ(done.frames, 4u);
  EXPECT_EQ(done.bytes, 4 * frames[0]->size());
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.bytes(), 0u);
}

// Would catch: the position not following the frames, or each frame not remembering where
// the client was before it (what an overflow winds back to).
TEST(OutboundQueue, PositionIsWhereTheLastFramePushedLeavesTheClient) {
  OutboundQueue queue(1u << 20);
  EXPECT_EQ(queue.position(), 0u);
  queue.push(frame(1), 0);  // Welcome: moves nothing
  queue.push_live(frame(2), 5, kNow);
  queue.push_live(frame(3), 7, kNow);
  EXPECT_EQ(queue.position(), 7u);
  EXPECT_EQ(queue[1].position_before, 0u);
  EXPECT_EQ(queue[2].position_before, 5u);
  EXPECT_FALSE(queue[0].live);
  EXPECT_TRUE(queue[2].live);
}

// Would catch: a frame that would take the client back in time being queued anyway.
TEST(OutboundQueue, APushThatWouldMoveThePositionBackIsRefusedAndChangesNothing) {
  std::uint64_t gauge = 0;
  OutboundQueue queue(1u << 20, &gauge);
  ASSERT_EQ(queue.push(frame(1), 10), Pushed::Queued);
  const auto bytes = queue.bytes();
  EXPECT_EQ(queue.push(frame(2), 9), Pushed::Refused);
  EXPECT_EQ(queue.push_live(frame(3), 3, kNow), Pushed::Refused);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.bytes(), bytes);
  EXPECT_EQ(gauge, bytes);
  EXPECT_EQ(queue.position(), 10u);
  EXPECT_EQ(queue.push(frame(4), 10), Pushed::Queued) << "staying put is allowed (Pong, Error)";
}

// Would catch: the byte bound not applied, applied off by one, or an overflow that keeps
// the frame or the stale live frames.
TEST(OutboundQueue, ALiveFramePastTheByteBoundOverflowsAndDropsTheQueuedLiveFrames) {
  const std::size_t size = frame(1)->size();
  OutboundQueue queue(3 * size);
  queue.push(frame(1), 4);  // a catch-up delta to 4
  EXPECT_EQ(queue.push_live(frame(5), 5, kNow), Pushed::Queued);
  EXPECT_EQ(queue.push_live(frame(6), 6, kNow), Pushed::Queued);
  EXPECT_EQ(queue.bytes(), 3 * size) << "exactly at the bound is within it";
  EXPECT_EQ(queue.push_live(frame(7), 7, kNow), Pushed::Overflow);
  EXPECT_EQ(queue.size(), 1u) << "the live frames are dropped, the catch-up delta stays";
  EXPECT_EQ(queue.bytes(), size);
  EXPECT_EQ(queue.position(), 4u) << "back to where the frame kept leaves the client";
}

// Would catch: a connection stuck forever because its one frame is bigger than the bound.
TEST(OutboundQueue, AnEmptyQueueTakesALiveFrameOfAnySize) {
  OutboundQueue queue(1);
  EXPECT_EQ(queue.push_live(frame(1), 1, kNow), Pushed::Queued);
  EXPECT_EQ(queue.push_live(frame(2), 2, kNow), Pushed::Overflow);
}

// Would catch: Welcome, snapshot chunks or an Error dropped or refused for size.
TEST(OutboundQueue, FramesTheClientMustGetAreNeitherBoundedNorDropped) {
  OutboundQueue queue(1);
  for (std::uint64_t i = 1; i <= 5; ++i) EXPECT_EQ(queue.push(frame(i), 0), Pushed::Queued);
  queue.drop_unsent_live();
  EXPECT_EQ(queue.size(), 5u);
}

// Would catch: an overflow or resync taking back frames already handed to the socket
// (the client gets them whatever the queue says), which would leave the position behind
// what the client really reaches.
TEST(OutboundQueue, DroppingNeverTouchesTheFramesInFlight) {
  const std::size_t size = frame(1)->size();
  OutboundQueue queue(3 * size);
  queue.push_live(frame(1), 1, kNow);
  ASSERT_EQ(write(queue, size).size(), 1u);  // frame 1 in flight
  queue.push_live(frame(2), 2, kNow);
  queue.push_live(frame(3), 3, kNow);
  EXPECT_EQ(queue.in_flight(), 1u);
  EXPECT_EQ(queue.push_live(frame(4), 4, kNow), Pushed::Overflow);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.in_flight(), 1u);
  EXPECT_EQ(queue.position(), 1u) << "where the frame in flight leaves the client";
  queue.drop_unsent_live();
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(written(queue).frames, 1u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.position(), 1u);
}

// Would catch: dropping reaching past a frame that is not live (a snapshot's SnapshotEnd,
// a catch-up delta) and so losing it.
TEST(OutboundQueue, DroppingStopsAtTheFirstFrameThatIsNotLive) {
  OutboundQueue queue(1u << 20);
  queue.push_live(frame(1), 1, kNow);
  queue.push(frame(2), 2);
  queue.push_live(frame(3), 3, kNow);
  queue.push_live(frame(4), 4, kNow);
  queue.drop_unsent_live();
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.position(), 2u);
  EXPECT_FALSE(queue[1].live);
}

// Would catch: a batch past its byte limit, an empty batch, or a second write started
// while one is in flight (frames written twice or out of order).
TEST(OutboundQueue, WritesGatherFramesUpToTheBatchLimitOneWriteAtATime) {
  const std::size_t size = frame(1)->size();
  OutboundQueue queue(1u << 20);
  for (std::uint64_t i = 1; i <= 5; ++i) queue.push(frame(i), i);
  EXPECT_FALSE(queue.writing());
  EXPECT_EQ(write(queue, 2 * size + 1).size(), 2u);
  EXPECT_TRUE(queue.writing());
  EXPECT_EQ(queue.in_flight(), 2u);
  EXPECT_TRUE(write(queue).empty()) << "nothing more while a write is in flight";
  auto done = written(queue);
  EXPECT_EQ(done.frames, 2u);
  EXPECT_EQ(done.bytes, 2 * size);
  EXPECT_FALSE(queue.writing());
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(write(queue, 1).size(), 1u) << "a frame over the batch limit still goes, alone";
  written(queue);
  EXPECT_EQ(write(queue).size(), 2u);
  written(queue);
  EXPECT_TRUE(write(queue).empty());
}

// Would catch: fan-out latency measured for frames that are not commits, or not at all.
TEST(OutboundQueue, FinishWriteReportsEachLiveFrameWithWhenItWasQueued) {
  OutboundQueue queue(1u << 20);
  const auto first = kNow - std::chrono::milliseconds(5);
  queue.push(frame(1), 0);
  queue.push_live(frame(2), 2, first);
  queue.push_live(frame(3), 3, kNow);
  write(queue);
  std::vector<OutboundQueue::Clock::time_point> reported;
  queue.finish_write([&](const OutboundQueue::Entry& live) { reported.push_back(live.queued_at); });
  EXPECT_EQ(reported, (std::vector<OutboundQueue::Clock::time_point>{first, kNow}));
}

// Would catch: /metrics' stream_queue_bytes drifting (it sums every connection's queue).
TEST(OutboundQueue, TheBytesGaugeFollowsTheQueueAndIsReleasedWithIt) {
  const std::size_t size = frame(1)->size();
  std::uint64_t gauge = 1000;  // other connections' bytes
  {
    OutboundQueue queue(1u << 20, &gauge);
    queue.push(frame(1), 1);
    queue.push_live(frame(2), 2, kNow);
    queue.push_live(frame(3), 3, kNow);
    EXPECT_EQ(gauge, 1000 + 3 * size);
    write(queue, size);
    written(queue);
    EXPECT_EQ(gauge, 1000 + 2 * size);
    queue.drop_unsent_live();
    EXPECT_EQ(gauge, 1000u);
    queue.push(frame(4), 4);
    write(queue);  // still in flight when the connection goes away
  }
  EXPECT_EQ(gauge, 1000u);
}

// Would catch: a resume not starting the chain from the client's stated position.
TEST(OutboundQueue, ANewSubscriptionRestartsTheChainWhereTheClientSaysItIs) {
  OutboundQueue queue(1u << 20);
  queue.push(frame(1), 50);
  queue.restart_chain(20);
  EXPECT_EQ(queue.position(), 20u);
  EXPECT_EQ(queue.push(frame(2), 30), Pushed::Queued);
  EXPECT_EQ(queue[1].position_before, 20u);
}
