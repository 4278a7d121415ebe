#include "rocksdb_format.hpp"

#include <functional>
#include <memory>
#include <utility>

namespace hotstate::rocksdb_format {

namespace {

// Tag at the start of every record and change-log value: a reader that meets another
// tag knows the bytes are not ones it wrote.
constexpr std::uint8_t kValueEncoding = 1;

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

void put_big_endian(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

std::uint64_t big_endian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

// Reads a value front to back; every read checks that the bytes are there. `describe`
// names the value in an error; it runs only on failure, so a successful decode (a million
// of them at start) builds no message.
class Reader {
 public:
  Reader(std::string_view bytes, std::function<std::string()> describe)
      : rest_(bytes), describe_(std::move(describe)) {}

  std::uint8_t byte() {
    need(1);
    auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t b = byte();
      if (shift == 63 && b > 1) fail("varint overflows 64 bits");
      value |= std::uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) return value;
    }
    fail("varint longer than 10 bytes");
  }

  std::string_view bytes(std::uint64_t count) {
    need(count);
    auto out = rest_.substr(0, static_cast<std::size_t>(count));
    rest_.remove_prefix(static_cast<std::size_t>(count));
    return out;
  }

  std::string_view length_prefixed() { return bytes(varint()); }
  std::string_view remainder() { return std::exchange(rest_, {}); }

  void expect_end() const {
    if (!rest_.empty()) fail(std::to_string(rest_.size()) + " unexpected trailing bytes");
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw FormatError(describe_() + ": " + problem);
  }

 private:
  void need(std::uint64_t count) const {
    if (count > rest_.size())
      fail("truncated (needs " + std::to_string(count) + " more bytes, has " +
           std::to_string(rest_.size()) + ")");
  }

  std::string_view rest_;
  std::function<std::string()> describe_;
};

std::string_view as_chars(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::vector<std::uint8_t> as_bytes(std::string_view chars) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(chars.data());
  return {data, data + chars.size()};
}

}  // namespace

std::string encode_u64(std::uint64_t value) {
  std::string out;
  put_big_endian(out, value);
  return out;
}

std::uint64_t decode_u64(std::string_view bytes, std::string_view what) {
  if (bytes.size() != 8)
    throw FormatError(std::string(what) + ": expected 8 bytes, found " + std::to_string(bytes.size()));
  return big_endian(bytes);
}

std::string record_key(std::string_view collection, std::string_view key) {
  std::string out;
  out.reserve(2 + collection.size() + key.size());
  out.push_back(kRecordTag);
  out.append(collection);
  out.push_back('\0');
  out.append(key);
  return out;
}

std::string record_space_end() { return std::string(1, kRecordTag + 1); }

std::string changelog_key(std::uint64_t revision) {
  std::string out(1, kChangelogTag);
  put_big_endian(out, revision);
  return out;
}

std::string changelog_end_after(std::uint64_t revision) {
  return revision == UINT64_MAX ? changelog_space_end() : changelog_key(revision + 1);
}

std::string changelog_space_end() { return std::string(1, kChangelogTag + 1); }

std::uint64_t decode_changelog_key(std::string_view key) {
  if (key.size() != 9 || key.front() != kChangelogTag)
    throw FormatError("change-log key of " + std::to_string(key.size()) + " bytes is malformed");
  return big_endian(key.substr(1));
}

std::string encode_record_value(const Record& record) {
  std::string out;
  out.reserve(16 + record.value.size());
  out.push_back(static_cast<char>(kValueEncoding));
  put_varint(out, record.create_revision);
  put_varint(out, record.mod_revision);
  put_varint(out, record.version);
  out.append(as_chars(record.value));
  return out;
}

RecordPtr decode_record(std::string_view key, std::string_view value) {
  auto separator = key.find('\0');
  if (key.size() < 3 || key.front() != kRecordTag || separator == std::string_view::npos ||
      separator == 1 || separator + 1 == key.size())
    throw FormatError("record key of " + std::to_string(key.size()) + " bytes is malformed");
  auto record = std::make_shared<Record>();
  record->collection.assign(key.substr(1, separator - 1));
  record->key.assign(key.substr(separator + 1));

  Reader reader(value, [&record] { return "record " + record->collection + "/" + record->key; });
  if (std::uint8_t tag = reader.byte(); tag != kValueEncoding)
    reader.fail("unknown value encoding " + std::to_string(tag));
  record->create_revision = reader.varint();
  record->mod_revision = reader.varint();
  record->version = reader.varint();
  record->value = as_bytes(reader.remainder());
  return record;
}

std::string encode_txn(const CommittedTxn& txn) {
  std::string out;
  out.push_back(static_cast<char>(kValueEncoding));
  put_varint(out, zigzag(txn.commit_unix_ms));
  put_varint(out, txn.ops.size());
  for (const auto& op : txn.ops) {
    const Record& record = *op.record;
    out.push_back(static_cast<char>(op.kind));
    put_bytes(out, record.collection);
    put_bytes(out, record.key);
    put_varint(out, record.create_revision);
    put_varint(out, record.mod_revision);
    put_varint(out, record.version);
    put_bytes(out, as_chars(record.value));
  }
  return out;
}

CommittedTxnPtr decode_txn(std::uint64_t revision, std::string_view value) {
  Reader reader(value, [revision] { return "change-log entry " + std::to_string(revision); });
  if (std::uint8_t tag = reader.byte(); tag != kValueEncoding)
    reader.fail("unknown value encoding " + std::to_string(tag));
  auto txn = std::make_shared<CommittedTxn>();
  txn->revision = revision;
  txn->commit_unix_ms = unzigzag(reader.varint());
  std::uint64_t op_count = reader.varint();
  // Each op takes at least 7 bytes, so a count beyond that is garbage, not a reason to
  // reserve gigabytes.
  if (op_count > value.size() / 7) reader.fail("op count " + std::to_string(op_count) + " is impossible");
  txn->ops.reserve(static_cast<std::size_t>(op_count));
  for (std::uint64_t i = 0; i < op_count; ++i) {
    std::uint8_t kind = reader.byte();
    if (kind != static_cast<std::uint8_t>(OpKind::Put) && kind != static_cast<std::uint8_t>(OpKind::Delete))
      reader.fail("unknown op kind " + std::to_string(kind));
    auto record = std::make_shared<Record>();
    record->collection.assign(reader.length_prefixed());
    record->key.assign(reader.length_prefixed());
    record->create_revision = reader.varint();
    record->mod_revision = reader.varint();
    record->version = reader.varint();
    record->value = as_bytes(reader.length_prefixed());
    txn->ops.push_back(ChangeOp{static_cast<OpKind>(kind), std::move(record)});
  }
  reader.expect_end();
  return txn;
}

}  // namespace hotstate::rocksdb_format
