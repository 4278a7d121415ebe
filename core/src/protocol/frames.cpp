#include <cstdint>
#include <cstring>

#include "hotstate/protocol.hpp"
#include "hotstate/value.hpp"

namespace hotstate::protocol {
namespace {

namespace fb = flatbuffers;

// Frames are read in place, so each must start at an 8-byte boundary (see verify_frame).
// Sizes that are multiples of 8 keep every frame of a message on one, however many a
// message carries; without this, a frame with no 64-bit field may end at 4 mod 8.
constexpr std::size_t kFrameAlignment = 8;

template <typename T>
FramePtr finish(fb::FlatBufferBuilder& fbb, fb::Offset<T> message) {
  auto frame = wire::CreateFrame(fbb, wire::MessageTraits<T>::enum_value, message.Union());
  fbb.TrackMinAlign(kFrameAlignment);
  wire::FinishSizePrefixedFrameBuffer(fbb, frame);
  return std::make_shared<const EncodedFrame>(fbb.Release());
}

fb::Offset<fb::String> string_of(fb::FlatBufferBuilder& fbb, std::string_view s) {
  return fbb.CreateString(s.data(), s.size());
}

fb::Offset<wire::Record> record_of(fb::FlatBufferBuilder& fbb, const Record& r, bool with_value) {
  auto collection = string_of(fbb, r.collection);
  auto key = string_of(fbb, r.key);
  fb::Offset<fb::Vector<std::uint8_t>> value;
  if (with_value) value = fbb.CreateVector(r.value.data(), r.value.size());
  wire::RecordBuilder b(fbb);
  b.add_collection(collection);
  b.add_key(key);
  if (with_value) b.add_value(value);
  b.add_create_revision(r.create_revision);
  b.add_mod_revision(r.mod_revision);
  b.add_version(r.version);
  return b.Finish();
}

fb::Offset<wire::Txn> txn_of(fb::FlatBufferBuilder& fbb, std::uint64_t revision,
                             std::span<const ChangeOp* const> ops) {
  std::vector<fb::Offset<wire::Op>> encoded;
  encoded.reserve(ops.size());
  for (const ChangeOp* op : ops) {
    bool is_put = op->kind == OpKind::Put;
    auto record = record_of(fbb, *op->record, is_put);
    encoded.push_back(wire::CreateOp(fbb, is_put ? wire::OpKind::Put : wire::OpKind::Delete, record));
  }
  return wire::CreateTxn(fbb, revision, fbb.CreateVector(encoded));
}

// A record the receiver keeps (a snapshot record, a put) has a value, and the value passes
// hotstate's FlexBuffers check: readers hand out views of it without checking again, and
// the FlatBuffers verifier's own nested check misses unterminated keys (verify_flex).
bool stored_value_ok(const wire::Record& record) {
  const auto* value = record.value();
  return value && verify_flex({value->data(), value->size()});
}

bool values_ok(const wire::Frame& frame) {
  if (const auto* chunk = frame.message_as_SnapshotChunk()) {
    for (const auto* record : *chunk->records())
      if (!stored_value_ok(*record)) return false;
  } else if (const auto* delta = frame.message_as_Delta()) {
    for (const auto* txn : *delta->txns())
      for (const auto* op : *txn->ops())
        if (op->kind() == wire::OpKind::Put && !stored_value_ok(*op->record())) return false;
  }
  return true;
}

std::size_t estimate_bytes(const Record& r) {
  return r.collection.size() + r.key.size() + r.value.size() + 64;
}

}  // namespace

FramePtr encode_hello(std::string_view client_name, std::string_view token,
                      std::uint32_t protocol) {
  fb::FlatBufferBuilder fbb(256);
  auto name = string_of(fbb, client_name);
  fb::Offset<fb::String> tok;
  if (!token.empty()) tok = string_of(fbb, token);
  return finish(fbb, wire::CreateHello(fbb, protocol, name, tok));
}

FramePtr encode_subscribe(std::span<const SelectorSpec> selectors,
                          std::optional<PositionSpec> resume) {
  fb::FlatBufferBuilder fbb(256);
  std::vector<fb::Offset<wire::Selector>> encoded;
  for (const auto& s : selectors)
    encoded.push_back(
        wire::CreateSelector(fbb, string_of(fbb, s.collection), string_of(fbb, s.prefix)));
  auto vec = fbb.CreateVector(encoded);
  std::optional<wire::Position> position;
  if (resume) position.emplace(resume->epoch, resume->revision);
  return finish(fbb, wire::CreateSubscribe(fbb, vec, position ? &*position : nullptr));
}

FramePtr encode_unsubscribe() {
  fb::FlatBufferBuilder fbb(64);
  return finish(fbb, wire::CreateUnsubscribe(fbb));
}

FramePtr encode_ping(std::uint64_t nonce) {
  fb::FlatBufferBuilder fbb(64);
  return finish(fbb, wire::CreatePing(fbb, nonce));
}

FramePtr encode_welcome(std::uint64_t epoch, std::uint64_t revision, std::string_view server_id,
                        std::uint32_t heartbeat_ms) {
  fb::FlatBufferBuilder fbb(128);
  auto id = string_of(fbb, server_id);
  return finish(fbb,
                wire::CreateWelcome(fbb, kProtocolVersion, epoch, revision, id, heartbeat_ms));
}

FramePtr encode_snapshot_begin(std::uint64_t epoch, std::uint64_t revision, bool reset) {
  fb::FlatBufferBuilder fbb(64);
  return finish(fbb, wire::CreateSnapshotBegin(fbb, revision, reset, epoch));
}

FramePtr encode_snapshot_chunk(std::span<const RecordPtr> records) {
  std::size_t estimate = 64;
  for (const auto& r : records) estimate += estimate_bytes(*r);
  fb::FlatBufferBuilder fbb(estimate);
  std::vector<fb::Offset<wire::Record>> encoded;
  encoded.reserve(records.size());
  for (const auto& r : records) encoded.push_back(record_of(fbb, *r, true));
  return finish(fbb, wire::CreateSnapshotChunk(fbb, fbb.CreateVector(encoded)));
}

FramePtr encode_snapshot_end(std::uint64_t revision) {
  fb::FlatBufferBuilder fbb(64);
  return finish(fbb, wire::CreateSnapshotEnd(fbb, revision));
}

FramePtr encode_delta(std::uint64_t from_revision, std::uint64_t to_revision,
                      std::span<const TxnView> txns) {
  std::size_t estimate = 64;
  for (const auto& t : txns)
    for (const ChangeOp* op : t.ops) estimate += estimate_bytes(*op->record);
  fb::FlatBufferBuilder fbb(estimate);
  std::vector<fb::Offset<wire::Txn>> encoded;
  encoded.reserve(txns.size());
  for (const auto& t : txns) encoded.push_back(txn_of(fbb, t.revision, t.ops));
  return finish(fbb,
                wire::CreateDelta(fbb, from_revision, to_revision, fbb.CreateVector(encoded)));
}

FramePtr encode_txn_delta(const CommittedTxn& txn) {
  TxnView view{txn.revision, {}};
  view.ops.reserve(txn.ops.size());
  for (const auto& op : txn.ops) view.ops.push_back(&op);
  return encode_delta(txn.revision - 1, txn.revision, std::span<const TxnView>(&view, 1));
}

FramePtr encode_progress(std::uint64_t revision) {
  fb::FlatBufferBuilder fbb(64);
  return finish(fbb, wire::CreateProgress(fbb, revision));
}

FramePtr encode_pong(std::uint64_t nonce, std::uint64_t revision) {
  fb::FlatBufferBuilder fbb(64);
  return finish(fbb, wire::CreatePong(fbb, nonce, revision));
}

FramePtr encode_error(std::string_view code, std::string_view message, std::uint16_t close) {
  fb::FlatBufferBuilder fbb(256);
  auto c = string_of(fbb, code);
  auto m = string_of(fbb, message);
  return finish(fbb, wire::CreateError(fbb, c, m, close));
}

const wire::Frame* verify_frame(std::span<const std::uint8_t> frame) {
  if (frame.size() < sizeof(fb::uoffset_t) + 8 || frame.size() > kMaxFrameBytes) return nullptr;
  // The Verifier checks alignment relative to the frame's start: a frame that starts off
  // an 8-byte boundary (after a frame whose size is not a multiple of 8) would be read with
  // misaligned loads. A message's first frame sits at the start of the read buffer.
  if (reinterpret_cast<std::uintptr_t>(frame.data()) % kFrameAlignment != 0) return nullptr;
  fb::Verifier verifier(frame.data(), frame.size(), /*max_depth=*/64, /*max_tables=*/4'000'000);
  if (!wire::VerifySizePrefixedFrameBuffer(verifier)) return nullptr;
  const auto* parsed = wire::GetSizePrefixedFrame(frame.data());
  // A union whose type is set but whose table is missing verifies; readers would then
  // dereference null. Unknown (newer) types pass here and are refused by the reader.
  if (parsed->message_type() == wire::Message::NONE || !parsed->message()) return nullptr;
  if (!values_ok(*parsed)) return nullptr;
  return parsed;
}

std::optional<std::vector<std::span<const std::uint8_t>>> split_frames(
    std::span<const std::uint8_t> message) {
  std::vector<std::span<const std::uint8_t>> frames;
  std::size_t at = 0;
  while (at < message.size()) {
    if (message.size() - at < sizeof(fb::uoffset_t)) return std::nullopt;
    fb::uoffset_t body = 0;
    std::memcpy(&body, message.data() + at, sizeof body);  // little-endian on every target we build
    std::size_t total = sizeof body + std::size_t{body};
    if (total > kMaxFrameBytes || total > message.size() - at) return std::nullopt;
    frames.push_back(message.subspan(at, total));
    at += total;
  }
  if (frames.empty()) return std::nullopt;
  return frames;
}

const char* message_name(wire::Message type) { return wire::EnumNameMessage(type); }

}  // namespace hotstate::protocol
