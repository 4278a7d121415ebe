#pragma once
// The answers of one pipelined HTTP/1.1 connection, in request order. A request takes a
// place when it is read; its answer may be ready at once (a read) or later (a write,
// once durable), and answers leave only from the front, so the client gets them in the
// order it sent the requests whatever order they became ready in.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>

#include "http_api.hpp"

namespace hotstate::server {

class AnswerQueue {
 public:
  using Ticket = std::uint64_t;

  // A place for the next request's answer.
  Ticket reserve() {
    places_.emplace_back();
    return first_ + places_.size() - 1;
  }
  // The answer of `ticket` is ready. A ticket is filled once.
  void fill(Ticket ticket, Response response) {
    if (ticket < first_ || ticket - first_ >= places_.size()) throw std::logic_error("AnswerQueue: unknown ticket");
    auto& place = places_[ticket - first_];
    if (place) throw std::logic_error("AnswerQueue: ticket filled twice");
    place.emplace(std::move(response));
  }
  // The front answer when it is ready (the next to write), else null.
  Response* ready_front() { return !places_.empty() && places_.front() ? &*places_.front() : nullptr; }
  // Removes the front answer (written).
  void pop_front() {
    places_.pop_front();
    ++first_;
  }
  std::size_t size() const { return places_.size(); }  // requests not yet answered
  bool empty() const { return places_.empty(); }

 private:
  std::deque<std::optional<Response>> places_;
  Ticket first_ = 0;  // the ticket of places_.front()
};

}  // namespace hotstate::server
