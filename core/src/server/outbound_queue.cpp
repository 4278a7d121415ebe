#include "outbound_queue.hpp"

namespace hotstate::server {

OutboundQueue::OutboundQueue(std::size_t max_live_bytes, std::uint64_t* bytes_gauge)
    : max_live_bytes_(max_live_bytes), bytes_gauge_(bytes_gauge) {}

OutboundQueue::~OutboundQueue() { count_bytes(0, bytes_); }

OutboundQueue::Pushed OutboundQueue::push(protocol::FramePtr frame, std::uint64_t position_after) {
  if (position_after < position_) return Pushed::Refused;
  add(Entry{std::move(frame), position_, false, {}}, position_after);
  return Pushed::Queued;
}

OutboundQueue::Pushed OutboundQueue::push_live(protocol::FramePtr frame, std::uint64_t position_after,
                                               Clock::time_point now) {
  if (position_after < position_) return Pushed::Refused;
  if (!entries_.empty() && bytes_ + frame->size() > max_live_bytes_) {
    drop_unsent_live();
    return Pushed::Overflow;
  }
  add(Entry{std::move(frame), position_, true, now}, position_after);
  return Pushed::Queued;
}

void OutboundQueue::add(Entry entry, std::uint64_t position_after) {
  count_bytes(entry.frame->size(), 0);
  entries_.push_back(std::move(entry));
  position_ = position_after;
}

void OutboundQueue::drop_unsent_live() {
  while (entries_.size() > in_flight_ && entries_.back().live) {
    count_bytes(0, entries_.back().frame->size());
    position_ = entries_.back().position_before;
    entries_.pop_back();
  }
}

void OutboundQueue::pop_front(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    count_bytes(0, entries_.front().frame->size());
    entries_.pop_front();
  }
}

void OutboundQueue::count_bytes(std::size_t added, std::size_t removed) {
  bytes_ = bytes_ + added - removed;
  if (bytes_gauge_) *bytes_gauge_ = *bytes_gauge_ + added - removed;
}

}  // namespace hotstate::server
