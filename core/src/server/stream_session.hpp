#pragma once
// One /v1/stream WebSocket connection: the Hello/Subscribe handshake, the snapshot, the
// chained deltas, written through its bounded OutboundQueue (docs/protocol.md). It reaches
// the rest of the server only through its StreamContext (stream_context.hpp says who
// outlives whom).
//
// Sync modes once subscribed:
//   Queued:   waiting for a snapshot slot (SnapshotPool, --max-concurrent-snapshots); gets
//             an unsolicited Pong each heartbeat meanwhile, so the client sees a live link.
//   Snapshot: the records selected at revision R, from a SharedSnapshot (encoded once for
//             every session that needs it at the same time), a chunk at a time as the
//             socket drains; ends with SnapshotEnd{R}, then CatchUp.
//   CatchUp:  once the queue is empty, everything after the connection's position is sent
//             as one coalesced Delta (latest op per key), read from the change log; or a
//             reset snapshot when the log no longer reaches back that far. Then Live.
//   Live:     each commit is queued as it happens. If the queue would pass its byte bound,
//             the queued deltas not yet on the wire are dropped, the position winds back
//             to the last frame kept, and the connection goes to CatchUp (OutboundQueue).
// So a writer or another client never waits for this one, and the client's position
// always names a real state.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hotstate/protocol.hpp"
#include "hotstate/record.hpp"
#include "net/plain_or_tls_stream.hpp"

#include "access.hpp"
#include "outbound_queue.hpp"
#include "shared_snapshot.hpp"
#include "stream_context.hpp"

namespace hotstate::server {

class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  // `stream`: the connection the upgrade request came on (TLS already established there).
  StreamSession(const StreamContext& context, net::PlainOrTlsStream&& stream, std::string peer);
  ~StreamSession();

  // Completes the WebSocket handshake for the upgrade request already read.
  void start(boost::beast::http::request<boost::beast::http::string_body> request);

  void on_commit(const CommittedTxn& txn, protocol::FramePtr& shared_frame);
  // Writes what on_commit queued (Hub::schedule_flush).
  void flush();
  void on_tick();
  void going_away();
  // Closes the socket now, without a WebSocket close (shutdown grace over, Hub::cut_off_all).
  void cut_off() { die(); }
  // Drops pending live frames and catches up (Hub::resync_all).
  void resync();
  // The snapshot this session waited for (SnapshotPool): send it now.
  void snapshot_admitted(std::shared_ptr<SharedSnapshot> snapshot);

 private:
  enum class Phase { AwaitHello, AwaitSubscribe, Streaming, Closing, Dead };
  enum class Sync { Queued, Snapshot, CatchUp, Live };

  void read_next();
  void on_message(std::span<const std::uint8_t> message);
  void handle_frame(const wire::Frame& frame);
  void on_hello(const wire::Hello& hello);
  void on_subscribe(const wire::Subscribe& subscribe);
  void refuse_resume_ahead(std::uint64_t client_revision);
  void on_unsubscribe();

  void begin_snapshot(bool reset);
  void start_snapshot(std::shared_ptr<SharedSnapshot> snapshot);
  void stop_snapshot();
  void fill_from_snapshot();
  void fill_catch_up();
  // `position_after`: the revision the client is at once the frame arrived.
  void enqueue(protocol::FramePtr frame, std::uint64_t position_after);
  // A live delta or progress, which catch-up can replace (dropped unless Sync::Live).
  void enqueue_live(protocol::FramePtr frame, std::uint64_t position_after);
  void refused_by_queue(std::uint64_t position_after);
  void pump();
  void on_written(boost::beast::error_code ec, std::size_t bytes);
  void fail(std::string_view code, std::string message, std::uint16_t close_code);
  void close_when_drained();
  void die();
  void set_lagging(bool lagging);
  void start_subscribe_deadline();

  const StreamContext& context_;
  boost::beast::websocket::stream<net::PlainOrTlsStream> ws_;
  std::string peer_;
  boost::beast::flat_buffer read_buffer_;

  Phase phase_ = Phase::AwaitHello;
  const Principal* principal_ = nullptr;  // from Hello.token; null on an open server
  // Hello and Subscribe must come within --subscribe-timeout-ms of the handshake.
  boost::asio::steady_timer subscribe_deadline_;
  bool subscribed_once_ = false;
  Sync sync_ = Sync::Live;
  std::vector<protocol::SelectorSpec> selectors_;
  bool lagging_ = false;

  std::optional<SnapshotReader> snapshot_;  // while Sync::Snapshot
  bool snapshot_reset_ = false;             // for the SnapshotBegin of the snapshot waited for

  // Frames to write, and the position they bring the client to.
  OutboundQueue queue_;
  std::vector<boost::asio::const_buffer> write_buffers_;  // the frames in flight
  bool closing_started_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
  bool sent_since_tick_ = false;
};

}  // namespace hotstate::server
