// Client -> server: what hotstated does with the binary WebSocket messages of one
// /v1/stream connection (StreamSession: split, verify, Hello/Subscribe/Unsubscribe/Ping,
// snapshots, catch-up, live deltas). A real StreamSession runs on one end of a loopback
// TCP pair, driven by this thread polling the io_context until nothing moves; the input's
// messages (message_stream.hpp) arrive at the other end as masked binary frames. Between
// two messages the target commits a write, so live deltas and chaining are exercised too.
//
// The server starts with a few records in "flags" and "users", a short change log
// (changelog_retain = 4, so older resumes get a reset snapshot) and a fixed epoch
// (fixed_epoch_storage.hpp), so a Subscribe{resume} can name its history.
//
// Properties, on every input:
//  - everything the server writes is WebSocket framing from a server, and every message
//    is a sequence of frames that verify (the client would drop the link otherwise);
//  - the frames chain as docs/protocol.md says: a snapshot is Begin, Chunks, End; a Delta
//    starts where the previous Delta, Progress or SnapshotEnd left the client and its
//    transactions lie inside its range; Progress never goes back (a Subscribe or
//    Unsubscribe starts the chain afresh);
//  - an Error frame is the last frame, and the close code that follows is the one it names;
//  - once the client hangs up, the session ends (no session outlives its connection).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "fixed_epoch_storage.hpp"
#include "fuzz_check.hpp"
#include "hotstate/protocol.hpp"
#include "hotstate/value.hpp"
#include "loopback_ws_client.hpp"
#include "message_stream.hpp"
#include "server/http_api.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "net/plain_or_tls_stream.hpp"
#include "server/stream_session.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace server = hotstate::server;
using hotstate::fuzz::check;
using hotstate::fuzz::LoopbackWsClient;

server::ServerConfig fuzz_config() {
  server::ServerConfig config;
  config.memory = true;
  config.port = 0;
  config.changelog_retain = 4;
  config.max_selectors = 4;
  config.max_queue_bytes = 4096;  // small enough for the writes below to overflow it
  config.log_level = server::LogLevel::Off;
  return config;
}

hotstate::WriteRequest put(std::string collection, std::string key, std::string_view json) {
  hotstate::WriteRequest write;
  write.ops.push_back({hotstate::OpKind::Put, std::move(collection), std::move(key), hotstate::json_to_flex(json)});
  return write;
}

void populate(hotstate::Store& store) {
  store.commit(put("flags", "checkout", R"({"enabled":true,"rollout":25})"));
  store.commit(put("flags", "dark-mode", "false"));
  store.commit(put("users", "eu/ana", R"({"plan":"pro"})"));
  store.commit(put("users", "us/bob", R"({"plan":"free"})"));
  store.commit(put("flags", "beta", "[1,2,3]"));
  hotstate::WriteRequest erase;
  erase.ops.push_back({hotstate::OpKind::Delete, "flags", "dark-mode", {}});
  store.commit(erase);
}

// One write through the server's own path (stage, commit, fan-out to the streams).
void write_one(server::Server& srv, std::size_t n) {
  static const char* kKeys[] = {"checkout", "dark-mode", "eu/ana", "eu/cy"};
  std::string key = kKeys[n % 4];
  std::string collection = key.starts_with("eu/") ? "users" : "flags";
  hotstate::WriteRequest write;
  if (n % 5 == 4) {
    write.ops.push_back({hotstate::OpKind::Delete, collection, key, {}});
  } else {
    std::string value = n % 3 == 2 ? "\"" + std::string(3000, 'x') + "\"" : std::to_string(n);
    write = put(collection, key, value);
  }
  server::commit_write(srv, write);  // a delete of an absent key commits nothing
}

// The writes committed after the n-th message: puts and deletes over a few keys in both
// collections, some large, and after every fourth message three in one turn of the event
// loop, which overflows the connection's queue (max_queue_bytes) and forces a catch-up.
void write_after(server::Server& srv, std::size_t n) {
  for (std::size_t i = 0; i < (n % 4 == 3 ? 3 : 1); ++i) write_one(srv, n + i);
}

server::Request upgrade_request() {
  server::Request request{http::verb::get, "/v1/stream", 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::upgrade, "websocket");
  request.set(http::field::connection, "Upgrade");
  request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(http::field::sec_websocket_version, "13");
  return request;
}

// Runs ready handlers and reads what the server wrote until neither moves.
void settle(asio::io_context& io, LoopbackWsClient& peer) {
  for (int quiet = 0, round = 0; quiet < 2; ++round) {
    check(round < 100'000, "the stream session never settles");
    if (io.stopped()) io.restart();
    std::size_t ran = io.poll();
    std::size_t read = peer.drain();
    quiet = ran == 0 && read == 0 ? quiet + 1 : 0;
  }
}

// What the client has been told so far, as a client tracks it.
struct Chain {
  bool in_snapshot = false;
  std::optional<std::uint64_t> position;  // unknown until a snapshot ends or a resume says
  std::optional<std::uint16_t> announced_close;  // from an Error frame

  // A Subscribe or Unsubscribe the client sends starts the chain afresh.
  void on_client_message(std::span<const std::uint8_t> message) {
    auto frames = hotstate::protocol::split_frames(message);
    if (!frames) return;
    for (auto bytes : *frames) {
      const auto* frame = hotstate::protocol::verify_frame(bytes);
      if (!frame) return;  // the server stops at the first bad frame
      auto type = frame->message_type();
      if (type == hotstate::wire::Message::Subscribe || type == hotstate::wire::Message::Unsubscribe)
        *this = Chain{false, std::nullopt, announced_close};
    }
  }

  void on_server_frame(const hotstate::wire::Frame& frame) {
    using hotstate::wire::Message;
    check(!announced_close, "the server sent a frame after its Error frame");
    switch (frame.message_type()) {
      case Message::SnapshotBegin:
        in_snapshot = true;
        position.reset();
        break;
      case Message::SnapshotChunk:
        check(in_snapshot, "a SnapshotChunk outside a snapshot");
        break;
      case Message::SnapshotEnd:
        check(in_snapshot, "a SnapshotEnd outside a snapshot");
        in_snapshot = false;
        position = frame.message_as_SnapshotEnd()->revision();
        break;
      case Message::Delta: {
        const auto* delta = frame.message_as_Delta();
        check(!in_snapshot, "a Delta inside a snapshot");
        if (position)
          check(delta->from_revision() == *position, "a Delta does not start where the client is",
                std::to_string(delta->from_revision()) + " != " + std::to_string(*position));
        check(delta->to_revision() > delta->from_revision(), "a Delta with an empty range");
        for (const auto* txn : *delta->txns())
          check(txn->revision() > delta->from_revision() && txn->revision() <= delta->to_revision(),
                "a Delta's transaction lies outside its range");
        position = delta->to_revision();
        break;
      }
      case Message::Progress: {
        std::uint64_t revision = frame.message_as_Progress()->revision();
        check(!in_snapshot, "a Progress inside a snapshot");
        if (position) check(revision >= *position, "a Progress went back");
        position = revision;
        break;
      }
      case Message::Error:
        announced_close = frame.message_as_Error()->close_code();
        break;
      default:
        break;
    }
  }
};

void check_server_messages(LoopbackWsClient& peer, Chain& chain) {
  check(peer.framing_error().empty(), "the server wrote bad WebSocket framing", peer.framing_error());
  for (const auto& message : peer.take_messages()) {
    auto frames = hotstate::protocol::split_frames(message);
    check(frames.has_value(), "a server message is not a sequence of frames");
    for (auto bytes : *frames) {
      const auto* frame = hotstate::protocol::verify_frame(bytes);
      check(frame != nullptr, "a server frame does not verify");
      chain.on_server_frame(*frame);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = (server::set_log_level(server::LogLevel::Off), true);
  (void)quiet;
  asio::io_context io;
  server::Server srv(io, fuzz_config(), hotstate::fuzz::make_fixed_epoch_storage());
  populate(srv.store());

  LoopbackWsClient peer;
  std::weak_ptr<server::StreamSession> session_alive;
  {
    asio::ip::tcp::socket socket(io, asio::ip::tcp::v4(), peer.server_fd());
    auto session = std::make_shared<server::StreamSession>(
        srv.stream_context(), hotstate::net::PlainOrTlsStream(boost::beast::tcp_stream(std::move(socket))), "fuzz");
    session_alive = session;
    session->start(upgrade_request());
  }
  settle(io, peer);
  check(peer.http_response().starts_with("HTTP/1.1 101"), "the upgrade was not accepted", peer.http_response());

  Chain chain;
  check_server_messages(peer, chain);
  std::size_t n = 0;
  for (auto message : hotstate::fuzz::split_messages({data, size})) {
    if (session_alive.expired() || peer.closed_by_server()) break;
    chain.on_client_message(message);
    peer.send_binary(message);
    settle(io, peer);
    check_server_messages(peer, chain);
    write_after(srv, n++);
    settle(io, peer);
    check_server_messages(peer, chain);
  }
  if (peer.closed_by_server())
    check(chain.announced_close == peer.close_code(), "the close code is not the one the Error frame named",
          std::to_string(peer.close_code()));

  peer.hang_up();
  for (int round = 0; !session_alive.expired(); ++round) {
    check(round < 100'000, "the stream session outlived its connection");
    if (io.stopped()) io.restart();
    io.poll();
  }
  return 0;
}
