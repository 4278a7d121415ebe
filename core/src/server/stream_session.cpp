#include "stream_session.hpp"

#include <algorithm>
#include <map>

#include "hotstate/names.hpp"
#include "log.hpp"
#include "server.hpp"

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

StreamSession::StreamSession(Server& server, net::PlainOrTlsStream&& stream, std::string peer)
    : server_(server), ws_(std::move(stream)), peer_(std::move(peer)), subscribe_deadline_(server.io()) {
  ++server_.metrics().stream_connections;
}

StreamSession::~StreamSession() {
  server_.hub().remove(this);
  server_.snapshots().cancel(*this);
  --server_.metrics().stream_connections;
  server_.metrics().stream_queue_bytes -= queued_bytes_;
  if (lagging_) --server_.metrics().lagging_clients;
}

void StreamSession::start(beast::http::request<beast::http::string_body> request) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts below take over
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  // Beast pings an idle peer at half this and drops it when nothing came back: a dead
  // client cannot hold its queue forever.
  timeouts.idle_timeout =
      std::max(std::chrono::milliseconds(30'000), 4 * std::chrono::milliseconds(server_.config().heartbeat_ms));
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
      if (ec == beast::error::timeout) self->server_.metrics().count_refusal("handshake_timeout");
      self->phase_ = Phase::Dead;
      return;
    }
    if (self->server_.stopping()) {
      self->going_away();
    } else {
      self->server_.hub().add(self.get());
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
      enqueue(protocol::encode_pong(frame.message_as_Ping()->nonce(), server_.store().revision()),
              false, position_);
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
  const auto timeout = server_.config().subscribe_timeout;
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
  const AccessPolicy& access = server_.config().access;
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
  auto& store = server_.store();
  enqueue(protocol::encode_welcome(store.epoch(), store.revision(), server_.server_id(),
                                   server_.config().heartbeat_ms),
          false, 0);
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
  if (count == 0 || count > server_.config().max_selectors) {
    fail("invalid_selector",
         "Subscribe needs 1.." + std::to_string(server_.config().max_selectors) + " selectors",
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

  const auto& store = server_.store();
  const wire::Position* resume = subscribe.resume();
  if (resume && resume->epoch() == store.epoch() && resume->revision() > store.revision()) {
    refuse_resume_ahead(resume->revision());
    return;
  }
  if (resume && resume->epoch() == store.epoch() && resume->revision() >= store.horizon()) {
    // Inside the retained history: only the missed changes.
    position_ = resume->revision();
    sync_ = Sync::CatchUp;
    ++server_.metrics().catchups;
  } else {
    if (resume) ++server_.metrics().snapshot_resets;
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
  const auto& store = server_.store();
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
  drop_live_frames();
  stop_snapshot();
  selectors_.clear();
  set_lagging(false);
  sync_ = Sync::Live;
  phase_ = Phase::AwaitSubscribe;
}

void StreamSession::begin_snapshot(bool reset) {
  snapshot_reset_ = reset;
  if (auto snapshot = server_.snapshots().request(*this, selectors_)) {
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
  ++server_.metrics().snapshots;
  enqueue(std::move(begin), false, position_);
}

void StreamSession::stop_snapshot() {
  snapshot_.reset();
  server_.snapshots().cancel(*this);
}

void StreamSession::fill_from_snapshot() {
  bool last = false;
  FramePtr frame = snapshot_->next(last);
  if (!last) {
    enqueue(std::move(frame), false, position_);
    return;
  }
  std::uint64_t revision = snapshot_->revision();
  snapshot_.reset();  // the last reader's reset frees the shared encoding
  enqueue(std::move(frame), false, revision);
  sync_ = Sync::CatchUp;
}

void StreamSession::fill_catch_up() {
  const auto& store = server_.store();
  auto changes = store.changes_since(position_);
  if (!changes) {
    // The change log moved past this client while it was behind.
    ++server_.metrics().snapshot_resets;
    set_lagging(false);
    begin_snapshot(true);
    return;
  }
  set_lagging(false);
  sync_ = Sync::Live;
  if (changes->empty()) {
    // Nothing missed: say so now, so a resuming client knows it is current at once.
    enqueue(server_.hub().progress_frame(store.revision()), true, std::max(position_, store.revision()));
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
    enqueue(server_.hub().progress_frame(to), true, to);
    return;
  }
  protocol::TxnView view{to, {}};
  std::size_t bytes = 0;
  for (const auto& [name, op] : latest) {
    view.ops.push_back(op);
    bytes += op->record->key.size() + op->record->value.size() + 64;
  }
  if (bytes > kMaxCatchUpBytes) {
    ++server_.metrics().snapshot_resets;
    begin_snapshot(true);
    return;
  }
  enqueue(protocol::encode_delta(position_, to, std::span<const protocol::TxnView>(&view, 1)),
          false, to);
}

void StreamSession::on_commit(const CommittedTxn& txn, FramePtr& shared_frame) {
  if (phase_ != Phase::Streaming || sync_ != Sync::Live || txn.revision <= position_) return;
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
  if (position_ < txn.revision - 1) enqueue(server_.hub().progress_frame(txn.revision - 1), true, txn.revision - 1);
  enqueue(std::move(frame), true, txn.revision);
  // Not pump() now: the commits handled in this turn of the event loop all go out in one
  // write per connection (one syscall for many deltas) when the hub flushes.
  server_.hub().schedule_flush(this);
}

void StreamSession::flush() { pump(); }

void StreamSession::resync() {
  if (phase_ != Phase::Streaming || sync_ != Sync::Live) return;  // a snapshot or catch-up covers it
  drop_live_frames();
  sync_ = Sync::CatchUp;
  pump();
}

void StreamSession::on_tick() {
  if (phase_ == Phase::Streaming && !sent_since_tick_ && queue_.empty()) {
    std::uint64_t revision = server_.store().revision();
    if (sync_ == Sync::Live) {
      enqueue(server_.hub().progress_frame(revision), true, std::max(position_, revision));
      pump();
    } else if (sync_ == Sync::Queued) {
      // Not Progress: without a snapshot the client has no position to move. A Pong it
      // did not ask for changes nothing, yet proves the link alive to its watchdog.
      enqueue(protocol::encode_pong(0, revision), false, position_);
      pump();
    }
  }
  sent_since_tick_ = false;
}

void StreamSession::enqueue(FramePtr frame, bool droppable, std::uint64_t chain_after) {
  if (phase_ == Phase::Dead) return;
  // Live frames only make sense while live; catch-up will cover what they carried.
  if (droppable && sync_ != Sync::Live) return;
  if (droppable && !queue_.empty() && queued_bytes_ + frame->size() > server_.config().max_queue_bytes) {
    // This client is not keeping up: forget its pending live frames and catch it up later
    // with one coalesced delta, once its socket drains.
    drop_live_frames();
    ++server_.metrics().queue_overflows;
    set_lagging(true);
    sync_ = Sync::CatchUp;
    return;
  }
  queued_bytes_ += frame->size();
  server_.metrics().stream_queue_bytes += frame->size();
  queue_.push_back(Queued{std::move(frame), position_, droppable, Clock::now()});
  position_ = chain_after;
}

void StreamSession::drop_live_frames() {
  while (queue_.size() > in_flight_ && queue_.back().droppable) {
    auto& last = queue_.back();
    queued_bytes_ -= last.frame->size();
    server_.metrics().stream_queue_bytes -= last.frame->size();
    position_ = last.chain_before;
    queue_.pop_back();
  }
}

void StreamSession::pump() {
  if (writing_ || phase_ == Phase::Dead) return;
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
  std::size_t bytes = 0;
  in_flight_ = 0;
  for (const auto& q : queue_) {
    if (in_flight_ > 0 && bytes + q.frame->size() > kWriteBatchBytes) break;
    auto span = q.frame->bytes();
    write_buffers_.emplace_back(span.data(), span.size());
    bytes += span.size();
    ++in_flight_;
  }
  writing_ = true;
  sent_since_tick_ = true;
  ws_.async_write(write_buffers_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_written(ec, n);
  });
}

void StreamSession::on_written(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (ec) {
    log(LogLevel::Debug, "stream write failed", {{"peer", peer_}, {"error", ec.message()}});
    die();
    return;
  }
  auto& metrics = server_.metrics();
  auto now = Clock::now();
  for (std::size_t i = 0; i < in_flight_; ++i) {
    auto& q = queue_.front();
    if (q.droppable)
      metrics.fanout_latency.observe(std::chrono::duration<double>(now - q.queued_at).count());
    queued_bytes_ -= q.frame->size();
    metrics.stream_queue_bytes -= q.frame->size();
    queue_.pop_front();
  }
  metrics.frames_sent += in_flight_;
  metrics.bytes_sent += bytes;
  in_flight_ = 0;
  pump();
}

void StreamSession::fail(std::string_view code, std::string message, std::uint16_t close_code) {
  if (phase_ == Phase::Closing || phase_ == Phase::Dead) return;
  if (code == "server_behind") {
    server_.metrics().count_refusal(code);  // the server's state is at fault, not the peer
  } else if (code != "going_away") {
    ++server_.metrics().protocol_errors;
    server_.metrics().count_refusal(code);
    log(LogLevel::Info, "stream protocol error",
        {{"peer", peer_}, {"code", std::string(code)}, {"message", message}});
  }
  drop_live_frames();
  stop_snapshot();
  set_lagging(false);
  enqueue(protocol::encode_error(code, message, close_code), false, position_);
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
  server_.hub().remove(this);
  websocket::close_reason reason(static_cast<websocket::close_code>(close_code_), close_reason_);
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code) { self->die(); });
}

void StreamSession::die() {
  if (phase_ == Phase::Dead) return;
  phase_ = Phase::Dead;
  subscribe_deadline_.cancel();
  server_.hub().remove(this);
  set_lagging(false);
  stop_snapshot();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void StreamSession::set_lagging(bool lagging) {
  if (lagging == lagging_) return;
  lagging_ = lagging;
  if (lagging)
    ++server_.metrics().lagging_clients;
  else
    --server_.metrics().lagging_clients;
}

}  // namespace hotstate::server
