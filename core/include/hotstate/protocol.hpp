#pragma once
// Encoding and checking of /v1/stream frames (schemas/hotstate.fbs). A frame is a
// size-prefixed FlatBuffer `Frame` with identifier "HST1"; one WebSocket binary message
// carries one or more frames back to back. Nothing from the wire is touched before
// verify_frame() accepted it.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "hotstate/record.hpp"
#include "hotstate/wire/hotstate_generated.h"

namespace hotstate::protocol {

inline constexpr std::uint32_t kProtocolVersion = 1;
// Largest frame either side accepts: a transaction's ops, or a snapshot chunk.
inline constexpr std::size_t kMaxFrameBytes = 64u << 20;
// Snapshot chunks are cut once they pass this many bytes.
inline constexpr std::size_t kSnapshotChunkBytes = 256u << 10;

// WebSocket close codes the server uses (docs/protocol.md).
namespace close_code {
inline constexpr std::uint16_t kGoingAway = 1001;        // server shutting down
inline constexpr std::uint16_t kProtocolError = 1002;    // frame out of order / unknown
inline constexpr std::uint16_t kUnsupportedData = 1003;  // text message
inline constexpr std::uint16_t kInvalidFrame = 1007;     // frame failed verification
inline constexpr std::uint16_t kPolicyViolation = 1008;  // limits (selectors, ...)
inline constexpr std::uint16_t kTooBig = 1009;           // message over kMaxFrameBytes
inline constexpr std::uint16_t kTryAgainLater = 1013;    // too many connections
inline constexpr std::uint16_t kUnauthorized = 4401;     // no valid API token in Hello
inline constexpr std::uint16_t kForbidden = 4403;        // token may not read a selector's collection
inline constexpr std::uint16_t kServerBehind = 4409;     // the resume position is ahead of this server
}  // namespace close_code

// An encoded frame, shared (read-only) by every connection that sends it.
class EncodedFrame {
 public:
  explicit EncodedFrame(flatbuffers::DetachedBuffer buffer) : buffer_(std::move(buffer)) {}
  std::span<const std::uint8_t> bytes() const { return {buffer_.data(), buffer_.size()}; }
  std::size_t size() const { return buffer_.size(); }

 private:
  flatbuffers::DetachedBuffer buffer_;
};
using FramePtr = std::shared_ptr<const EncodedFrame>;

struct SelectorSpec {
  std::string collection;
  std::string prefix;
  bool matches(std::string_view collection_name, std::string_view key) const {
    return collection_name == collection && key.substr(0, prefix.size()) == prefix;
  }
};

struct PositionSpec {
  std::uint64_t epoch = 0;
  std::uint64_t revision = 0;
};

// A transaction as sent in a Delta: possibly only the ops a subscription matches.
struct TxnView {
  std::uint64_t revision = 0;
  std::vector<const ChangeOp*> ops;
};

FramePtr encode_hello(std::string_view client_name, std::string_view token,
                      std::uint32_t protocol = kProtocolVersion);
FramePtr encode_subscribe(std::span<const SelectorSpec> selectors,
                          std::optional<PositionSpec> resume);
FramePtr encode_unsubscribe();
FramePtr encode_ping(std::uint64_t nonce);

FramePtr encode_welcome(std::uint64_t epoch, std::uint64_t revision, std::string_view server_id,
                        std::uint32_t heartbeat_ms);
FramePtr encode_snapshot_begin(std::uint64_t epoch, std::uint64_t revision, bool reset);
FramePtr encode_snapshot_chunk(std::span<const RecordPtr> records);
FramePtr encode_snapshot_end(std::uint64_t revision);
FramePtr encode_delta(std::uint64_t from_revision, std::uint64_t to_revision,
                      std::span<const TxnView> txns);
// The whole transaction, every op (the shared fan-out encoding).
FramePtr encode_txn_delta(const CommittedTxn& txn);
FramePtr encode_progress(std::uint64_t revision);
FramePtr encode_pong(std::uint64_t nonce, std::uint64_t revision);
FramePtr encode_error(std::string_view code, std::string_view message, std::uint16_t close);

// Checks one size-prefixed frame (the 4-byte prefix included) with a FlatBuffers Verifier
// (depth and table limits, nested FlexBuffers included), and that every record a receiver
// keeps has a value that passes verify_flex. The frame must start at an 8-byte boundary
// (encoders pad every frame to a multiple of 8 bytes). nullptr when it does not verify.
const wire::Frame* verify_frame(std::span<const std::uint8_t> frame);

// Splits one WebSocket message into its size-prefixed frames. Returns std::nullopt when
// the message is empty, a prefix runs past the end, or a frame exceeds kMaxFrameBytes.
std::optional<std::vector<std::span<const std::uint8_t>>> split_frames(
    std::span<const std::uint8_t> message);

// The union member's name, for error messages ("Hello", "Delta", ...).
const char* message_name(wire::Message type);

}  // namespace hotstate::protocol
