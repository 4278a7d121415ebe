#include "hub.hpp"

#include <boost/asio/post.hpp>
#include <vector>

#include "stream_session.hpp"

namespace hotstate::server {

Hub::Hub(boost::asio::io_context& io, std::uint32_t heartbeat_ms)
    : io_(io), heartbeat_ms_(heartbeat_ms), tick_timer_(io) {}

void Hub::schedule_flush(StreamSession* session) {
  if (!flush_pending_.insert(session).second) return;
  to_flush_.push_back(session);
  if (to_flush_.size() == 1) boost::asio::post(io_, [this] { flush(); });
}

void Hub::flush() {
  std::vector<StreamSession*> sessions;
  sessions.swap(to_flush_);
  flush_pending_.clear();
  for (StreamSession* session : sessions)
    if (sessions_.count(session)) session->flush();  // it may have closed meanwhile
}

void Hub::publish(const CommittedTxn& txn) {
  protocol::FramePtr shared;  // encoded on first use, then shared
  for (StreamSession* session : sessions_) session->on_commit(txn, shared);
}

void Hub::resync_all() {
  std::vector<StreamSession*> sessions(sessions_.begin(), sessions_.end());
  for (StreamSession* session : sessions)
    if (sessions_.count(session)) session->resync();
}

protocol::FramePtr Hub::progress_frame(std::uint64_t revision) {
  if (!progress_cache_ || progress_cache_revision_ != revision) {
    progress_cache_ = protocol::encode_progress(revision);
    progress_cache_revision_ = revision;
  }
  return progress_cache_;
}

void Hub::start_heartbeats() { schedule_tick(); }

void Hub::schedule_tick() {
  // Two ticks per heartbeat period: a connection that sent nothing during one tick gets a
  // Progress, so the gap between frames never exceeds heartbeat_ms.
  tick_timer_.expires_after(std::chrono::milliseconds(std::max<std::uint32_t>(1, heartbeat_ms_ / 2)));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    std::vector<StreamSession*> sessions(sessions_.begin(), sessions_.end());
    for (StreamSession* session : sessions)
      if (sessions_.count(session)) session->on_tick();
    schedule_tick();
  });
}

void Hub::shutdown() {
  stopped_ = true;
  tick_timer_.cancel();
  // going_away() removes the session from sessions_: iterate over a copy.
  std::vector<StreamSession*> sessions(sessions_.begin(), sessions_.end());
  for (StreamSession* session : sessions) session->going_away();
}

void Hub::cut_off_all() {
  // cut_off() never destroys a session synchronously (its handlers hold it): a copy
  // anyway, in case that changes.
  std::vector<StreamSession*> connections(connections_.begin(), connections_.end());
  for (StreamSession* session : connections) session->cut_off();
}

}  // namespace hotstate::server
