// hotstate::protocol: every frame encodes to what it says, splits back out of one message,
// and nothing damaged or forged gets past verify_frame / split_frames.

#include <gtest/gtest.h>

#include <flatbuffers/flexbuffers.h>

#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hotstate/protocol.hpp"
#include "hotstate/value.hpp"

using namespace hotstate;
using namespace hotstate::protocol;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes bytes_of(const FramePtr& frame) { return Bytes(frame->bytes().begin(), frame->bytes().end()); }

const wire::Frame* verified(const Bytes& bytes) { return verify_frame(bytes); }

RecordPtr record(std::string collection, std::string key, std::string_view json, std::uint64_t create,
                 std::uint64_t mod, std::uint64_t version) {
  auto r = std::make_shared<Record>();
  r->collection = std::move(collection);
  r->key = std::move(key);
  if (!json.empty()) r->value = json_to_flex(json);
  r->create_revision = create;
  r->mod_revision = mod;
  r->version = version;
  return r;
}

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string("<null>"); }

std::string value_json(const wire::Record* r) {
  if (!r->value()) return "<none>";
  return flex_to_json(std::span<const std::uint8_t>(r->value()->data(), r->value()->size()));
}

// A Delta with puts and deletes over two transactions, values of every JSON type.
struct DeltaFixture {
  std::vector<ChangeOp> first_ops;
  std::vector<ChangeOp> second_ops;
  FramePtr frame;

  DeltaFixture() {
    first_ops.push_back({OpKind::Put, record("flags", "beta", R"({"on":true,"pct":0.25,"tags":["a","b"]})", 3, 7, 2)});
    first_ops.push_back({OpKind::Delete, record("flags", "gone", "", 0, 7, 0)});
    second_ops.push_back({OpKind::Put, record("limits", "user/42 ключ", R"([18446744073709551615,-9223372036854775808,1e300,"s\u0000",null])", 8, 8, 1)});
    TxnView a{7, {&first_ops[0], &first_ops[1]}};
    TxnView b{8, {&second_ops[0]}};
    std::vector<TxnView> txns{a, b};
    frame = encode_delta(6, 8, txns);
  }
};

// Reads every field a receiver could read, to show that a frame which verified is safe to
// touch (meaningful under the address sanitizer; otherwise it must at least not crash).
struct Walker {
  std::size_t sink = 0;

  void string(const flatbuffers::String* s) {
    if (s) sink += std::string_view(s->c_str(), s->size()).size();
  }

  void flex(const flexbuffers::Reference& r, int depth) {
    if (depth > 200) return;
    if (r.IsMap()) {
      auto map = r.AsMap();
      auto keys = map.Keys();
      auto values = map.Values();
      for (std::size_t i = 0; i < map.size(); ++i) {
        sink += std::strlen(keys[i].AsKey());
        flex(values[i], depth + 1);
      }
    } else if (r.IsUntypedVector()) {
      auto v = r.AsVector();
      for (std::size_t i = 0; i < v.size(); ++i) flex(v[i], depth + 1);
    } else if (r.IsTypedVector()) {
      auto v = r.AsTypedVector();
      for (std::size_t i = 0; i < v.size(); ++i) flex(v[i], depth + 1);
    } else if (r.IsFixedTypedVector()) {
      auto v = r.AsFixedTypedVector();
      for (std::size_t i = 0; i < v.size(); ++i) flex(v[i], depth + 1);
    } else if (r.IsString()) {
      auto s = r.AsString();
      sink += std::string_view(s.c_str(), s.length()).size();
    } else if (r.IsKey()) {
      sink += std::strlen(r.AsKey());
    } else if (r.IsBlob()) {
      auto b = r.AsBlob();
      for (std::size_t i = 0; i < b.size(); ++i) sink += b.data()[i];
    } else if (r.IsFloat()) {
      sink += static_cast<std::size_t>(r.AsDouble() != 0);
    } else if (r.IsUInt()) {
      sink += static_cast<std::size_t>(r.AsUInt64());
    } else if (r.IsInt()) {
      sink += static_cast<std::size_t>(r.AsInt64());
    } else if (r.IsBool()) {
      sink += r.AsBool();
    }
  }

  void rec(const wire::Record* r) {
    if (!r) return;
    string(r->collection());
    string(r->key());
    sink += r->create_revision() + r->mod_revision() + r->version();
    if (const auto* v = r->value()) {
      for (std::size_t i = 0; i < v->size(); ++i) sink += v->Get(static_cast<flatbuffers::uoffset_t>(i));
      flex(r->value_flexbuffer_root(), 0);
      try {
        sink += flex_to_json(std::span<const std::uint8_t>(v->data(), v->size())).size();
      } catch (const ValueError&) {
        // A FlexBuffer type with no JSON form (a blob, say) is refused, not misread.
      }
    }
  }

  void frame(const wire::Frame* f) {
    sink += std::strlen(message_name(f->message_type()));
    if (f->message_type() != wire::Message::NONE && !f->message()) {
      // Every receiver does `*frame.message_as_X()` after verify_frame said yes.
      ADD_FAILURE() << "verify_frame accepted a " << message_name(f->message_type())
                    << " frame that has no message table";
      return;
    }
    switch (f->message_type()) {
      case wire::Message::Hello: {
        auto* m = f->message_as_Hello();
        sink += m->protocol();
        string(m->client_name());
        string(m->token());
        break;
      }
      case wire::Message::Welcome: {
        auto* m = f->message_as_Welcome();
        sink += m->protocol() + m->epoch() + m->revision() + m->heartbeat_ms();
        string(m->server_id());
        break;
      }
      case wire::Message::Subscribe: {
        auto* m = f->message_as_Subscribe();
        if (m->selectors())
          for (const auto* s : *m->selectors()) {
            string(s->collection());
            string(s->prefix());
          }
        if (m->resume()) sink += m->resume()->epoch() + m->resume()->revision();
        break;
      }
      case wire::Message::Ping:
        sink += f->message_as_Ping()->nonce();
        break;
      case wire::Message::Pong:
        sink += f->message_as_Pong()->nonce() + f->message_as_Pong()->revision();
        break;
      case wire::Message::SnapshotBegin: {
        auto* m = f->message_as_SnapshotBegin();
        sink += m->epoch() + m->revision() + m->reset();
        break;
      }
      case wire::Message::SnapshotChunk:
        if (auto* records = f->message_as_SnapshotChunk()->records())
          for (const auto* r : *records) rec(r);
        break;
      case wire::Message::SnapshotEnd:
        sink += f->message_as_SnapshotEnd()->revision();
        break;
      case wire::Message::Delta: {
        auto* m = f->message_as_Delta();
        sink += m->from_revision() + m->to_revision();
        if (m->txns())
          for (const auto* t : *m->txns()) {
            sink += t->revision();
            if (t->ops())
              for (const auto* op : *t->ops()) {
                sink += static_cast<std::size_t>(op->kind());
                rec(op->record());
              }
          }
        break;
      }
      case wire::Message::Progress:
        sink += f->message_as_Progress()->revision();
        break;
      case wire::Message::Error: {
        auto* m = f->message_as_Error();
        string(m->code());
        string(m->message());
        sink += m->close_code();
        break;
      }
      default:
        break;
    }
  }
};

// A size-prefixed SnapshotChunk holding one record whose value bytes are `value`, built
// by hand so the value need not be a FlexBuffer.
Bytes chunk_with_raw_value(const Bytes& value) {
  flatbuffers::FlatBufferBuilder fbb;
  auto collection = fbb.CreateString("c");
  auto key = fbb.CreateString("k");
  auto v = fbb.CreateVector(value.data(), value.size());
  auto rec = wire::CreateRecord(fbb, collection, key, v, 1, 1, 1);
  std::vector<flatbuffers::Offset<wire::Record>> records{rec};
  auto chunk = wire::CreateSnapshotChunk(fbb, fbb.CreateVector(records));
  auto frame = wire::CreateFrame(fbb, wire::Message::SnapshotChunk, chunk.Union());
  wire::FinishSizePrefixedFrameBuffer(fbb, frame);
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

// The same inside a Delta (Frame -> Delta -> Txn -> Op -> Record -> value).
Bytes delta_with_raw_value(const Bytes& value) {
  flatbuffers::FlatBufferBuilder fbb;
  auto collection = fbb.CreateString("c");
  auto key = fbb.CreateString("k");
  auto v = fbb.CreateVector(value.data(), value.size());
  auto rec = wire::CreateRecord(fbb, collection, key, v, 1, 1, 1);
  std::vector<flatbuffers::Offset<wire::Op>> ops{wire::CreateOp(fbb, wire::OpKind::Put, rec)};
  std::vector<flatbuffers::Offset<wire::Txn>> txns{wire::CreateTxn(fbb, 1, fbb.CreateVector(ops))};
  auto delta = wire::CreateDelta(fbb, 0, 1, fbb.CreateVector(txns));
  auto frame = wire::CreateFrame(fbb, wire::Message::Delta, delta.Union());
  wire::FinishSizePrefixedFrameBuffer(fbb, frame);
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

std::vector<FramePtr> one_of_each() {
  static DeltaFixture delta;
  std::vector<RecordPtr> records = {record("c", "a", R"({"x":[1,2.5,"y"]})", 1, 2, 2),
                                    record("c", "b", "null", 3, 3, 1)};
  std::vector<SelectorSpec> selectors = {{"flags", ""}, {"limits", "user/"}};
  return {encode_hello("app", "secret"),
          encode_subscribe(selectors, PositionSpec{0xDEADBEEF, 42}),
          encode_unsubscribe(),
          encode_ping(7),
          encode_welcome(0x1234, 99, "server-1", 1000),
          encode_snapshot_begin(0x1234, 99, true),
          encode_snapshot_chunk(records),
          encode_snapshot_end(99),
          delta.frame,
          encode_progress(100),
          encode_pong(7, 100),
          encode_error("too_many_selectors", "at most 64", close_code::kPolicyViolation)};
}

}  // namespace

// ---- each frame type round-trips ------------------------------------------------------

TEST(Frames, Hello) {
  auto bytes = bytes_of(encode_hello("my-app", "tok-123"));
  const auto* f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::Hello);
  const auto* m = f->message_as_Hello();
  EXPECT_EQ(m->protocol(), kProtocolVersion);
  EXPECT_EQ(str(m->client_name()), "my-app");
  EXPECT_EQ(str(m->token()), "tok-123");

  bytes = bytes_of(encode_hello("", "", 7));
  f = verified(bytes);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message_as_Hello()->protocol(), 7u);
  EXPECT_EQ(f->message_as_Hello()->token(), nullptr) << "no token: the field is absent";
  EXPECT_EQ(str(f->message_as_Hello()->client_name()), "");
}

TEST(Frames, Subscribe) {
  std::vector<SelectorSpec> selectors = {{"flags", ""}, {"limits", "user/ключ"}};
  auto bytes = bytes_of(encode_subscribe(selectors, PositionSpec{0xFEDCBA9876543210ull, 12345}));
  const auto* f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::Subscribe);
  const auto* m = f->message_as_Subscribe();
  ASSERT_NE(m->selectors(), nullptr);
  ASSERT_EQ(m->selectors()->size(), 2u);
  EXPECT_EQ(str(m->selectors()->Get(0)->collection()), "flags");
  EXPECT_EQ(str(m->selectors()->Get(0)->prefix()), "");
  EXPECT_EQ(str(m->selectors()->Get(1)->collection()), "limits");
  EXPECT_EQ(str(m->selectors()->Get(1)->prefix()), "user/ключ");
  ASSERT_NE(m->resume(), nullptr);
  EXPECT_EQ(m->resume()->epoch(), 0xFEDCBA9876543210ull);
  EXPECT_EQ(m->resume()->revision(), 12345u);

  bytes = bytes_of(encode_subscribe(selectors, std::nullopt));
  f = verified(bytes);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message_as_Subscribe()->resume(), nullptr);

  bytes = bytes_of(encode_subscribe({}, std::nullopt));
  f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_NE(f->message_as_Subscribe()->selectors(), nullptr);
  EXPECT_EQ(f->message_as_Subscribe()->selectors()->size(), 0u);
}

TEST(Frames, UnsubscribePingPongProgressSnapshotEnd) {
  auto unsub = bytes_of(encode_unsubscribe());
  ASSERT_NE(verified(unsub), nullptr);
  EXPECT_EQ(verified(unsub)->message_type(), wire::Message::Unsubscribe);
  EXPECT_NE(verified(unsub)->message_as_Unsubscribe(), nullptr);

  auto ping = bytes_of(encode_ping(std::numeric_limits<std::uint64_t>::max()));
  ASSERT_NE(verified(ping), nullptr);
  ASSERT_EQ(verified(ping)->message_type(), wire::Message::Ping);
  EXPECT_EQ(verified(ping)->message_as_Ping()->nonce(), std::numeric_limits<std::uint64_t>::max());

  auto pong = bytes_of(encode_pong(5, 77));
  ASSERT_NE(verified(pong), nullptr);
  ASSERT_EQ(verified(pong)->message_type(), wire::Message::Pong);
  EXPECT_EQ(verified(pong)->message_as_Pong()->nonce(), 5u);
  EXPECT_EQ(verified(pong)->message_as_Pong()->revision(), 77u);

  auto progress = bytes_of(encode_progress(1ull << 40));
  ASSERT_NE(verified(progress), nullptr);
  ASSERT_EQ(verified(progress)->message_type(), wire::Message::Progress);
  EXPECT_EQ(verified(progress)->message_as_Progress()->revision(), 1ull << 40);

  auto end = bytes_of(encode_snapshot_end(31));
  ASSERT_NE(verified(end), nullptr);
  ASSERT_EQ(verified(end)->message_type(), wire::Message::SnapshotEnd);
  EXPECT_EQ(verified(end)->message_as_SnapshotEnd()->revision(), 31u);
}

TEST(Frames, WelcomeAndSnapshotBegin) {
  auto welcome = bytes_of(encode_welcome(0xABCDEF0123456789ull, 4242, "srv-a1", 1500));
  const auto* f = verified(welcome);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::Welcome);
  const auto* w = f->message_as_Welcome();
  EXPECT_EQ(w->protocol(), kProtocolVersion);
  EXPECT_EQ(w->epoch(), 0xABCDEF0123456789ull);
  EXPECT_EQ(w->revision(), 4242u);
  EXPECT_EQ(str(w->server_id()), "srv-a1");
  EXPECT_EQ(w->heartbeat_ms(), 1500u);

  for (bool reset : {true, false}) {
    auto begin = bytes_of(encode_snapshot_begin(0x77, 900, reset));
    f = verified(begin);
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(f->message_type(), wire::Message::SnapshotBegin);
    EXPECT_EQ(f->message_as_SnapshotBegin()->epoch(), 0x77u);
    EXPECT_EQ(f->message_as_SnapshotBegin()->revision(), 900u);
    EXPECT_EQ(f->message_as_SnapshotBegin()->reset(), reset);
  }
}

TEST(Frames, SnapshotChunkCarriesRecordsAndValues) {
  const std::vector<std::string> values = {
      "null", "true", "-17", "18446744073709551615", "-9223372036854775808", "0.1", "1e+300", "1.0",
      R"("caf\u00e9 😀")", R"([1,"a",null,[],{}])", R"({"a":{"c":"x","d":[false]},"b":1})"};
  std::vector<RecordPtr> records;
  for (std::size_t i = 0; i < values.size(); ++i)
    records.push_back(record("col", "key" + std::to_string(i), values[i], i + 1, i + 10, i + 100));
  auto bytes = bytes_of(encode_snapshot_chunk(records));
  const auto* f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::SnapshotChunk);
  const auto* out = f->message_as_SnapshotChunk()->records();
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE(values[i]);
    const auto* r = out->Get(static_cast<flatbuffers::uoffset_t>(i));
    EXPECT_EQ(str(r->collection()), "col");
    EXPECT_EQ(str(r->key()), "key" + std::to_string(i));
    EXPECT_EQ(r->create_revision(), i + 1);
    EXPECT_EQ(r->mod_revision(), i + 10);
    EXPECT_EQ(r->version(), i + 100);
    ASSERT_NE(r->value(), nullptr);
    EXPECT_EQ(Bytes(r->value()->begin(), r->value()->end()), records[i]->value);
    EXPECT_EQ(value_json(r), flex_to_json(records[i]->value));
  }

  auto empty = bytes_of(encode_snapshot_chunk({}));
  f = verified(empty);
  ASSERT_NE(f, nullptr);
  ASSERT_NE(f->message_as_SnapshotChunk()->records(), nullptr);
  EXPECT_EQ(f->message_as_SnapshotChunk()->records()->size(), 0u);
}

TEST(Frames, DeltaCarriesTxnsPutsAndDeletes) {
  DeltaFixture fixture;
  auto bytes = bytes_of(fixture.frame);
  const auto* f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::Delta);
  const auto* d = f->message_as_Delta();
  EXPECT_EQ(d->from_revision(), 6u);
  EXPECT_EQ(d->to_revision(), 8u);
  ASSERT_NE(d->txns(), nullptr);
  ASSERT_EQ(d->txns()->size(), 2u);

  const auto* t0 = d->txns()->Get(0);
  EXPECT_EQ(t0->revision(), 7u);
  ASSERT_NE(t0->ops(), nullptr);
  ASSERT_EQ(t0->ops()->size(), 2u);
  const auto* put = t0->ops()->Get(0);
  EXPECT_EQ(put->kind(), wire::OpKind::Put);
  EXPECT_EQ(str(put->record()->collection()), "flags");
  EXPECT_EQ(str(put->record()->key()), "beta");
  EXPECT_EQ(put->record()->create_revision(), 3u);
  EXPECT_EQ(put->record()->mod_revision(), 7u);
  EXPECT_EQ(put->record()->version(), 2u);
  EXPECT_EQ(value_json(put->record()), R"({"on":true,"pct":0.25,"tags":["a","b"]})");
  const auto* del = t0->ops()->Get(1);
  EXPECT_EQ(del->kind(), wire::OpKind::Delete);
  EXPECT_EQ(str(del->record()->collection()), "flags");
  EXPECT_EQ(str(del->record()->key()), "gone");
  EXPECT_EQ(del->record()->mod_revision(), 7u);
  EXPECT_EQ(del->record()->value(), nullptr) << "a delete carries no value";

  const auto* t1 = d->txns()->Get(1);
  EXPECT_EQ(t1->revision(), 8u);
  ASSERT_EQ(t1->ops()->size(), 1u);
  EXPECT_EQ(str(t1->ops()->Get(0)->record()->key()), "user/42 ключ");
  EXPECT_EQ(value_json(t1->ops()->Get(0)->record()),
            R"([18446744073709551615,-9223372036854775808,1e+300,"s\u0000",null])");

  // An empty Delta (nothing matched) still chains.
  auto empty = bytes_of(encode_delta(8, 9, {}));
  f = verified(empty);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message_as_Delta()->from_revision(), 8u);
  EXPECT_EQ(f->message_as_Delta()->to_revision(), 9u);
  EXPECT_EQ(f->message_as_Delta()->txns()->size(), 0u);
}

TEST(Frames, TxnDeltaIsTheWholeTransaction) {
  CommittedTxn txn;
  txn.revision = 51;
  txn.ops.push_back({OpKind::Put, record("a", "x", "[1,2]", 40, 51, 3)});
  txn.ops.push_back({OpKind::Delete, record("b", "y", "", 0, 51, 0)});
  txn.ops.push_back({OpKind::Put, record("a", "z", "\"new\"", 51, 51, 1)});
  auto bytes = bytes_of(encode_txn_delta(txn));
  const auto* f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::Delta);
  const auto* d = f->message_as_Delta();
  EXPECT_EQ(d->from_revision(), 50u);
  EXPECT_EQ(d->to_revision(), 51u);
  ASSERT_EQ(d->txns()->size(), 1u);
  const auto* t = d->txns()->Get(0);
  EXPECT_EQ(t->revision(), 51u);
  ASSERT_EQ(t->ops()->size(), 3u);
  EXPECT_EQ(t->ops()->Get(0)->kind(), wire::OpKind::Put);
  EXPECT_EQ(value_json(t->ops()->Get(0)->record()), "[1,2]");
  EXPECT_EQ(t->ops()->Get(1)->kind(), wire::OpKind::Delete);
  EXPECT_EQ(str(t->ops()->Get(1)->record()->collection()), "b");
  EXPECT_EQ(str(t->ops()->Get(1)->record()->key()), "y");
  EXPECT_EQ(t->ops()->Get(2)->record()->create_revision(), 51u);
  EXPECT_EQ(value_json(t->ops()->Get(2)->record()), "\"new\"");
}

TEST(Frames, Error) {
  auto bytes = bytes_of(encode_error("invalid_frame", "frame failed verification", close_code::kInvalidFrame));
  const auto* f = verified(bytes);
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->message_type(), wire::Message::Error);
  EXPECT_EQ(str(f->message_as_Error()->code()), "invalid_frame");
  EXPECT_EQ(str(f->message_as_Error()->message()), "frame failed verification");
  EXPECT_EQ(f->message_as_Error()->close_code(), close_code::kInvalidFrame);
}

TEST(Frames, MessageNames) {
  EXPECT_STREQ(message_name(wire::Message::Hello), "Hello");
  EXPECT_STREQ(message_name(wire::Message::Delta), "Delta");
  EXPECT_STREQ(message_name(wire::Message::Error), "Error");
  EXPECT_NE(message_name(static_cast<wire::Message>(200)), nullptr);
}

TEST(Frames, EveryFrameCarriesItsSizePrefixAndIdentifier) {
  for (const auto& frame : one_of_each()) {
    auto bytes = bytes_of(frame);
    ASSERT_GE(bytes.size(), 12u);
    std::uint32_t prefix = 0;
    std::memcpy(&prefix, bytes.data(), 4);
    EXPECT_EQ(prefix + 4u, bytes.size());
    EXPECT_EQ(std::string(bytes.begin() + 8, bytes.begin() + 12), "HST1");
    EXPECT_TRUE(wire::SizePrefixedFrameBufferHasIdentifier(bytes.data()));
  }
}

// ---- splitting one message into frames ----------------------------------------------

TEST(Frames, SplitFindsEveryFrameInAMessage) {
  auto frames = one_of_each();
  Bytes message;
  for (const auto& f : frames) message.insert(message.end(), f->bytes().begin(), f->bytes().end());
  auto parts = split_frames(message);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(Bytes((*parts)[i].begin(), (*parts)[i].end()), bytes_of(frames[i])) << i;
    const auto* f = verify_frame((*parts)[i]);
    ASSERT_NE(f, nullptr) << i;
    EXPECT_EQ(f->message_type(), verify_frame(frames[i]->bytes())->message_type());
  }

  auto single = split_frames(frames[3]->bytes());
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(single->size(), 1u);
}

TEST(Frames, SplitRefusesEmptyAndRunawayMessages) {
  EXPECT_FALSE(split_frames({}).has_value());
  const Bytes tiny = {1, 0, 0};
  EXPECT_FALSE(split_frames(tiny).has_value()) << "a prefix cut short";
  const Bytes runaway = {0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4};
  EXPECT_FALSE(split_frames(runaway).has_value());
  // A prefix just over the frame limit is refused even before looking for the bytes.
  Bytes over(8, 0);
  std::uint32_t too_big = static_cast<std::uint32_t>(kMaxFrameBytes);  // + 4 prefix > limit
  std::memcpy(over.data(), &too_big, 4);
  EXPECT_FALSE(split_frames(over).has_value());

  // A whole frame followed by a cut-off one: the message is refused as a whole.
  auto good = bytes_of(encode_ping(1));
  Bytes message = good;
  message.insert(message.end(), good.begin(), good.end() - 1);
  EXPECT_FALSE(split_frames(message).has_value());
}

TEST(Frames, EveryTruncationIsRefused) {
  for (const auto& frame : one_of_each()) {
    auto bytes = bytes_of(frame);
    const char* name = message_name(verified(bytes)->message_type());
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      std::span<const std::uint8_t> truncated(bytes.data(), cut);
      EXPECT_FALSE(split_frames(truncated).has_value()) << name << " cut at " << cut;
      EXPECT_EQ(verify_frame(truncated), nullptr) << name << " cut at " << cut;
    }
  }
}

// ---- damaged and forged frames -------------------------------------------------------

TEST(Frames, FlippedBytesNeverGetPastVerificationUnsafely) {
  DeltaFixture fixture;
  const Bytes original = bytes_of(fixture.frame);
  Walker walker;
  std::size_t refused = 0, accepted = 0;
  for (std::uint8_t mask : {std::uint8_t{0xFF}, std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0x10}}) {
    for (std::size_t i = 0; i < original.size(); ++i) {
      Bytes damaged = original;
      damaged[i] ^= mask;
      if (auto parts = split_frames(damaged)) {
        for (auto part : *parts)
          if (const auto* f = verify_frame(part)) walker.frame(f);
      }
      if (const auto* f = verify_frame(damaged)) {
        walker.frame(f);
        ++accepted;
      } else {
        ++refused;
      }
    }
  }
  // The identifier and the size prefix alone guarantee refusals; most flips land in
  // data (revisions, string bytes) and verify fine.
  EXPECT_GT(refused, 0u);
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(walker.sink, 0u);
}

TEST(Frames, RandomDamageNeverGetsPastVerificationUnsafely) {
  std::mt19937 rng(12345);  // fixed: the same damage on every run
  Walker walker;
  for (const auto& frame : one_of_each()) {
    const Bytes original = bytes_of(frame);
    for (int round = 0; round < 300; ++round) {
      Bytes damaged = original;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k)
        damaged[rng() % damaged.size()] = static_cast<std::uint8_t>(rng());
      if (const auto* f = verify_frame(damaged)) walker.frame(f);
    }
  }
  SUCCEED() << walker.sink;
}

TEST(Frames, IdentifierAndSizePrefixMustMatch) {
  for (const auto& frame : one_of_each()) {
    auto bytes = bytes_of(frame);
    ASSERT_NE(verified(bytes), nullptr);
    for (std::size_t i = 8; i < 12; ++i) {
      Bytes wrong = bytes;
      wrong[i] ^= 0x01;  // "HST1" -> "ISTI", "HRT1", ... all foreign
      EXPECT_EQ(verified(wrong), nullptr) << "identifier byte " << i;
    }
    Bytes foreign = bytes;
    std::memcpy(foreign.data() + 8, "HST2", 4);
    EXPECT_EQ(verified(foreign), nullptr);

    // The prefix must name exactly the bytes that follow.
    Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_EQ(verified(longer), nullptr) << "one byte more than the prefix says";
    Bytes lying = bytes;
    std::uint32_t prefix = 0;
    std::memcpy(&prefix, lying.data(), 4);
    prefix -= 1;
    std::memcpy(lying.data(), &prefix, 4);
    EXPECT_EQ(verified(lying), nullptr) << "prefix one short";
  }
  // Without a size prefix at all (a plain FlatBuffer) it is not a frame either.
  flatbuffers::FlatBufferBuilder fbb;
  auto progress = wire::CreateProgress(fbb, 5);
  wire::FinishFrameBuffer(fbb, wire::CreateFrame(fbb, wire::Message::Progress, progress.Union()));
  Bytes plain(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  EXPECT_EQ(verified(plain), nullptr);
}

TEST(Frames, AFrameWithoutAMessageIsRefused) {
  flatbuffers::FlatBufferBuilder fbb;
  wire::FinishSizePrefixedFrameBuffer(fbb, wire::CreateFrame(fbb));
  Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  EXPECT_EQ(verified(bytes), nullptr);
}

// A frame that names a message type but carries no message table passes the generated
// verifier (an absent union member is "valid"), yet every receiver dereferences
// message_as_<Type>() once verify_frame accepted the frame. It must be refused.
TEST(Frames, AFrameWithATypeButNoMessageIsRefused) {
  for (auto type : {wire::Message::Hello, wire::Message::Welcome, wire::Message::Subscribe,
                    wire::Message::Unsubscribe, wire::Message::Ping, wire::Message::Pong,
                    wire::Message::SnapshotBegin, wire::Message::SnapshotChunk,
                    wire::Message::SnapshotEnd, wire::Message::Delta, wire::Message::Progress,
                    wire::Message::Error}) {
    flatbuffers::FlatBufferBuilder fbb;
    wire::FinishSizePrefixedFrameBuffer(fbb, wire::CreateFrame(fbb, type, 0));
    Bytes bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    const auto* f = verified(bytes);
    EXPECT_EQ(f, nullptr) << message_name(type) << " frame without a message was accepted";
  }
}

TEST(Frames, NestedValueMustBeAValidFlexBuffer) {
  // Control: a real FlexBuffer in the same hand-built frames verifies.
  const Bytes good = json_to_flex(R"({"a":[1,2,3],"b":"text","c":0.5})");
  ASSERT_NE(verified(chunk_with_raw_value(good)), nullptr);
  ASSERT_NE(verified(delta_with_raw_value(good)), nullptr);
  EXPECT_EQ(value_json(verified(chunk_with_raw_value(good))->message_as_SnapshotChunk()->records()->Get(0)),
            flex_to_json(good));

  std::vector<std::pair<std::string, Bytes>> bad = {
      {"string offset before the buffer", Bytes{0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0x14, 0x01}},
      {"one byte", Bytes{0x01}},
      {"empty", Bytes{}},
      {"truncated", Bytes(good.begin(), good.begin() + static_cast<long>(good.size() / 2))},
  };
  Bytes root_out_of_range = good;
  root_out_of_range[root_out_of_range.size() - 3] = 0xFF;  // root offset points before the buffer
  bad.push_back({"root offset out of range", root_out_of_range});
  Bytes bad_width = good;
  bad_width.back() = 3;  // root byte width 3 is not a power of two
  bad.push_back({"bad byte width", bad_width});

  // Deeper than the FlexBuffers verifier allows.
  flexbuffers::Builder deep;
  std::vector<std::size_t> starts;
  for (int i = 0; i < 200; ++i) starts.push_back(deep.StartVector());
  deep.Int(1);
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) deep.EndVector(*it, false, false);
  deep.Finish();
  bad.push_back({"200 levels deep", deep.GetBuffer()});

  for (const auto& [what, value] : bad) {
    SCOPED_TRACE(what);
    if (verify_flex(value)) {
      ADD_FAILURE() << "test input unexpectedly is a valid FlexBuffer";
      continue;
    }
    EXPECT_EQ(verified(chunk_with_raw_value(value)), nullptr);
    EXPECT_EQ(verified(delta_with_raw_value(value)), nullptr);
  }
}

// ---- found by fuzzing (fuzz/client_frames.cpp, fuzz/stream_inbound.cpp) ----------------

// A record the client keeps (snapshot record, put) with no value at all passed: the
// value field is optional in the schema (deletes have none), and readers then parsed an
// empty buffer as a FlexBuffer. fuzz/regressions/client_frames/put-without-value.bin
namespace {
Bytes delta_op_without_value(wire::OpKind kind) {
  flatbuffers::FlatBufferBuilder fbb;
  auto collection = fbb.CreateString("c");
  auto key = fbb.CreateString("k");
  auto rec = wire::CreateRecord(fbb, collection, key, 0, 1, 1, 1);
  std::vector<flatbuffers::Offset<wire::Op>> ops{wire::CreateOp(fbb, kind, rec)};
  std::vector<flatbuffers::Offset<wire::Txn>> txns{wire::CreateTxn(fbb, 1, fbb.CreateVector(ops))};
  auto delta = wire::CreateDelta(fbb, 0, 1, fbb.CreateVector(txns));
  wire::FinishSizePrefixedFrameBuffer(fbb, wire::CreateFrame(fbb, wire::Message::Delta, delta.Union()));
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}
}  // namespace

TEST(Frames, AKeptRecordWithoutAValueIsRefused) {
  EXPECT_EQ(verified(delta_op_without_value(wire::OpKind::Put)), nullptr);
  EXPECT_NE(verified(delta_op_without_value(wire::OpKind::Delete)), nullptr) << "a delete carries no value";
  flatbuffers::FlatBufferBuilder fbb;
  auto rec = wire::CreateRecord(fbb, fbb.CreateString("c"), fbb.CreateString("k"), 0, 1, 1, 1);
  std::vector<flatbuffers::Offset<wire::Record>> records{rec};
  auto chunk = wire::CreateSnapshotChunk(fbb, fbb.CreateVector(records));
  wire::FinishSizePrefixedFrameBuffer(fbb, wire::CreateFrame(fbb, wire::Message::SnapshotChunk, chunk.Union()));
  EXPECT_EQ(verified(Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize())), nullptr);
}

// The nested FlexBuffers check of the generated verifier misses unterminated keys
// (value_test: FlexBuffersWithUnterminatedKeysAreRefused); frames use verify_flex.
TEST(Frames, ValuesWithUnterminatedKeysAreRefused) {
  const Bytes bad = {0x6b, 0x00, 0x00, 0x00, 0x28, 0x01, 0x02, 0x01, 0x02, 0x04, 0x04,
                     0x01, 0x08, 0x01, 0x01, 0x01, 0x09, 0x28, 0x02, 0x24, 0x01};
  EXPECT_EQ(verified(chunk_with_raw_value(bad)), nullptr);
  EXPECT_EQ(verified(delta_with_raw_value(bad)), nullptr);
}

// A frame that starts off an 8-byte boundary inside a message was read with misaligned
// loads (UBSan). Encoders pad every frame to a multiple of 8, so the frames of one message
// stay aligned, and a misaligned frame is refused. fuzz/regressions/client_frames/misaligned-frame.bin
TEST(Frames, FramesArePaddedToEightBytesAndMisalignedOnesRefused) {
  for (const auto& frame : one_of_each()) {
    EXPECT_EQ(frame->size() % 8, 0u) << message_name(verified(bytes_of(frame))->message_type());
    std::vector<std::uint64_t> storage(frame->size() / 8 + 1);
    auto* shifted = reinterpret_cast<std::uint8_t*>(storage.data()) + 4;
    std::memcpy(shifted, frame->bytes().data(), frame->size());
    EXPECT_EQ(verify_frame({shifted, frame->size()}), nullptr);
  }
  // Frames without 64-bit fields are padded too: in one message, the next frame stays aligned.
  Bytes message = bytes_of(encode_unsubscribe());
  Bytes ping = bytes_of(encode_ping(9));
  message.insert(message.end(), ping.begin(), ping.end());
  auto parts = split_frames(message);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 2u);
  ASSERT_NE(verify_frame((*parts)[1]), nullptr);
  EXPECT_EQ(verify_frame((*parts)[1])->message_as_Ping()->nonce(), 9u);
}
