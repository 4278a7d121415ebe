#pragma once
// The bytes the RocksDB engine keeps (on-disk format 1, described in docs/storage.md).
// Everything lives in RocksDB's default column family, in three key spaces told apart by
// their first byte:
//   'm' + name                        meta: format, epoch, revision (u64, big-endian)
//   'r' + collection + '\0' + key     a live record; one collection is one key prefix
//                                     (collection names cannot hold a NUL, keys may)
//   'l' + u64 revision, big-endian    one committed transaction; sorts by revision
// Values start with an encoding tag and use LEB128 varints. Decoding checks every length
// and throws FormatError on anything malformed — never reads past the bytes it was given.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "hotstate/record.hpp"

namespace hotstate::rocksdb_format {

// The format this build reads and writes. A newer one is refused, never rewritten.
inline constexpr std::uint32_t kFormatVersion = 1;

class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr char kMetaTag = 'm';
inline constexpr char kRecordTag = 'r';
inline constexpr char kChangelogTag = 'l';

inline constexpr std::string_view kMetaFormatKey = "mformat";
inline constexpr std::string_view kMetaEpochKey = "mepoch";
inline constexpr std::string_view kMetaRevisionKey = "mrevision";

// Meta values: fixed 8 bytes, big-endian.
std::string encode_u64(std::uint64_t value);
std::uint64_t decode_u64(std::string_view bytes, std::string_view what);

std::string record_key(std::string_view collection, std::string_view key);
// The first key after every record key: the record space is [kRecordTag, end).
std::string record_space_end();

std::string changelog_key(std::uint64_t revision);
// The exclusive end of the change-log keys up to and including `revision`.
std::string changelog_end_after(std::uint64_t revision);
std::string changelog_space_end();
std::uint64_t decode_changelog_key(std::string_view key);

// A live record's value: tag 1, create_revision, mod_revision, version, then the value
// bytes (the rest). Collection and key are in the RocksDB key.
std::string encode_record_value(const Record& record);
RecordPtr decode_record(std::string_view key, std::string_view value);

// A change-log entry: tag 1, zigzag commit_unix_ms, op count, then per op: kind byte,
// collection, key, create_revision, mod_revision, version, value (length-prefixed).
std::string encode_txn(const CommittedTxn& txn);
CommittedTxnPtr decode_txn(std::uint64_t revision, std::string_view value);

}  // namespace hotstate::rocksdb_format
