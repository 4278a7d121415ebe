#include "replica_sync.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "dispatcher.hpp"
#include "flag_index.hpp"
#include "state_cell.hpp"
#include "status_board.hpp"

namespace hotstate::client {

namespace {

RecordPtr record_from_wire(const wire::Record& r) {
  auto record = std::make_shared<Record>();
  record->collection = r.collection()->str();
  record->key = r.key()->str();
  if (r.value()) record->value.assign(r.value()->begin(), r.value()->end());
  record->create_revision = r.create_revision();
  record->mod_revision = r.mod_revision();
  record->version = r.version();
  return record;
}

void warn(const std::string& message) { std::fprintf(stderr, "hotstate: %s\n", message.c_str()); }

std::string epoch_text(std::uint64_t epoch) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(epoch));
  return text;
}

// The replica held another history than the server's (a cache file of another server, or
// a server whose data was replaced): the whole replica was replaced. `cache_path` is set
// when the replaced state came from the offline cache.
std::string other_history_text(std::uint64_t replica_epoch, std::uint64_t server_epoch, const std::string& cache_path) {
  std::string what = cache_path.empty() ? "the replica" : "the offline cache " + cache_path;
  return what + " belonged to another history (epoch " + epoch_text(replica_epoch) + ", the server's is " +
         epoch_text(server_epoch) + "); replaced it with the server's state";
}

}  // namespace

ReplicaSync::ReplicaSync(const ClientOptions& options, StateCell& cell, StatusBoard& board, Dispatcher& dispatcher)
    : options_(options), cell_(cell), board_(board), dispatcher_(dispatcher) {
  auto empty = std::make_shared<State>();
  empty->flags = std::make_shared<const FlagIndex>(options_.flag_collections);
  state_ = std::move(empty);
}

void ReplicaSync::start_from_cache(std::shared_ptr<State> cached) {
  publish(std::move(cached), [](ClientStatus& s) { s.source = DataSource::Cache; });
}

void ReplicaSync::adopt(StatePtr inherited) {
  state_ = std::move(inherited);
  cell_.publish(state_);
}

void ReplicaSync::link_ended() {
  snapshot_.reset();
  heard_ = false;
  subscribed_ = false;
}

protocol::FramePtr ReplicaSync::take_subscribe() {
  if (!heard_ || subscribed_) return nullptr;
  subscribed_ = true;
  std::vector<protocol::SelectorSpec> specs;
  for (const auto& s : options_.selectors) specs.push_back({s.collection, s.prefix});
  // Resuming from what the replica holds (cache or an earlier link), a reconnect costs
  // only the missed changes.
  std::optional<protocol::PositionSpec> resume;
  if (state_->epoch != 0) resume = protocol::PositionSpec{state_->epoch, state_->revision};
  return protocol::encode_subscribe(specs, resume);
}

void ReplicaSync::on_message(std::span<const std::uint8_t> message) {
  auto frames = protocol::split_frames(message);
  if (!frames) throw ProtocolViolation("server sent a message that is not a sequence of frames");
  StateBuilder* delta = nullptr;  // open while consecutive Deltas are applied
  std::optional<StateBuilder> delta_storage;
  StatePtr delta_base;  // the state the first Delta applies to
  std::vector<ChangeBatch> batches;
  std::vector<StatePtr> batch_ends;
  for (auto bytes : *frames) {
    const wire::Frame* frame = protocol::verify_frame(bytes);
    if (!frame) throw ProtocolViolation("server sent a frame that fails verification");
    if (frame->message_type() == wire::Message::Delta && !delta) {
      delta_base = state_;
      delta_storage.emplace(*state_);
      delta = &*delta_storage;
    }
    apply_frame(*frame, delta, batches, batch_ends);
  }
  heard_ = true;
  if (!delta) return;
  // Every transaction in this message becomes visible at once, then callbacks run.
  std::vector<std::uint64_t> sequences;
  for (std::size_t i = 0; i < batches.size(); ++i) sequences.push_back(dispatcher_.reserve_sequence());
  publish(delta->build());
  // Each batch goes with the states just before and after its own transaction: a backlog
  // merged into it is diffed from there (not from before the whole message, which would
  // hide a key an earlier transaction of the message added and a later one removed).
  for (std::size_t i = 0; i < batches.size(); ++i)
    dispatcher_.post_changes(sequences[i], i == 0 ? delta_base : batch_ends[i - 1],
                             i < batch_ends.size() ? batch_ends[i] : state_, batches[i].revision, false,
                             std::move(batches[i].changes));
}

void ReplicaSync::apply_frame(const wire::Frame& frame, StateBuilder*& delta, std::vector<ChangeBatch>& batches,
                              std::vector<StatePtr>& batch_ends) {
  switch (frame.message_type()) {
    case wire::Message::Welcome: apply_welcome(*frame.message_as_Welcome()); return;
    case wire::Message::SnapshotBegin: {
      const auto* begin = frame.message_as_SnapshotBegin();
      refuse_going_back(begin->epoch(), begin->revision());
      snapshot_.emplace(begin->epoch(), begin->revision());
      snapshot_reset_ = begin->reset() || (state_->epoch != 0 && state_->epoch != begin->epoch()) || state_->keys > 0;
      board_.set_link_state(LinkState::Syncing);
      return;
    }
    case wire::Message::SnapshotChunk:
      if (!snapshot_) throw ProtocolViolation("SnapshotChunk outside a snapshot");
      for (const auto* r : *frame.message_as_SnapshotChunk()->records()) snapshot_->put(record_from_wire(*r));
      return;
    case wire::Message::SnapshotEnd: apply_snapshot_end(*frame.message_as_SnapshotEnd()); return;
    case wire::Message::Delta:
      if (snapshot_) throw ProtocolViolation("Delta inside a snapshot");
      apply_delta(*frame.message_as_Delta(), *delta, batches, batch_ends);
      return;
    case wire::Message::Progress: apply_progress(frame.message_as_Progress()->revision(), delta); return;
    case wire::Message::Error: {
      const auto* error = frame.message_as_Error();
      throw ProtocolViolation("server error " + error->code()->str() + ": " + error->message()->str());
    }
    default: return;  // Pong, or a newer frame type this client does not know: ignore
  }
}

void ReplicaSync::apply_welcome(const wire::Welcome& welcome) {
  if (options_.stale_after.count() == 0)
    stale_after_ = std::chrono::milliseconds(3 * std::max<std::uint32_t>(welcome.heartbeat_ms(), 10));
  else
    stale_after_ = options_.stale_after;
  board_.update([&](ClientStatus& s) {
    s.server_revision = welcome.revision();
    ++s.connects;
    if (welcome.epoch() == state_->epoch && welcome.revision() < state_->revision)
      s.last_error = "server is behind this replica (revision " + std::to_string(welcome.revision()) + " < " +
                     std::to_string(state_->revision) + "); keeping the newer state and waiting";
  });
}

void ReplicaSync::apply_snapshot_end(const wire::SnapshotEnd& end) {
  if (!snapshot_) throw ProtocolViolation("SnapshotEnd outside a snapshot");
  refuse_going_back(snapshot_->epoch(), end.revision());
  snapshot_->set_revision(end.revision());
  StatePtr before = state_;
  bool had_state = before->epoch != 0;
  std::uint64_t sequence = dispatcher_.reserve_sequence();
  std::string other_history;
  // LIVE in the same step as the new state: a wait_for_revision that returns now must not
  // find the link still syncing (flag evaluations would say STALE).
  auto live_status = publish_live(snapshot_->build(), [&](ClientStatus& s) {
    if (had_state && before->epoch != state_->epoch) {
      other_history =
          other_history_text(before->epoch, state_->epoch, s.source == DataSource::Cache ? options_.cache_path : "");
      s.last_error = other_history;
    }
    s.source = DataSource::Server;
    s.server_revision = std::max(s.server_revision, state_->revision);
    if (had_state && snapshot_reset_) ++s.resets;
  });
  snapshot_.reset();
  if (!other_history.empty()) warn(other_history);
  // Callbacks learn only what differs between what they saw and the new state.
  dispatcher_.post_changes(sequence, before, state_, state_->revision, had_state && snapshot_reset_, {});
  if (live_status) dispatcher_.post_status(*live_status);
}

void ReplicaSync::apply_delta(const wire::Delta& d, StateBuilder& delta, std::vector<ChangeBatch>& batches,
                              std::vector<StatePtr>& batch_ends) {
  std::uint64_t position = delta.revision();
  if (d.from_revision() > position)
    throw ProtocolViolation("gap in the stream (delta from " + std::to_string(d.from_revision()) + ", replica at " +
                            std::to_string(position) + "); resuming");
  for (const auto* txn : *d.txns()) {
    if (txn->revision() <= position) continue;  // already applied (idempotent)
    if (batch_ends.size() < batches.size()) {
      // A later transaction of the same message: keep the state the earlier ones left.
      batch_ends.push_back(delta.build());
      delta = StateBuilder(*batch_ends.back());
    }
    ChangeBatch batch;
    batch.revision = txn->revision();
    for (const auto* op : *txn->ops()) {
      RecordChange change;
      if (op->kind() == wire::OpKind::Put) {
        RecordPtr after = record_from_wire(*op->record());
        change.before = delta.put(after);
        change.after = std::move(after);
      } else {
        change.before = delta.erase(op->record()->collection()->string_view(), op->record()->key()->string_view());
        if (!change.before) continue;
      }
      const Record& any = change.after ? *change.after : *change.before;
      change.collection = any.collection;
      change.key = any.key;
      batch.changes.push_back(std::move(change));
    }
    if (!batch.changes.empty()) batches.push_back(std::move(batch));
  }
  delta.set_revision(std::max(position, d.to_revision()));
  board_.update([&](ClientStatus& s) {
    s.source = DataSource::Server;
    s.server_revision = std::max(s.server_revision, d.to_revision());
  });
  board_.mark_live();
}

void ReplicaSync::apply_progress(std::uint64_t revision, StateBuilder* delta) {
  board_.update([&](ClientStatus& s) {
    s.server_revision = std::max(s.server_revision, revision);
    s.source = DataSource::Server;
  });
  if (delta) {
    delta->set_revision(std::max(delta->revision(), revision));
  } else if (revision > state_->revision && !snapshot_) {
    StateBuilder moved(*state_);
    moved.set_revision(revision);
    if (subscribed_) {  // LIVE in the same step as the revision (see apply_snapshot_end)
      if (auto status = publish_live(moved.build(), {})) dispatcher_.post_status(*status);
      return;
    }
    publish(moved.build());
  }
  if (!snapshot_ && subscribed_) board_.mark_live();
}

// Within one epoch a replica never goes back in time: a server that offers an older state
// than this replica holds lost history (an older copy of its data directory) or lags. The
// newer state is kept and the link dropped; the client retries with backoff until the
// server has caught up. A new epoch is the only way back, and it counts as a reset.
void ReplicaSync::refuse_going_back(std::uint64_t epoch, std::uint64_t revision) const {
  if (epoch != state_->epoch || revision >= state_->revision) return;
  throw ProtocolViolation("server is behind this replica (snapshot at revision " + std::to_string(revision) +
                          " of the same epoch, replica at " + std::to_string(state_->revision) +
                          "): keeping the newer state and retrying");
}

void ReplicaSync::publish(std::shared_ptr<State> next, const std::function<void(ClientStatus&)>& also) {
  state_ = with_flags(std::move(next));
  cell_.publish(state_);
  board_.update([&](ClientStatus& s) { describe_state(s, also); });
}

std::optional<ClientStatus> ReplicaSync::publish_live(std::shared_ptr<State> next,
                                                      const std::function<void(ClientStatus&)>& also) {
  state_ = with_flags(std::move(next));
  cell_.publish(state_);
  return board_.go_live([&](ClientStatus& s) { describe_state(s, also); });
}

void ReplicaSync::describe_state(ClientStatus& s, const std::function<void(ClientStatus&)>& also) const {
  s.epoch = state_->epoch;
  s.revision = state_->revision;
  s.keys = state_->keys;
  s.bytes = state_->bytes;
  s.flag_errors = state_->flags->problems();
  if (also) also(s);
}

std::shared_ptr<State> ReplicaSync::with_flags(std::shared_ptr<State> next) const {
  std::vector<FlagProblem> fresh;
  next->flags = FlagIndex::updated(state_->flags, next->collections, fresh);
  // One line per broken flag as it arrives, but never a flood (a snapshot of many).
  constexpr std::size_t kLogged = 10;
  for (std::size_t i = 0; i < fresh.size() && i < kLogged; ++i)
    warn("flag " + fresh[i].collection + "/" + fresh[i].key + " does not compile: " + fresh[i].message +
         " (it evaluates to the caller's default with PARSE_ERROR)");
  if (fresh.size() > kLogged)
    warn(std::to_string(fresh.size() - kLogged) + " more flags do not compile (Client::flag_problems() lists them)");
  return next;
}

}  // namespace hotstate::client
