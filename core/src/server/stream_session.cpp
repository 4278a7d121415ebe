#include "stream_session.hpp"

#include <algorithm>
#include <map>

#include "hotstate/names.hpp"
#include "hub.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "snapshot_pool.hpp"
#include "store/store.hpp"

namespace hotstate::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using protocol::FramePtr;

namespace {

// A client only ever sends small control frames; Subscribe with the maximum number of
// selectors of maximum size stays well below this.
constexpr std::size_t kMaxClientMessageBytes = 1u << 20;
// Messages are read this much at a time, so one over the limit is never held whole.
constexpr std::size_t kReadChunkBytes = 64u << 10;
// One WebSocket message gathers queued frames up to about this many bytes.
constexpr std::size_t kWriteBatchBytes = 1u << 20;
// A catch-up larger than this is sent as a (chunked) reset snapshot instead.
constexpr std::size_t kMaxCatchUpBytes = protocol::kMaxFrameBytes / 2;

using Clock = std::chrono::steady_clock;

}  // namespace

StreamSession::StreamSession(const StreamContext& context, net::PlainOrTlsStream&& stream, std::string peer)
    : context_(context),
      ws_(std::move(stream)),
      peer_(std::move(peer)),
      subscribe_deadline_(ws_.get_executor()),
      queue_(context.limits.max_queue_bytes, &context.metrics.stream_queue_bytes) {
  ++context_.metrics.stream_connections;
  context_.hub.opened(this);
}

StreamSession::~StreamSession() {
  context_.hub.closed(this);
  context_.hub.remove(this);
  context_.snapshots.cancel(*this);
  --context_.metrics.stream_connections;
  if (lagging_) --context_.metrics.lagging_clients;
}

void StreamSession::start(beast::http::request<beast::http::string_body> request) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts below take over
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  // Beast pings an idle peer at half this and drops it when nothing came back: a dead
  // client cannot hold its queue forever.
  timeouts.idle_timeout =
      std::max(std::chrono::milliseconds(30'000), 4 * std::chrono::milliseconds(context_.limits.heartbeat_ms));
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "hotstated");
  }));
  // No limit in the WebSocket layer: it would close at once with 1009 and no Error frame.
  // read_next() enforces kMaxClientMessageBytes itself and answers as documented.
  ws_.read_message_max(0);
  ws_.binary(true);
  ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
    if (ec) {
      log(LogLevel::Debug, "stream handshake failed", {{"peer", self->peer_}, {"error", ec.message()}});
      if (ec == beast::error::timeout) self->context_.metrics.count_refusal("handshake_timeout");
      self->phase_ = Phase::Dead;
      return;
    }
    if (self->context_.hub.shut_down()) {
      self->going_away();
    } else {
      self->context_.hub.add(self.get());
      log(LogLevel::Debug, "stream opened", {{"peer", self->peer_}});
      self->start_subscribe_deadline();
    }
    self->read_next();
  });
}

void StreamSession::read_next() {
  ws_.async_read_some(read_buffer_, kReadChunkBytes, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec != websocket::error::closed && ec != boost::asio::error::operation_aborted)
        log(LogLevel::Debug, "stream read ended", {{"peer", self->peer_}, {"error", ec.message()}});
      self->die();
      return;
    }
    if (self->phase_ == Phase::Closing || self->phase_ == Phase::Dead) return;
    if (!self->ws_.got_binary()) {
      self->fail("text_frame", "text messages are not part of the protocol; send binary frames",
                 protocol::close_code::kUnsupportedData);
      return;
    }
    if (self->read_buffer_.size() > kMaxClientMessageBytes) {
      self->fail("frame_too_large", "message over the client frame limit", protocol::close_code::kTooBig);
      return;
    }
    if (!self->ws_.is_message_done()) {
      self->read_next();
      return;
    }
    auto data = self->read_buffer_.cdata();
    self->on_message({static_cast<const std::uint8_t*>(data.data()), data.size()});
    self->read_buffer_.consume(self->read_buffer_.size());
    if (self->phase_ != Phase::Closing && self->phase_ != Phase::Dead) self->read_next();
  });
}

void StreamSession::on_message(std::span<const std::uint8_t> message) {
  auto frames = protocol::split_frames(message);
  if (!frames) {
    fail("bad_frame", "message is not a sequence of size-prefixed frames",
         protocol::close_code::kInvalidFrame);
    return;
  }
  for (auto bytes : *frames) {
    const wire::Frame* frame = protocol::verify_frame(bytes);
    if (!frame) {
      fail("bad_frame", "frame failed verification (not an HST1 Frame)",
           protocol::close_code::kInvalidFrame);
      return;
    }
    handle_frame(*frame);
    if (phase_ == Phase::Closing || phase_ == Phase::Dead) return;
  }
}

void StreamSession::handle_frame(const wire::Frame& frame) {
  switch (frame.message_type()) {
    case wire::Message::Hello:
      on_hello(*frame.message_as_Hello());
      return;
    case wire::Message::Subscribe:
      on_subscribe(*frame.message_as_Subscribe());
      return;
    case wire::Message::Unsubscribe:
      on_unsubscribe();
      return;
    case wire::Message::Ping:
      if (phase_ == Phase::AwaitHello) break;
      enqueue(protocol::encode_pong(frame.message_as_Ping()->nonce(), context_.store.revision()), queue_.position());
      pump();
      return;
    default:
      break;
  }
  std::string name = protocol::message_name(frame.message_type());
  if (name.empty()) name = "unknown type " + std::to_string(static_cast<int>(frame.message_type()));
  if (phase_ == Phase::AwaitHello)
    fail("protocol_error", "expected Hello first, got " + name, protocol::close_code::kProtocolError);
  else
    fail("protocol_error", "a client may not send " + name, protocol::close_code::kProtocolError);
}

void StreamSession::start_subscribe_deadline() {
  // A real client needs one round trip; one that only answers pings would otherwise hold a
  // connection slot forever.
  const auto timeout = context_.limits.subscribe_timeout;
  subscribe_deadline_.expires_after(timeout);
  subscribe_deadline_.async_wait([weak = weak_from_this(), timeout](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->subscribed_once_) return;
    self->fail("subscribe_timeout",
               "no Hello and Subscribe within " + std::to_string(timeout.count()) + " ms",
               protocol::close_code::kPolicyViolation);
  });
}

void StreamSession::on_hello(const wire::Hello& hello) {
  if (phase_ != Phase::AwaitHello) {
    fail("protocol_error", "Hello sent twice", protocol::close_code::kProtocolError);
    return;
  }
  if (hello.protocol() != protocol::kProtocolVersion) {
    fail("unsupported_protocol",
         "server speaks protocol " + std::to_string(protocol::kProtocolVersion) + ", client sent " +
             std::to_string(hello.protocol()),
         protocol::close_code::kProtocolError);
    return;
  }
  const AccessPolicy& access = context_.access;
  if (!access.open()) {
    std::string_view token = hello.token() ? hello.token()->string_view() : std::string_view{};
    principal_ = access.authenticate(token);
    if (!principal_) {
      fail("unauthorized",
           token.empty() ? "this server needs an API token (the client's token option)" : "the API token is not valid",
           protocol::close_code::kUnauthorized);
      return;
    }
  }
  if (hello.client_name())
    log(LogLevel::Debug, "hello",
        {{"peer", peer_}, {"client", hello.client_name()->str()}, {"token", principal_ ? principal_->name : "-"}});
  phase_ = Phase::AwaitSubscribe;
  const auto& store = context_.store;
  enqueue(protocol::encode_welcome(store.epoch(), store.revision(), context_.server_id, context_.limits.heartbeat_ms),
          queue_.position());
  pump();
}

void StreamSession::on_subscribe(const wire::Subscribe& subscribe) {
  if (phase_ != Phase::AwaitSubscribe) {
    fail("protocol_error",
         phase_ == Phase::AwaitHello ? "Subscribe before Hello" : "already subscribed",
         protocol::close_code::kProtocolError);
    return;
  }
  const auto* selectors = subscribe.selectors();
  std::size_t count = selectors ? selectors->size() : 0;
  if (count == 0 || count > context_.limits.max_selectors) {
    fail("invalid_selector", "Subscribe needs 1.." + std::to_string(context_.limits.max_selectors) + " selectors",
         protocol::close_code::kPolicyViolation);
    return;
  }
  std::vector<protocol::SelectorSpec> specs;
  for (const auto* s : *selectors) {
    std::string collection = s->collection() ? s->collection()->str() : "";
    std::string prefix = s->prefix() ? s->prefix()->str() : "";
    if (!valid_collection(collection) || prefix.size() > kMaxKeyBytes || !valid_utf8(prefix)) {
      fail("invalid_selector", "selector needs a valid collection and a UTF-8 key prefix",
           protocol::close_code::kPolicyViolation);
      return;
    }
    if (principal_ && !principal_->may(Access::read, collection)) {
      fail("forbidden", "token \"" + principal_->name + "\" may not read collection \"" + collection + "\"",
           protocol::close_code::kForbidden);
      return;
    }
    specs.push_back({std::move(collection), std::move(prefix)});
  }
  subscribed_once_ = true;
  subscribe_deadline_.cancel();
  selectors_ = std::move(specs);
  phase_ = Phase::Streaming;

  const auto& store = context_.store;
  const wire::Position* resume = subscribe.resume();
  if (resume && resume->epoch() == store.epoch() && resume->revision() > store.revision()) {
    refuse_resume_ahead(resume->revision());
    return;
  }
  if (resume && resume->epoch() == store.epoch() && resume->revision() >= store.horizon()) {
    // Inside the retained history: only the missed changes.
    queue_.restart_chain(resume->revision());
    sync_ = Sync::CatchUp;
    ++context_.metrics.catchups;
  } else {
    if (resume) ++context_.metrics.snapshot_resets;
    begin_snapshot(resume != nullptr);
  }
  pump();
}

// A client holds revisions of this epoch that this server does not: the server lost them
// (its data directory was restored from an older copy, or it is a lagging copy). Serving a
// snapshot would roll the client back in time, and waiting on this link would deliver the
// server's next writes at revisions the client already holds under other contents. So the
// resume is refused: the client keeps its newer state and retries with backoff, and the
// operator is told how to make this server's state authoritative (docs/server.md,
// "Restoring a backup").
void StreamSession::refuse_resume_ahead(std::uint64_t client_revision) {
  const auto& store = context_.store;
  std::string message = "this server is at revision " + std::to_string(store.revision()) +
                        " of the epoch, behind the client's " + std::to_string(client_revision) +
                        " (restored from an older copy?): the client keeps its newer state and retries";
  log(LogLevel::Warn, "client is ahead of this server",
      {{"peer", peer_},
       {"client_revision", std::to_string(client_revision)},
       {"server_revision", std::to_string(store.revision())},
       {"hint", "if this data is meant to replace what clients hold, stop the server and run "
                "hotstated --data-dir DIR --renew-epoch once"}});
  fail("server_behind", std::move(message), protocol::close_code::kServerBehind);
}

void StreamSession::on_unsubscribe() {
  if (phase_ != Phase::Streaming) {
    fail("protocol_error", "Unsubscribe without a subscription", protocol::close_code::kProtocolError);
    return;
  }
  queue_.drop_unsent_live();
  stop_snapshot();
  selectors_.clear();
  set_lagging(false);
  sync_ = Sync::Live;
  phase_ = Phase::AwaitSubscribe;
}

void StreamSession::begin_snapshot(bool reset) {
  snapshot_reset_ = reset;
  if (auto snapshot = context_.snapshots.request(*this, selectors_)) {
    start_snapshot(std::move(snapshot));
    return;
  }
  sync_ = Sync::Queued;  // snapshot_admitted() follows
}

void StreamSession::snapshot_admitted(std::shared_ptr<SharedSnapshot> snapshot) {
  if (phase_ != Phase::Streaming || sync_ != Sync::Queued) return;
  start_snapshot(std::move(snapshot));
  pump();
}

void StreamSession::start_snapshot(std::shared_ptr<SharedSnapshot> snapshot) {
  // SnapshotBegin is this session's own (reset differs); what follows is shared.
  auto begin = protocol::encode_snapshot_begin(snapshot->key().epoch, snapshot->revision(), snapshot_reset_);
  snapshot_.emplace(std::move(snapshot));
  sync_ = Sync::Snapshot;
  ++context_.metrics.snapshots;
  enqueue(std::move(begin), queue_.position());
}

void StreamSession::stop_snapshot() {
  snapshot_.reset();
  context_.snapshots.cancel(*this);
}

void StreamSession::fill_from_snapshot() {
  bool last = false;
  FramePtr frame = snapshot_->next(last);
  if (!last) {
    enqueue(std::move(frame), queue_.position());
    return;
  }
  std::uint64_t revision = snapshot_->revision();
  snapshot_.reset();  // the last reader's reset frees the shared encoding
  enqueue(std::move(frame), revision);
  sync_ = Sync::CatchUp;
}

void StreamSession::fill_catch_up() {
  const auto& store = context_.store;
  const std::uint64_t position = queue_.position();
  auto changes = store.changes_since(position);
  if (!changes) {
    // The change log moved past this client while it was behind.
    ++context_.metrics.snapshot_resets;
    set_lagging(false);
    begin_snapshot(true);
    return;
  }
  set_lagging(false);
  sync_ = Sync::Live;
  if (changes->empty()) {
    // Nothing missed: say so now, so a resuming client knows it is current at once.
    enqueue_live(context_.hub.progress_frame(store.revision()), std::max(position, store.revision()));
    return;
  }

  // Latest op per record since the position: one coalesced, atomic step to the present.
  std::map<std::pair<std::string_view, std::string_view>, const ChangeOp*> latest;
  for (const auto& txn : *changes)
    for (const auto& op : txn->ops)
      for (const auto& s : selectors_)
        if (s.matches(op.record->collection, op.record->key)) {
          latest[{op.record->collection, op.record->key}] = &op;
          break;
        }
  std::uint64_t to = store.revision();
  if (latest.empty()) {
    enqueue_live(context_.hub.progress_frame(to), to);
    return;
  }
  protocol::TxnView view{to, {}};
  std::size_t bytes = 0;
  for (const auto& [name, op] : latest) {
    view.ops.push_back(op);
    bytes += op->record->key.size() + op->record->value.size() + 64;
  }
  if (bytes > kMaxCatchUpBytes) {
    ++context_.metrics.snapshot_resets;
    begin_snapshot(true);
    return;
  }
  enqueue(protocol::encode_delta(position, to, std::span<const protocol::TxnView>(&view, 1)), to);
}

void StreamSession::on_commit(const CommittedTxn& txn, FramePtr& shared_frame) {
  if (phase_ != Phase::Streaming || sync_ != Sync::Live || txn.revision <= queue_.position()) return;
  std::vector<const ChangeOp*> matched;
  for (const auto& op : txn.ops)
    for (const auto& s : selectors_)
      if (s.matches(op.record->collection, op.record->key)) {
        matched.push_back(&op);
        break;
      }
  if (matched.empty()) return;

  FramePtr frame;
  if (matched.size() == txn.ops.size()) {
    if (!shared_frame) shared_frame = protocol::encode_txn_delta(txn);
    frame = shared_frame;
  } else {
    protocol::TxnView view{txn.revision, std::move(matched)};
    frame = protocol::encode_delta(txn.revision - 1, txn.revision,
                                   std::span<const protocol::TxnView>(&view, 1));
  }
  // Deltas chain: tell the client nothing it selects happened since its position.
  if (queue_.position() < txn.revision - 1)
    enqueue_live(context_.hub.progress_frame(txn.revision - 1), txn.revision - 1);
  enqueue_live(std::move(frame), txn.revision);
  // Not pump() now: the commits handled in this turn of the event loop all go out in one
  // write per connection (one syscall for many deltas) when the hub flushes.
  context_.hub.schedule_flush(this);
}

void StreamSession::flush() { pump(); }

void StreamSession::resync() {
  if (phase_ != Phase::Streaming || sync_ != Sync::Live) return;  // a snapshot or catch-up covers it
  queue_.drop_unsent_live();
  sync_ = Sync::CatchUp;
  pump();
}

void StreamSession::on_tick() {
  if (phase_ == Phase::Streaming && !sent_since_tick_ && queue_.empty()) {
    std::uint64_t revision = context_.store.revision();
    if (sync_ == Sync::Live) {
      enqueue_live(context_.hub.progress_frame(revision), std::max(queue_.position(), revision));
      pump();
    } else if (sync_ == Sync::Queued) {
      // Not Progress: without a snapshot the client has no position to move. A Pong it
      // did not ask for changes nothing, yet proves the link alive to its watchdog.
      enqueue(protocol::encode_pong(0, revision), queue_.position());
      pump();
    }
  }
  sent_since_tick_ = false;
}

void StreamSession::enqueue(FramePtr frame, std::uint64_t position_after) {
  if (phase_ == Phase::Dead) return;
  if (queue_.push(std::move(frame), position_after) == OutboundQueue::Pushed::Refused) refused_by_queue(position_after);
}

void StreamSession::enqueue_live(FramePtr frame, std::uint64_t position_after) {
  if (phase_ == Phase::Dead) return;
  // Live frames only make sense while live; catch-up will cover what they carried.
  if (sync_ != Sync::Live) return;
  switch (queue_.push_live(std::move(frame), position_after, Clock::now())) {
    case OutboundQueue::Pushed::Queued: return;
    case OutboundQueue::Pushed::Overflow:
      // This client is not keeping up: its pending live frames are forgotten, and it is
      // caught up later with one coalesced delta, once its socket drains.
      ++context_.metrics.queue_overflows;
      set_lagging(true);
      sync_ = Sync::CatchUp;
      return;
    case OutboundQueue::Pushed::Refused: refused_by_queue(position_after); return;
  }
}

// A frame would have moved the client's position back: a bug here, not the client's
// doing. Sending it would corrupt the client's replica; dropping the connection makes it
// resume from what it really holds.
void StreamSession::refused_by_queue(std::uint64_t position_after) {
  log(LogLevel::Error, "stream frame would move the client back; closing the connection",
      {{"peer", peer_},
       {"position", std::to_string(queue_.position())},
       {"frame_position", std::to_string(position_after)}});
  die();
}

void StreamSession::pump() {
  if (queue_.writing() || phase_ == Phase::Dead) return;
  if (queue_.empty() && phase_ == Phase::Streaming) {
    if (sync_ == Sync::Snapshot)
      fill_from_snapshot();
    else if (sync_ == Sync::CatchUp)
      fill_catch_up();
  }
  if (queue_.empty()) {
    if (phase_ == Phase::Closing) close_when_drained();
    return;
  }
  write_buffers_.clear();
  queue_.begin_write(kWriteBatchBytes, [this](std::span<const std::uint8_t> bytes) {
    write_buffers_.emplace_back(bytes.data(), bytes.size());
  });
  sent_since_tick_ = true;
  ws_.async_write(write_buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_written(ec, n);
  });
}

void StreamSession::on_written(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    log(LogLevel::Debug, "stream write failed", {{"peer", peer_}, {"error", ec.message()}});
    die();
    return;
  }
  auto& metrics = context_.metrics;
  auto now = Clock::now();
  auto written = queue_.finish_write([&](const OutboundQueue::Entry& live) {
    metrics.fanout_latency.observe(std::chrono::duration<double>(now - live.queued_at).count());
  });
  metrics.frames_sent += written.frames;
  metrics.bytes_sent += bytes;
  pump();
}

void StreamSession::fail(std::string_view code, std::string message, std::uint16_t close_code) {
  if (phase_ == Phase::Closing || phase_ == Phase::Dead) return;
  if (code == "server_behind") {
    context_.metrics.count_refusal(code);  // the server's state is at fault, not the peer
  } else if (code != "going_away") {
    ++context_.metrics.protocol_errors;
    context_.metrics.count_refusal(code);
    log(LogLevel::Info, "stream protocol error",
        {{"peer", peer_}, {"code", std::string(code)}, {"message", message}});
  }
  queue_.drop_unsent_live();
  stop_snapshot();
  set_lagging(false);
  enqueue(protocol::encode_error(code, message, close_code), queue_.position());
  if (phase_ == Phase::Dead) return;
  phase_ = Phase::Closing;
  close_code_ = close_code;
  close_reason_ = std::string(code).substr(0, 120);
  pump();
}

void StreamSession::going_away() {
  fail("going_away", "server shutting down", protocol::close_code::kGoingAway);
}

void StreamSession::close_when_drained() {
  if (closing_started_) return;
  closing_started_ = true;
  context_.hub.remove(this);
  websocket::close_reason reason(static_cast<websocket::close_code>(close_code_), close_reason_);
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->die(); });
}

void StreamSession::die() {
  if (phase_ == Phase::Dead) return;
  phase_ = Phase::Dead;
  subscribe_deadline_.cancel();
  context_.hub.remove(this);
  set_lagging(false);
  stop_snapshot();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void StreamSession::set_lagging(bool lagging) {
  if (lagging == lagging_) return;
  lagging_ = lagging;
  if (lagging)
    ++context_.metrics.lagging_clients;
  else
    --context_.metrics.lagging_clients;
}

}  // namespace hotstate::server
