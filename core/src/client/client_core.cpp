#include "client_core.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <utility>

#include <unistd.h>

#include "cache_file.hpp"
#include "flag_index.hpp"
#include "fork_guard.hpp"
#include "net/resolve.hpp"
#include "net/plain_or_tls_stream.hpp"
#include "net/tls_client.hpp"

namespace hotstate {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Bytes read from the stream at a time (see session()).
constexpr std::size_t kReadPiece = 64 * 1024;

// A protocol rule the server broke, or a gap: the link is dropped and resumed.
struct LinkError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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
std::string other_history_text(std::uint64_t replica_epoch, std::uint64_t server_epoch,
                               const std::string& cache_path) {
  std::string what = cache_path.empty() ? "the replica" : "the offline cache " + cache_path;
  return what + " belonged to another history (epoch " + epoch_text(replica_epoch) + ", the server's is " +
         epoch_text(server_epoch) + "); replaced it with the server's state";
}

// The server answered the upgrade with an HTTP error (503 at --max-connections, 400 from a
// TLS port spoken to in plain text, ...): its JSON error message says why.
std::string refusal_text(const beast::websocket::response_type& response) {
  std::string text = "server refused the stream (HTTP " + std::to_string(response.result_int()) + ")";
  boost::json::error_code ec;
  auto doc = boost::json::parse(response.body(), ec);
  if (!ec && doc.is_object())
    if (const auto* error = doc.as_object().if_contains("error"); error && error->is_object())
      if (const auto* message = error->as_object().if_contains("message"); message && message->is_string())
        return text + ": " + std::string(message->as_string());
  return text;
}

// The TLS handshake of a connected wss:// link; a failure says what was wrong with the
// certificate (or the server) rather than only "handshake failed".
awaitable<void> tls_handshake(net::PlainOrTlsStream& stream, const net::ServerUrl& server) {
  auto& tls = stream.tls();
  net::expect_server_identity(tls, server.host);
  boost::system::error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
  if (ec) throw LinkError(net::describe_tls_failure(tls, ec, server.host));
}

}  // namespace

Client::Core::Core(ClientOptions opts) : fork_generation(client::fork_generation()), options(std::move(opts)) {
  for (const auto& url : options.urls) servers.push_back(net::parse_server_url(url));
  bool any_tls = std::any_of(servers.begin(), servers.end(), [](const auto& s) { return s.tls; });
  // A CA file is checked even without an https:// URL: a typo should not wait for one.
  if (any_tls || !options.ca_file.empty()) tls_context = net::make_client_tls_context(options.ca_file);
  auto empty = std::make_shared<client::State>();
  empty->flags = std::make_shared<const client::FlagIndex>(options.flag_collections);
  state = std::move(empty);
  status.state = LinkState::Connecting;
  dispatcher = std::make_shared<client::Dispatcher>(options.callback_queue_limit);
  client::register_for_fork(this);  // last: a throw above leaves nothing registered
}

Client::Core::~Core() { client::unregister_for_fork(this); }

void Client::Core::start() {
  if (!options.cache_path.empty()) {
    std::string problem;
    std::optional<client::StatePtr> cached;
    try {
      cached = client::read_cache(options.cache_path, options.selectors, problem);
    } catch (const std::exception& e) {
      // read_cache reports what it expects as `problem`; anything else (out of memory
      // for a huge file, ...) must not stop the start either.
      problem = "ignoring offline cache " + options.cache_path + ": " + e.what();
    }
    if (cached) {
      state = with_flags(std::make_shared<client::State>(**cached));
      cell.publish(state);
      cached_epoch = state->epoch;
      cached_revision = state->revision;
      std::lock_guard lock(status_mutex);
      status.source = DataSource::Cache;
      status.epoch = state->epoch;
      status.revision = state->revision;
      status.keys = state->keys;
      status.bytes = state->bytes;
      status.flag_errors = state->flags->problems();
      refresh_freshness();
    } else if (!problem.empty()) {
      warn(problem + "; starting empty and resyncing");
      std::lock_guard lock(status_mutex);
      status.last_error = problem;
    }
  }
  launch();
}

void Client::Core::launch() {
  dispatcher->start();
  if (!options.cache_path.empty())
    cache_thread = std::thread([self = shared_from_this()] { self->cache_loop(); });
  asio::co_spawn(io, run(), asio::detached);
  io_thread = std::thread([self = shared_from_this()] { self->io.run(); });
}

void Client::Core::lock_for_fork() {
  cell.lock_for_fork();
  status_mutex.lock();
  dispatcher->lock_for_fork();
}

void Client::Core::unlock_after_fork() {
  dispatcher->unlock_after_fork();
  status_mutex.unlock();
  cell.unlock_after_fork();
}

void Client::Core::start_in_child(Core& inherited) {
  // The inherited locks are free here (fork_guard.cpp) and none of its threads exists.
  state = inherited.cell.current_shared();
  cell.publish(state);
  // Already in the cache file (or about to be, by the parent): not rewritten until it moves.
  cached_epoch = state->epoch;
  cached_revision = state->revision;
  {
    std::scoped_lock lock(status_mutex, inherited.status_mutex);
    status = inherited.status;
  }
  // The replica carries over; the link is this process's own, counted from zero.
  status.state = LinkState::Connecting;
  status.connects = 0;
  status.reconnect_attempts = 0;
  status.last_error.clear();
  refresh_freshness();
  dispatcher->adopt_subscriptions(*inherited.dispatcher);
  launch();
}

void Client::Core::release_inherited(std::string why) {
  closing = true;
  {
    std::lock_guard lock(status_mutex);
    if (link_fd >= 0) ::close(link_fd);  // the parent's socket stays open in the parent
    link_fd = -1;
    status.state = LinkState::Closed;
    if (!why.empty()) status.last_error = std::move(why);
    refresh_freshness();
  }
  client::unregister_for_fork(this);
}

void Client::Core::close() {
  if (closing.exchange(true)) return;
  asio::post(io, [this] {
    backoff_timer.cancel();
    watchdog_timer.cancel();
    if (close_link) close_link();
  });
  if (io_thread.joinable()) io_thread.join();
  {
    // Taking the mutex orders `closing` before the cache thread's next wait: no lost wake-up.
    std::lock_guard lock(cache_mutex);
  }
  cache_wake.notify_all();
  if (cache_thread.joinable()) cache_thread.join();
  if (!options.cache_path.empty()) write_cache_now();
  set_state(LinkState::Closed);  // no callback runs after close()
  dispatcher->stop();
}

ClientStatus Client::Core::status_snapshot() const {
  std::lock_guard lock(status_mutex);
  ClientStatus copy = status;
  if (last_contact)
    copy.since_last_contact = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *last_contact);
  return copy;
}

bool Client::Core::wait_until(std::chrono::milliseconds timeout,
                              const std::function<bool(const ClientStatus&)>& done) const {
  std::unique_lock lock(status_mutex);
  return status_changed.wait_for(lock, timeout, [&] { return done(status); });
}

void Client::Core::set_state(LinkState next, std::string error) {
  ClientStatus copy;
  {
    std::lock_guard lock(status_mutex);
    bool changed = status.state != next;
    if (!error.empty()) status.last_error = std::move(error);
    if (!changed) return;
    if (status.state == LinkState::Closed) return;
    status.state = next;
    refresh_freshness();
    copy = status;
  }
  status_changed.notify_all();
  if (next != LinkState::Closed) dispatcher->post_status(copy);
}

void Client::Core::publish(std::shared_ptr<client::State> next, const std::function<void(ClientStatus&)>& also) {
  state = with_flags(std::move(next));
  cell.publish(state);
  {
    std::lock_guard lock(status_mutex);
    status.epoch = state->epoch;
    status.revision = state->revision;
    status.keys = state->keys;
    status.bytes = state->bytes;
    status.flag_errors = state->flags->problems();
    if (also) also(status);
    refresh_freshness();
  }
  status_changed.notify_all();
}

client::StatePtr Client::Core::with_flags(std::shared_ptr<client::State> next) const {
  std::vector<FlagProblem> fresh;
  next->flags = client::FlagIndex::updated(state->flags, next->collections, fresh);
  // One line per broken flag as it arrives, but never a flood (a snapshot of many).
  constexpr std::size_t kLogged = 10;
  for (std::size_t i = 0; i < fresh.size() && i < kLogged; ++i)
    warn("flag " + fresh[i].collection + "/" + fresh[i].key + " does not compile: " + fresh[i].message +
         " (it evaluates to the caller's default with PARSE_ERROR)");
  if (fresh.size() > kLogged)
    warn(std::to_string(fresh.size() - kLogged) + " more flags do not compile (Client::flag_problems() lists them)");
  return next;
}

void Client::Core::refresh_freshness() {
  Freshness now = Freshness::NotReady;
  if (status.state == LinkState::Live)
    now = Freshness::Live;
  else if (status.source == DataSource::Cache)
    now = Freshness::Cached;
  else if (status.source == DataSource::Server)
    now = Freshness::Stale;
  freshness.store(now, std::memory_order_relaxed);
}

void Client::Core::mark_live() {
  if (live_since == Clock::time_point{}) live_since = Clock::now();
  {
    std::lock_guard lock(status_mutex);
    status.reconnect_attempts = 0;
  }
  set_state(LinkState::Live);
}

void Client::Core::reconnect_now() {
  asio::post(io, [self = shared_from_this()] {
    self->backoff_timer.cancel();  // a pending backoff ends at once
    // The link about to be dropped is followed by an attempt at once, not by a backoff
    // delay of up to backoff_max: the application knows the network is back.
    self->reconnect_requested = self->close_link != nullptr;
    if (self->close_link) {
      self->drop_reason = "reconnect requested by the application";
      self->close_link();
    }
  });
}

awaitable<void> Client::Core::run() {
  std::size_t server_index = 0;
  auto delay = options.backoff_initial;
  while (!closing) {
    const auto& server = servers[server_index % servers.size()];
    {
      std::lock_guard lock(status_mutex);
      status.server_url = server.text;
    }
    std::string error;
    drop_reason.clear();
    try {
      co_await session(server);
    } catch (const boost::system::system_error& e) {
      error = server.text + ": " + e.code().message();
    } catch (const std::exception& e) {
      error = server.text + ": " + e.what();
    }
    if (!drop_reason.empty()) error = drop_reason;  // we dropped the link ourselves: say why
    close_link = nullptr;
    subscribed = false;
    snapshot.reset();
    if (closing) break;

    bool was_stable = live_since != Clock::time_point{} && Clock::now() - live_since >= options.stable_after;
    live_since = {};
    if (was_stable) delay = options.backoff_initial;
    {
      std::lock_guard lock(status_mutex);
      ++status.reconnect_attempts;
    }
    set_state(LinkState::Offline, error.empty() ? "connection closed by the server" : error);
    // Full jitter: anywhere between zero and the current cap, so restarted servers are
    // not hit by every client at once.
    if (!std::exchange(reconnect_requested, false)) {
      std::uniform_int_distribution<long long> pick(0, delay.count());
      backoff_timer.expires_after(std::chrono::milliseconds(pick(rng)));
      boost::system::error_code ignored;
      co_await backoff_timer.async_wait(asio::redirect_error(use_awaitable, ignored));
      delay = std::min(delay * 2, options.backoff_max);
    }
    reconnect_requested = false;
    ++server_index;
  }
}

awaitable<void> Client::Core::session(const net::ServerUrl& server) {
  set_state(LinkState::Connecting);
  // A host-name lookup blocks this thread (fork safety: net/resolve.hpp). Nothing else
  // waits on it while the link is down, and close() waited for Asio's resolver thread too.
  boost::system::error_code resolve_error;
  auto endpoints = net::resolve_endpoints(io, server, resolve_error);
  if (resolve_error) throw std::runtime_error("cannot resolve host '" + server.host + "': " + resolve_error.message());
  beast::websocket::stream<net::PlainOrTlsStream> ws(
      server.tls ? net::PlainOrTlsStream(beast::tcp_stream(io), *tls_context)
                 : net::PlainOrTlsStream(beast::tcp_stream(io)));
  close_link = [this, &ws] {
    std::lock_guard lock(status_mutex);  // see link_fd
    link_fd = -1;
    beast::get_lowest_layer(ws).close();
  };
  struct ClearLink {
    Core* core;
    ~ClearLink() {
      if (core->close_link) core->close_link();  // before `ws` goes: closed under the lock too
      core->close_link = nullptr;
    }
  } clear_link{this};
  if (closing) co_return;
  beast::get_lowest_layer(ws).expires_after(options.connect_timeout);
  co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
  {
    std::lock_guard lock(status_mutex);
    link_fd = beast::get_lowest_layer(ws).socket().native_handle();
  }
  beast::get_lowest_layer(ws).socket().set_option(asio::ip::tcp::no_delay(true));
  if (server.tls) co_await tls_handshake(ws.next_layer(), server);
  beast::websocket::response_type upgrade;
  boost::system::error_code ec;
  co_await ws.async_handshake(upgrade, server.host_header, "/v1/stream", asio::redirect_error(use_awaitable, ec));
  if (ec == beast::websocket::error::upgrade_declined) throw LinkError(refusal_text(upgrade));
  if (ec) throw boost::system::system_error(ec);
  beast::get_lowest_layer(ws).expires_never();
  ws.read_message_max(protocol::kMaxFrameBytes + 1024);
  ws.binary(true);

  auto hello = protocol::encode_hello(options.client_name, options.token);
  co_await ws.async_write(asio::buffer(hello->bytes().data(), hello->size()), use_awaitable);

  std::uint64_t this_link = ++link_number;
  last_frame = Clock::now();
  set_state(LinkState::Syncing);

  beast::flat_buffer buffer;
  for (;;) {
    // Read in pieces, not whole messages: any bytes from the server prove the link alive.
    // Counting only whole messages made a large frame through a slow link (a big record,
    // a catch-up) look like a dead link to the watchdog, which dropped it, resumed, got
    // the same large frame again, and so on forever.
    co_await ws.async_read_some(buffer, kReadPiece, use_awaitable);
    last_frame = Clock::now();
    {
      std::lock_guard lock(status_mutex);
      last_contact = last_frame;
    }
    if (!ws.is_message_done()) continue;
    if (!ws.got_binary()) throw LinkError("server sent a text message");
    auto data = buffer.cdata();
    handle_message({static_cast<const std::uint8_t*>(data.data()), data.size()});
    buffer.consume(buffer.size());
    if (!subscribed) {
      // After Welcome: subscribe, resuming from what the replica holds (cache or an
      // earlier link) so a reconnect costs only the missed changes.
      std::vector<protocol::SelectorSpec> specs;
      for (const auto& s : options.selectors) specs.push_back({s.collection, s.prefix});
      std::optional<protocol::PositionSpec> resume;
      if (state->epoch != 0) resume = protocol::PositionSpec{state->epoch, state->revision};
      auto subscribe = protocol::encode_subscribe(specs, resume);
      co_await ws.async_write(asio::buffer(subscribe->bytes().data(), subscribe->size()), use_awaitable);
      subscribed = true;
      // Started once Welcome told us the heartbeat, so its period fits stale_after.
      asio::co_spawn(io, watchdog(this_link), asio::detached);
    }
  }
}

awaitable<void> Client::Core::watchdog(std::uint64_t this_link) {
  // Checks a few times per stale period: STALE after `stale_after` without a frame,
  // and the link is dropped (and resumed elsewhere or later) after twice that.
  while (!closing && link_number == this_link && close_link) {
    watchdog_timer.expires_after(std::max<std::chrono::milliseconds>(stale_after / 4, 5ms));
    boost::system::error_code ec;
    co_await watchdog_timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (closing || link_number != this_link || !close_link) co_return;
    auto silent = Clock::now() - last_frame;
    if (silent >= 2 * stale_after) {
      drop_reason = "no frame from the server for " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) +
                    " ms (half-open link?); reconnecting";
      set_state(LinkState::Stale, drop_reason);
      close_link();
      co_return;
    }
    if (silent >= stale_after) {
      LinkState current;
      {
        std::lock_guard lock(status_mutex);
        current = status.state;
      }
      if (current == LinkState::Live) set_state(LinkState::Stale, "no frame from the server within the stale timeout");
    }
  }
}

void Client::Core::handle_message(std::span<const std::uint8_t> message) {
  auto frames = protocol::split_frames(message);
  if (!frames) throw LinkError("server sent a message that is not a sequence of frames");
  client::StateBuilder* delta = nullptr;  // open while consecutive Deltas are applied
  std::optional<client::StateBuilder> delta_storage;
  client::StatePtr delta_base;  // the state the first Delta applies to
  std::vector<ChangeBatch> batches;
  std::vector<client::StatePtr> batch_ends;
  for (auto bytes : *frames) {
    const wire::Frame* frame = protocol::verify_frame(bytes);
    if (!frame) throw LinkError("server sent a frame that fails verification");
    if (frame->message_type() == wire::Message::Delta && !delta) {
      delta_base = state;
      delta_storage.emplace(*state);
      delta = &*delta_storage;
    }
    handle_frame(*frame, delta, batches, batch_ends);
  }
  if (delta) {
    // Every transaction in this message becomes visible at once, then callbacks run.
    std::vector<std::uint64_t> sequences;
    for (std::size_t i = 0; i < batches.size(); ++i) sequences.push_back(dispatcher->reserve_sequence());
    publish(delta->build());
    // Each batch goes with the states just before and after its own transaction: a
    // backlog merged into it is diffed from there (not from before the whole message,
    // which would hide a key an earlier transaction of the message added and a later
    // one removed).
    for (std::size_t i = 0; i < batches.size(); ++i)
      dispatcher->post_changes(sequences[i], i == 0 ? delta_base : batch_ends[i - 1],
                               i < batch_ends.size() ? batch_ends[i] : state, batches[i].revision, false,
                               std::move(batches[i].changes));
  }
}

void Client::Core::handle_frame(const wire::Frame& frame, client::StateBuilder*& delta,
                                std::vector<ChangeBatch>& batches, std::vector<client::StatePtr>& batch_ends) {
  switch (frame.message_type()) {
    case wire::Message::Welcome: {
      const auto* welcome = frame.message_as_Welcome();
      if (options.stale_after.count() == 0)
        stale_after = std::chrono::milliseconds(3 * std::max<std::uint32_t>(welcome->heartbeat_ms(), 10));
      else
        stale_after = options.stale_after;
      std::lock_guard lock(status_mutex);
      status.server_revision = welcome->revision();
      ++status.connects;
      if (welcome->epoch() == state->epoch && welcome->revision() < state->revision)
        status.last_error = "server is behind this replica (revision " + std::to_string(welcome->revision()) +
                            " < " + std::to_string(state->revision) + "); keeping the newer state and waiting";
      return;
    }
    case wire::Message::SnapshotBegin: {
      const auto* begin = frame.message_as_SnapshotBegin();
      refuse_going_back(begin->epoch(), begin->revision());
      snapshot.emplace(begin->epoch(), begin->revision());
      snapshot_reset = begin->reset() || (state->epoch != 0 && state->epoch != begin->epoch()) || state->keys > 0;
      set_state(LinkState::Syncing);
      return;
    }
    case wire::Message::SnapshotChunk:
      if (!snapshot) throw LinkError("SnapshotChunk outside a snapshot");
      for (const auto* r : *frame.message_as_SnapshotChunk()->records()) snapshot->put(record_from_wire(*r));
      return;
    case wire::Message::SnapshotEnd: {
      if (!snapshot) throw LinkError("SnapshotEnd outside a snapshot");
      refuse_going_back(snapshot->epoch(), frame.message_as_SnapshotEnd()->revision());
      snapshot->set_revision(frame.message_as_SnapshotEnd()->revision());
      client::StatePtr before = state;
      bool had_state = before->epoch != 0;
      std::uint64_t sequence = dispatcher->reserve_sequence();
      std::string other_history;
      publish(snapshot->build(), [&](ClientStatus& s) {
        if (had_state && before->epoch != state->epoch) {
          other_history = other_history_text(before->epoch, state->epoch,
                                             s.source == DataSource::Cache ? options.cache_path : "");
          s.last_error = other_history;
        }
        s.source = DataSource::Server;
        s.server_revision = std::max(s.server_revision, state->revision);
        if (had_state && snapshot_reset) ++s.resets;
      });
      snapshot.reset();
      if (!other_history.empty()) warn(other_history);
      // Callbacks learn only what differs between what they saw and the new state.
      dispatcher->post_changes(sequence, before, state, state->revision, had_state && snapshot_reset, {});
      mark_live();
      return;
    }
    case wire::Message::Delta: {
      const auto* d = frame.message_as_Delta();
      if (snapshot) throw LinkError("Delta inside a snapshot");
      std::uint64_t position = delta->revision();
      if (d->from_revision() > position)
        throw LinkError("gap in the stream (delta from " + std::to_string(d->from_revision()) +
                        ", replica at " + std::to_string(position) + "); resuming");
      for (const auto* txn : *d->txns()) {
        if (txn->revision() <= position) continue;  // already applied (idempotent)
        if (batch_ends.size() < batches.size()) {
          // A later transaction of the same message: keep the state the earlier ones left.
          batch_ends.push_back(delta->build());
          *delta = client::StateBuilder(*batch_ends.back());
        }
        ChangeBatch batch;
        batch.revision = txn->revision();
        for (const auto* op : *txn->ops()) {
          RecordChange change;
          if (op->kind() == wire::OpKind::Put) {
            RecordPtr after = record_from_wire(*op->record());
            change.before = delta->put(after);
            change.after = std::move(after);
          } else {
            change.before = delta->erase(op->record()->collection()->string_view(),
                                         op->record()->key()->string_view());
            if (!change.before) continue;
          }
          const Record& any = change.after ? *change.after : *change.before;
          change.collection = any.collection;
          change.key = any.key;
          batch.changes.push_back(std::move(change));
        }
        if (!batch.changes.empty()) batches.push_back(std::move(batch));
      }
      delta->set_revision(std::max(position, d->to_revision()));
      {
        std::lock_guard lock(status_mutex);
        status.source = DataSource::Server;
        status.server_revision = std::max(status.server_revision, d->to_revision());
      }
      mark_live();
      return;
    }
    case wire::Message::Progress: {
      std::uint64_t revision = frame.message_as_Progress()->revision();
      {
        std::lock_guard lock(status_mutex);
        status.server_revision = std::max(status.server_revision, revision);
        status.source = DataSource::Server;
      }
      if (delta) {
        delta->set_revision(std::max(delta->revision(), revision));
      } else if (revision > state->revision && !snapshot) {
        client::StateBuilder moved(*state);
        moved.set_revision(revision);
        publish(moved.build());
      }
      if (!snapshot && subscribed) mark_live();
      return;
    }
    case wire::Message::Error: {
      const auto* error = frame.message_as_Error();
      throw LinkError("server error " + error->code()->str() + ": " + error->message()->str());
    }
    default:
      return;  // Pong, or a newer frame type this client does not know: ignore
  }
}

// Within one epoch a replica never goes back in time: a server that offers an older state
// than this replica holds lost history (an older copy of its data directory) or lags. The
// newer state is kept and the link dropped; the client retries with backoff until the
// server has caught up. A new epoch is the only way back, and it counts as a reset.
void Client::Core::refuse_going_back(std::uint64_t epoch, std::uint64_t revision) const {
  if (epoch != state->epoch || revision >= state->revision) return;
  throw LinkError("server is behind this replica (snapshot at revision " + std::to_string(revision) +
                  " of the same epoch, replica at " + std::to_string(state->revision) +
                  "): keeping the newer state and retrying");
}

void Client::Core::cache_loop() {
  std::unique_lock lock(cache_mutex);
  while (!closing) {
    cache_wake.wait_for(lock, options.cache_interval, [&] { return closing.load(); });
    if (closing) return;
    lock.unlock();
    write_cache_now();
    lock.lock();
  }
}

void Client::Core::write_cache_now() {
  std::lock_guard file_lock(cache_file_mutex);
  client::StatePtr current = cell.current_shared();
  if (current->epoch == 0) return;  // nothing received yet: keep whatever file is there
  if (current->epoch == cached_epoch && current->revision == cached_revision) return;
  try {
    client::write_cache(options.cache_path, *current, options.selectors);
    cached_epoch = current->epoch;
    cached_revision = current->revision;
    if (!cache_write_failure.empty()) warn("offline cache " + options.cache_path + " written again");
    cache_write_failure.clear();
  } catch (const std::exception& e) {
    // Retried at every interval; the same failure again is not logged again.
    std::string failure = std::string("offline cache not written: ") + e.what();
    if (failure != cache_write_failure) warn(failure + " (retrying every interval)");
    cache_write_failure = failure;
    std::lock_guard lock(status_mutex);
    status.last_error = failure;
  }
}

void Client::Core::wipe_cache() {
  std::lock_guard file_lock(cache_file_mutex);
  client::wipe_cache(options.cache_path);
  // Not written again for the state it held: the caller wanted it gone, and writing the
  // same state back at the next interval would undo the wipe. The next change is written.
  client::StatePtr current = cell.current_shared();
  cached_epoch = current->epoch;
  cached_revision = current->revision;
}

}  // namespace hotstate
