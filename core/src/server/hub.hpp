#pragma once
// The set of live stream connections: fans each committed transaction out to them, and
// sends idle heartbeats. Owned by the Server (which feeds it commits); knows nothing of it.
// Sessions add themselves once their WebSocket is open and remove themselves when they
// close or die, so every pointer held here is to a live session.

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <set>
#include <vector>

#include "hotstate/protocol.hpp"
#include "hotstate/record.hpp"

namespace hotstate::server {

class StreamSession;

class Hub {
 public:
  // `heartbeat_ms`: --heartbeat-ms; an idle connection gets a frame at least this often.
  Hub(boost::asio::io_context& io, std::uint32_t heartbeat_ms);

  // Every stream connection from its creation to its destruction (open, closing or
  // handshaking), so the server can cut them all off (cut_off_all).
  void opened(StreamSession* session) { connections_.insert(session); }
  void closed(StreamSession* session) { connections_.erase(session); }
  // Closes the socket of every stream connection still there (the shutdown grace period
  // is over): their pending operations end, and they are destroyed while the server is.
  void cut_off_all();

  void add(StreamSession* session) { sessions_.insert(session); }
  void remove(StreamSession* session) { sessions_.erase(session); }
  std::size_t size() const { return sessions_.size(); }

  // Called once per commit, after the store applied it. The full-transaction frame is
  // encoded at most once and shared by every connection that matches all of its ops.
  void publish(const CommittedTxn& txn);

  // Every stream drops its pending live frames and catches up from the change log (or
  // with a reset snapshot when the log no longer covers it): after an import.
  void resync_all();

  // Has `session` write its queued frames once the handlers ready now have run, so that
  // the commits of one event-loop turn reach each connection in one write.
  void schedule_flush(StreamSession* session);

  // A Progress frame for `revision`, shared by every connection that needs one.
  protocol::FramePtr progress_frame(std::uint64_t revision);

  void start_heartbeats();
  // Sends "going away" to every stream; stops heartbeats.
  void shutdown();
  // After shutdown(): a stream opening now is sent "going away" at once.
  bool shut_down() const { return stopped_; }

 private:
  void schedule_tick();
  void flush();

  boost::asio::io_context& io_;
  std::uint32_t heartbeat_ms_;
  std::vector<StreamSession*> to_flush_;  // unique: a session is added once per turn
  std::set<StreamSession*> flush_pending_;
  boost::asio::steady_timer tick_timer_;
  std::set<StreamSession*> sessions_;     // streaming: fan-out and heartbeats
  std::set<StreamSession*> connections_;  // every StreamSession not yet destroyed
  protocol::FramePtr progress_cache_;
  std::uint64_t progress_cache_revision_ = 0;
  bool stopped_ = false;
};

}  // namespace hotstate::server
