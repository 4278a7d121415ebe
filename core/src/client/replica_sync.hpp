#pragma once
// The client's side of the stream protocol, without I/O: whole WebSocket messages from the
// server go in; the replica's next states (published to the StateCell), the status figures
// (StatusBoard) and change events (Dispatcher) come out. The transport (transport.hpp)
// owns the socket and calls this on its I/O thread; the fuzzer and the unit tests call it
// directly. Not thread-safe: one thread drives it (the I/O thread, after start_from()).
//
// The rules it keeps (docs/protocol.md, docs/architecture.md): every frame verifies before
// it is used; a Delta applies only on top of the revision it starts from (a gap drops the
// link to resume); transactions already applied are skipped (exactly once per revision);
// within one epoch the replica never goes back to an older revision.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "hotstate/client.hpp"
#include "hotstate/protocol.hpp"
#include "replica.hpp"

namespace hotstate::client {

class Dispatcher;
class StateCell;
class StatusBoard;

// The server broke a protocol rule, or the stream has a gap: the link must be dropped and
// resumed (the replica keeps what it had).
struct ProtocolViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ReplicaSync {
 public:
  // Reads options.selectors, flag_collections, stale_after and cache_path; all four
  // references must outlive this.
  ReplicaSync(const ClientOptions& options, StateCell& cell, StatusBoard& board, Dispatcher& dispatcher);

  // Serves a state loaded from the offline cache at once, before any link.
  void start_from_cache(std::shared_ptr<State> cached);
  // In a forked child: serves the state the parent's replica had published (its flags
  // compiled already; the status comes over separately, StatusBoard::inherit).
  void adopt(StatePtr inherited);

  // Applies one whole message (a sequence of frames). Throws ProtocolViolation when the
  // server broke a rule; what earlier messages published stays.
  void on_message(std::span<const std::uint8_t> message);
  // Once per link, after the server's first message (its Welcome, which tells the heartbeat
  // for stale_after()): the Subscribe frame to send, resuming from the replica's position.
  // nullptr before that message and after it was taken.
  protocol::FramePtr take_subscribe();
  // The link ended (closed, dropped, failed): a half-received snapshot is forgotten and the
  // next link subscribes again.
  void link_ended();

  // Silence after which the replica counts as stale: ClientOptions::stale_after, or three
  // of the server's heartbeats (from its last Welcome) when that is 0.
  std::chrono::milliseconds stale_after() const { return stale_after_; }
  // The state this replica last published (the one readers see).
  const StatePtr& state() const { return state_; }

 private:
  // `batch_ends` gets the state after each batch but the last of a message (the state the
  // next one starts from), so every batch is an exact step between two states.
  void apply_frame(const wire::Frame& frame, StateBuilder*& delta, std::vector<ChangeBatch>& batches,
                   std::vector<StatePtr>& batch_ends);
  void apply_welcome(const wire::Welcome& welcome);
  void apply_snapshot_end(const wire::SnapshotEnd& end);
  void apply_delta(const wire::Delta& delta_frame, StateBuilder& delta, std::vector<ChangeBatch>& batches,
                   std::vector<StatePtr>& batch_ends);
  void apply_progress(std::uint64_t revision, StateBuilder* delta);
  void refuse_going_back(std::uint64_t epoch, std::uint64_t revision) const;
  // Publishes `next` (with its flag index) and its figures; `also` changes more of the
  // status under the same lock, so a waiter woken for the revision sees those too.
  void publish(std::shared_ptr<State> next, const std::function<void(ClientStatus&)>& also = {});
  // publish(), and the link goes LIVE in the same step (StatusBoard::go_live): the status
  // for on_status callbacks, if the link state changed, is returned for the caller to post.
  std::optional<ClientStatus> publish_live(std::shared_ptr<State> next, const std::function<void(ClientStatus&)>& also);
  // The status figures of state_, then `also`.
  void describe_state(ClientStatus& s, const std::function<void(ClientStatus&)>& also) const;
  // `next` with its flag index: the current state's, updated for what changed (flags whose
  // records changed are compiled now; broken ones are logged).
  std::shared_ptr<State> with_flags(std::shared_ptr<State> next) const;

  const ClientOptions& options_;
  StateCell& cell_;
  StatusBoard& board_;
  Dispatcher& dispatcher_;
  StatePtr state_;                        // what readers see
  std::optional<StateBuilder> snapshot_;  // a snapshot being received
  bool snapshot_reset_ = false;
  bool heard_ = false;       // this link's first message arrived
  bool subscribed_ = false;  // this link's Subscribe was taken
  std::chrono::milliseconds stale_after_{3000};
};

}  // namespace hotstate::client
