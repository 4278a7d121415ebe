#include "stream_sub.hpp"

#include <flatbuffers/flexbuffers.h>

#include <algorithm>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

#include "hotstate/protocol.hpp"

namespace loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace wire = hotstate::wire;
namespace protocol = hotstate::protocol;

StreamSub::StreamSub(asio::io_context& io, std::size_t index, const StreamOptions& options,
                     const StreamEvents& events)
    : io_(io), index_(index), options_(options), events_(events), backoff_timer_(io),
      rng_(static_cast<std::uint32_t>(index * 2654435761u + 1)) {}

void StreamSub::start() {
  if (closed_) return;
  ws_ = std::make_unique<websocket::stream<Socket>>(io_);
  ws_->next_layer().async_connect(options_.endpoint, [self = shared_from_this(), gen = generation_](auto ec) {
    if (self->stale(gen)) return;
    if (ec) return self->retry("connect: " + ec.message());
    self->ws_->next_layer().set_option(asio::ip::tcp::no_delay(true));
    self->ws_->read_message_max(protocol::kMaxFrameBytes);
    self->ws_->binary(true);
    std::string host = self->options_.endpoint.address().to_string() + ":" +
                       std::to_string(self->options_.endpoint.port());
    self->ws_->async_handshake(host, "/v1/stream", [self, gen](auto hs_ec) {
      if (self->stale(gen)) return;
      if (hs_ec) return self->retry("handshake: " + hs_ec.message());
      self->on_handshake();
    });
  });
}

void StreamSub::on_handshake() {
  ++connects_;
  // Hello and Subscribe in one message (a message may carry several frames): no need to
  // wait for Welcome, the server handles them in order.
  std::vector<protocol::SelectorSpec> selectors{{options_.collection, ""}};
  std::optional<protocol::PositionSpec> resume;
  if (epoch_ != 0) resume = protocol::PositionSpec{epoch_, position_};
  auto hello = protocol::encode_hello("loadgen", "");
  auto subscribe = protocol::encode_subscribe(selectors, resume);
  hello_.assign(reinterpret_cast<const char*>(hello->bytes().data()), hello->size());
  hello_.append(reinterpret_cast<const char*>(subscribe->bytes().data()), subscribe->size());
  awaiting_live_ = true;
  in_snapshot_ = false;
  ws_->async_write(asio::buffer(hello_), [self = shared_from_this(), gen = generation_](auto ec, std::size_t) {
    if (self->stale(gen)) return;
    if (ec) return self->retry("write: " + ec.message());
  });
  read();
}

void StreamSub::read() {
  ws_->async_read(buffer_, [self = shared_from_this(), gen = generation_](auto ec, std::size_t) {
    if (self->stale(gen)) return;
    if (ec) return self->retry("read: " + ec.message());
    self->on_message();
    self->buffer_.consume(self->buffer_.size());
    self->read();
  });
}

void StreamSub::on_message() {
  auto data = buffer_.cdata();
  std::span<const std::uint8_t> message(static_cast<const std::uint8_t*>(data.data()), data.size());
  auto frames = protocol::split_frames(message);
  if (!frames) throw std::runtime_error("stream: a message that does not split into frames");
  for (auto bytes : *frames) on_frame(bytes);
}

void StreamSub::on_frame(std::span<const std::uint8_t> bytes) {
  const wire::Frame* frame = protocol::verify_frame(bytes);
  if (!frame) throw std::runtime_error("stream: a frame that fails verification");
  switch (frame->message_type()) {
    case wire::Message::Welcome:
      break;
    case wire::Message::SnapshotBegin: {
      const auto* begin = frame->message_as_SnapshotBegin();
      in_snapshot_ = true;
      ++snapshots_;
      epoch_ = begin->epoch();
      break;
    }
    case wire::Message::SnapshotChunk:
      break;  // the benchmarks subscribe before writing: snapshots carry no measured values
    case wire::Message::SnapshotEnd:
      in_snapshot_ = false;
      position_ = frame->message_as_SnapshotEnd()->revision();
      went_live();
      break;
    case wire::Message::Delta: {
      const auto* delta = frame->message_as_Delta();
      if (in_snapshot_) throw std::runtime_error("stream: Delta inside a snapshot");
      if (delta->from_revision() > position_)
        throw std::runtime_error("stream: gap (Delta from " + std::to_string(delta->from_revision()) +
                                 ", position " + std::to_string(position_) + ")");
      for (const auto* txn : *delta->txns()) {
        if (txn->revision() <= position_) continue;  // already applied
        for (const auto* op : *txn->ops()) {
          if (op->kind() != wire::OpKind::Put || !op->record()->value()) continue;
          const auto* v = op->record()->value();
          auto text = flexbuffers::GetRoot(v->data(), v->size()).AsString();
          events_.value(index_, std::string_view(text.c_str(), text.length()));
        }
      }
      position_ = std::max(position_, delta->to_revision());
      if (awaiting_live_ && epoch_ != 0) ++resumes_;
      went_live();
      break;
    }
    case wire::Message::Progress:
      if (in_snapshot_) throw std::runtime_error("stream: Progress inside a snapshot");
      position_ = std::max(position_, frame->message_as_Progress()->revision());
      if (awaiting_live_ && epoch_ != 0) ++resumes_;
      went_live();
      break;
    case wire::Message::Error: {
      const auto* error = frame->message_as_Error();
      // going_away is the server stopping: a reconnecting client just comes back.
      if (options_.reconnect && error->code()->string_view() == "going_away") break;
      throw std::runtime_error("stream: server error " + error->code()->str() + ": " + error->message()->str());
    }
    default:
      throw std::runtime_error(std::string("stream: unexpected ") + protocol::message_name(frame->message_type()));
  }
}

void StreamSub::went_live() {
  if (!awaiting_live_) return;
  awaiting_live_ = false;
  attempt_ = 0;
  if (events_.live) events_.live(index_);
}

void StreamSub::retry(const std::string& why) {
  if (!options_.reconnect) throw std::runtime_error("stream subscriber " + std::to_string(index_) + ": " + why);
  // Full jitter: a uniform delay in [0, min(cap, initial * 2^attempt)].
  constexpr unsigned kInitialMs = 100, kCapMs = 2000;
  unsigned ceiling = std::min<unsigned>(kCapMs, kInitialMs << std::min(attempt_, 5u));
  ++attempt_;
  auto delay = std::uniform_int_distribution<unsigned>(0, ceiling)(rng_);
  // A websocket stream is not reusable after an error; handlers of the old one that are
  // still queued see a new generation and do nothing.
  ++generation_;
  ws_.reset();
  buffer_.consume(buffer_.size());
  backoff_timer_.expires_after(std::chrono::milliseconds(delay));
  backoff_timer_.async_wait([self = shared_from_this()](auto ec) {
    if (!ec) self->start();
  });
}

void StreamSub::close() {
  closed_ = true;
  backoff_timer_.cancel();
  if (ws_) {
    boost::system::error_code ignored;
    ws_->next_layer().close(ignored);
  }
}

}  // namespace loadgen
