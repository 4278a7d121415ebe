#include "stream_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <stdexcept>

#include "hotstate/value.hpp"

namespace hotstate::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

StreamClient::StreamClient(const std::string& host, unsigned short port) : ws_(io_) {
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host), port);
  beast::get_lowest_layer(ws_).connect(endpoint);
  ws_.read_message_max(protocol::kMaxFrameBytes);
  ws_.binary(true);
  ws_.handshake(host + ":" + std::to_string(port), "/v1/stream");
}

StreamClient::~StreamClient() {
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void StreamClient::send(const protocol::FramePtr& frame) {
  auto bytes = frame->bytes();
  ws_.binary(true);
  ws_.write(asio::buffer(bytes.data(), bytes.size()));
}

void StreamClient::send_bytes(const std::vector<std::uint8_t>& bytes, bool binary) {
  ws_.binary(binary);
  ws_.write(asio::buffer(bytes));
  ws_.binary(true);
}

bool StreamClient::read_message(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  bool done = false;
  beast::error_code result;
  ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  io_.restart();
  io_.run_for(timeout);
  if (!done) {
    // Cancel the read and let it finish, so the stream stays usable.
    beast::get_lowest_layer(ws_).socket().cancel();
    io_.restart();
    io_.run();
    closed_ = true;  // a cancelled websocket read leaves the stream unusable
    return false;
  }
  if (result) {
    closed_ = true;
    if (result == websocket::error::closed) close_code_ = ws_.reason().code;
    return false;
  }
  auto data = buffer_.cdata();
  std::span<const std::uint8_t> message(static_cast<const std::uint8_t*>(data.data()), data.size());
  auto frames = protocol::split_frames(message);
  if (!frames) throw std::runtime_error("server sent a message that does not split into frames");
  for (auto bytes : *frames) {
    if (!protocol::verify_frame(bytes)) throw std::runtime_error("server sent an unverifiable frame");
    pending_.push_back(ReceivedFrame{std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
  }
  buffer_.consume(buffer_.size());
  return true;
}

std::optional<ReceivedFrame> StreamClient::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending_.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_message(left)) return std::nullopt;
  }
  ReceivedFrame frame = std::move(pending_.front());
  pending_.pop_front();
  return frame;
}

std::optional<ReceivedFrame> StreamClient::next_of(wire::Message type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto frame = next(std::max(left, std::chrono::milliseconds(1)));
    if (!frame) return std::nullopt;
    apply(*frame);
    if (frame->type() == type) return frame;
    if (left.count() <= 0) return std::nullopt;
  }
}

const wire::Welcome& StreamClient::hello(const std::string& name) {
  send(protocol::encode_hello(name, ""));
  welcome_ = next_of(wire::Message::Welcome);
  if (!welcome_) throw std::runtime_error("no Welcome");
  return *welcome_->frame().message_as_Welcome();
}

void StreamClient::subscribe(std::vector<protocol::SelectorSpec> selectors,
                             std::optional<protocol::PositionSpec> resume) {
  send(protocol::encode_subscribe(selectors, resume));
}

bool StreamClient::sync_to(std::uint64_t revision, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (position_ < revision || in_snapshot_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto frame = next(left);
    if (!frame) return false;
    apply(*frame);
  }
  return true;
}

void StreamClient::apply(const ReceivedFrame& received) {
  const wire::Frame& frame = received.frame();
  auto record_of = [](const wire::Record& r) {
    ReplicaRecord out;
    if (r.value()) out.json = flex_to_json({r.value()->data(), r.value()->size()});
    out.create_revision = r.create_revision();
    out.mod_revision = r.mod_revision();
    out.version = r.version();
    return out;
  };
  switch (frame.message_type()) {
    case wire::Message::Welcome:
      if (epoch_ == 0) epoch_ = frame.message_as_Welcome()->epoch();
      break;
    case wire::Message::SnapshotBegin: {
      const auto* begin = frame.message_as_SnapshotBegin();
      EXPECT_FALSE(in_snapshot_) << "SnapshotBegin inside a snapshot";
      in_snapshot_ = true;
      building_.clear();
      ++snapshots_seen_;
      if (begin->reset()) ++resets_seen_;
      epoch_ = begin->epoch();
      break;
    }
    case wire::Message::SnapshotChunk:
      EXPECT_TRUE(in_snapshot_) << "SnapshotChunk outside a snapshot";
      for (const auto* r : *frame.message_as_SnapshotChunk()->records())
        building_[{r->collection()->str(), r->key()->str()}] = record_of(*r);
      break;
    case wire::Message::SnapshotEnd:
      EXPECT_TRUE(in_snapshot_) << "SnapshotEnd outside a snapshot";
      in_snapshot_ = false;
      replica_.swap(building_);
      building_.clear();
      position_ = frame.message_as_SnapshotEnd()->revision();
      break;
    case wire::Message::Delta: {
      const auto* delta = frame.message_as_Delta();
      EXPECT_FALSE(in_snapshot_) << "Delta inside a snapshot";
      EXPECT_EQ(delta->from_revision(), position_) << "Delta does not chain";
      EXPECT_GT(delta->to_revision(), delta->from_revision());
      ++deltas_seen_;
      for (const auto* txn : *delta->txns()) {
        EXPECT_GT(txn->revision(), delta->from_revision());
        EXPECT_LE(txn->revision(), delta->to_revision());
        for (const auto* op : *txn->ops()) {
          std::pair<std::string, std::string> id{op->record()->collection()->str(), op->record()->key()->str()};
          if (op->kind() == wire::OpKind::Put)
            replica_[id] = record_of(*op->record());
          else
            replica_.erase(id);
        }
      }
      position_ = delta->to_revision();
      break;
    }
    case wire::Message::Progress:
      ++progress_seen_;
      EXPECT_FALSE(in_snapshot_) << "Progress inside a snapshot";
      position_ = std::max(position_, frame.message_as_Progress()->revision());
      break;
    default:
      break;
  }
}

unsigned StreamClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    if (!next(left)) break;
  }
  return close_code_;
}

void StreamClient::close() {
  if (closed_) return;
  beast::error_code ignored;
  ws_.close(websocket::close_code::normal, ignored);
  closed_ = true;
}

}  // namespace hotstate::testing
