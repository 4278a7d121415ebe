// The client's protocol state machine (client::ReplicaSync) without a socket: whole
// messages in, published states, status and change events out. What the transport and a
// real server cannot easily stage is checked here frame by frame: a gap, a server behind
// the replica, a duplicate transaction, a snapshot that replaces the replica, a message that
// fails verification, and when the Subscribe frame is due.

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "client/dispatcher.hpp"
#include "client/replica_sync.hpp"
#include "client/state_cell.hpp"
#include "client/status_board.hpp"
#include "eventually.hpp"
#include "flag_record.hpp"
#include "hotstate/protocol.hpp"
#include "hotstate/value.hpp"

using namespace hotstate;
using namespace std::chrono_literals;
using hotstate::testing::eventually;

namespace {

constexpr auto record = hotstate::testing::flag_record;

constexpr std::uint64_t kEpoch = 0xabc;

protocol::FramePtr put_delta(std::uint64_t from, std::uint64_t to, const RecordPtr& put) {
  std::vector<ChangeOp> ops{{OpKind::Put, put}};
  std::vector<protocol::TxnView> txns{{put->mod_revision, {&ops[0]}}};
  return protocol::encode_delta(from, to, txns);
}

// One WebSocket message holding `frames`, in an 8-byte aligned buffer as Beast gives it.
class Message {
 public:
  Message(std::initializer_list<protocol::FramePtr> frames) {
    std::vector<std::uint8_t> bytes;
    for (const auto& f : frames) bytes.insert(bytes.end(), f->bytes().begin(), f->bytes().end());
    size_ = bytes.size();
    words_.resize((size_ + 7) / 8);
    if (size_) std::memcpy(words_.data(), bytes.data(), size_);
  }
  std::span<const std::uint8_t> span() const { return {reinterpret_cast<const std::uint8_t*>(words_.data()), size_}; }

 private:
  std::vector<std::uint64_t> words_;
  std::size_t size_ = 0;
};

class ReplicaSyncTest : public ::testing::Test {
 protected:
  ReplicaSyncTest() {
    options_.urls = {"http://127.0.0.1:9"};
    options_.selectors = {{"flags", ""}};
    dispatcher_->start();
    dispatcher_->add_change(ChangeFilter{}, [this](const ChangeBatch& batch) {
      std::lock_guard lock(mutex_);
      seen_.push_back(batch);
    });
  }
  ~ReplicaSyncTest() override { dispatcher_->stop(); }

  void feed(std::initializer_list<protocol::FramePtr> frames) { sync_.on_message(Message(frames).span()); }
  // Welcome, then a snapshot of `records` at `revision`.
  void sync_to(std::uint64_t revision, std::vector<RecordPtr> records) {
    feed({protocol::encode_welcome(kEpoch, revision, "test", 1000)});
    ASSERT_NE(sync_.take_subscribe(), nullptr);
    feed({protocol::encode_snapshot_begin(kEpoch, revision, false), protocol::encode_snapshot_chunk(records),
          protocol::encode_snapshot_end(revision)});
  }
  std::vector<ChangeBatch> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  ClientOptions options_;
  client::StateCell cell_;
  std::shared_ptr<client::Dispatcher> dispatcher_ = std::make_shared<client::Dispatcher>(64);
  client::StatusBoard board_{*dispatcher_};
  client::ReplicaSync sync_{options_, cell_, board_, *dispatcher_};
  std::mutex mutex_;
  std::vector<ChangeBatch> seen_;
};

TEST_F(ReplicaSyncTest, SnapshotThenDeltaPublishesEachStateWithItsStatusAndChanges) {
  sync_to(5, {record("a", "1", 3)});
  EXPECT_EQ(cell_.current().revision, 5u);
  EXPECT_NE(cell_.current().find("flags", "a"), nullptr);
  feed({put_delta(5, 6, record("b", "2", 6))});
  const auto& now = cell_.current();
  EXPECT_EQ(now.revision, 6u);
  EXPECT_NE(now.find("flags", "b"), nullptr);
  ClientStatus status = board_.snapshot();
  EXPECT_EQ(status.state, LinkState::Live);
  EXPECT_EQ(status.source, DataSource::Server);
  EXPECT_EQ(status.epoch, kEpoch);
  EXPECT_EQ(status.revision, 6u);
  EXPECT_EQ(status.keys, 2u);
  EXPECT_EQ(status.connects, 1u);
  ASSERT_TRUE(eventually([&] { return seen().size() == 2; }));
  EXPECT_EQ(seen()[1].revision, 6u);
  ASSERT_EQ(seen()[1].changes.size(), 1u);
  EXPECT_EQ(seen()[1].changes[0].key, "b");
  EXPECT_EQ(seen()[1].changes[0].before, nullptr);
}

TEST_F(ReplicaSyncTest, SubscribeIsDueOncePerLinkAfterTheFirstMessageAndResumesFromTheReplica) {
  EXPECT_EQ(sync_.take_subscribe(), nullptr) << "nothing heard yet";
  sync_to(5, {record("a", "1", 5)});
  EXPECT_EQ(sync_.take_subscribe(), nullptr) << "already taken on this link";
  sync_.link_ended();
  EXPECT_EQ(sync_.take_subscribe(), nullptr);
  feed({protocol::encode_welcome(kEpoch, 5, "test", 1000)});
  auto subscribe = sync_.take_subscribe();
  ASSERT_NE(subscribe, nullptr);
  const wire::Frame* frame = protocol::verify_frame(subscribe->bytes());
  ASSERT_NE(frame, nullptr);
  const auto* s = frame->message_as_Subscribe();
  ASSERT_NE(s, nullptr);
  ASSERT_NE(s->resume(), nullptr);
  EXPECT_EQ(s->resume()->epoch(), kEpoch);
  EXPECT_EQ(s->resume()->revision(), 5u);
}

TEST_F(ReplicaSyncTest, AGapIsRefusedAndTheReplicaKeepsItsState) {
  sync_to(5, {record("a", "1", 5)});
  EXPECT_THROW(feed({put_delta(7, 8, record("b", "2", 8))}), client::ProtocolViolation);
  EXPECT_EQ(cell_.current().revision, 5u);
  EXPECT_EQ(cell_.current().find("flags", "b"), nullptr);
}

TEST_F(ReplicaSyncTest, ATransactionAlreadyAppliedIsSkipped) {
  sync_to(5, {record("a", "1", 5)});
  feed({put_delta(5, 6, record("b", "2", 6))});
  feed({put_delta(5, 6, record("b", "3", 6))});  // the same revision again (a resume overlap)
  EXPECT_EQ(flex_to_json(cell_.current().find("flags", "b")->value), "2");
  ASSERT_TRUE(eventually([&] { return seen().size() == 2; }));
  std::this_thread::sleep_for(50ms);  // a wrongly posted third batch would arrive by now
  EXPECT_EQ(seen().size(), 2u);
}

TEST_F(ReplicaSyncTest, AnOlderSnapshotOfTheSameEpochIsRefused) {
  sync_to(9, {record("a", "1", 9)});
  sync_.link_ended();
  feed({protocol::encode_welcome(kEpoch, 4, "test", 1000)});
  EXPECT_NE(board_.snapshot().last_error.find("server is behind"), std::string::npos);
  EXPECT_THROW(feed({protocol::encode_snapshot_begin(kEpoch, 4, false)}), client::ProtocolViolation);
  EXPECT_EQ(cell_.current().revision, 9u);
}

TEST_F(ReplicaSyncTest, ASnapshotOfAnotherHistoryReplacesTheReplicaAsAReset) {
  sync_to(9, {record("a", "1", 9)});
  sync_.link_ended();
  feed({protocol::encode_welcome(kEpoch + 1, 2, "test", 1000)});
  feed({protocol::encode_snapshot_begin(kEpoch + 1, 2, true),
        protocol::encode_snapshot_chunk(std::vector<RecordPtr>{record("z", "0", 2)}),
        protocol::encode_snapshot_end(2)});
  EXPECT_EQ(cell_.current().epoch, kEpoch + 1);
  EXPECT_EQ(cell_.current().find("flags", "a"), nullptr);
  ClientStatus status = board_.snapshot();
  EXPECT_EQ(status.resets, 1u);
  EXPECT_NE(status.last_error.find("another history"), std::string::npos);
  ASSERT_TRUE(eventually([&] { return seen().size() == 2 && seen()[1].reset; }));
}

TEST_F(ReplicaSyncTest, AMessageThatFailsVerificationChangesNothing) {
  sync_to(5, {record("a", "1", 5)});
  auto good = put_delta(5, 6, record("b", "2", 6));
  std::vector<std::uint8_t> bytes(good->bytes().begin(), good->bytes().end());
  bytes[bytes.size() / 2] ^= 0xff;  // a flipped byte inside the frame
  std::vector<std::uint64_t> aligned((bytes.size() + 7) / 8);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  std::span<const std::uint8_t> message(reinterpret_cast<const std::uint8_t*>(aligned.data()), bytes.size());
  try {
    sync_.on_message(message);
  } catch (const client::ProtocolViolation&) {
  }
  // Either refused, or (if the flip hit padding) applied whole — never half.
  const auto& now = cell_.current();
  EXPECT_TRUE((now.revision == 5 && !now.find("flags", "b")) || (now.revision == 6 && now.find("flags", "b")));
  EXPECT_THROW(sync_.on_message({}), client::ProtocolViolation);
}

TEST_F(ReplicaSyncTest, AServerErrorFrameDropsTheLinkWithItsMessage) {
  sync_to(5, {});
  try {
    feed({protocol::encode_error("unauthorized", "bad token", 1008)});
    FAIL() << "an Error frame must end the link";
  } catch (const client::ProtocolViolation& e) {
    EXPECT_NE(std::string(e.what()).find("bad token"), std::string::npos);
  }
}

TEST_F(ReplicaSyncTest, ProgressMovesTheReplicaForwardWithoutChanges) {
  sync_to(5, {record("a", "1", 5)});
  feed({protocol::encode_progress(12)});
  EXPECT_EQ(cell_.current().revision, 12u);
  EXPECT_EQ(board_.snapshot().server_revision, 12u);
  feed({protocol::encode_progress(8)});  // older: ignored
  EXPECT_EQ(cell_.current().revision, 12u);
}

}  // namespace
