#pragma once
// The records and committed transactions shared by the store, the stream and the change
// log. Published records are immutable and shared by pointer, so a snapshot or a change
// log entry costs a pointer, not a copy.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hotstate {

struct Record {
  std::string collection;
  std::string key;
  std::vector<std::uint8_t> value;  // FlexBuffers; empty for a delete tombstone
  std::uint64_t create_revision = 0;
  std::uint64_t mod_revision = 0;
  std::uint64_t version = 0;
};
using RecordPtr = std::shared_ptr<const Record>;

enum class OpKind : std::uint8_t { Put = 0, Delete = 1 };

// One change inside a committed transaction. For a delete, `record` is a tombstone
// carrying collection, key and mod_revision (the deleting revision).
struct ChangeOp {
  OpKind kind = OpKind::Put;
  RecordPtr record;
};

struct CommittedTxn {
  std::uint64_t revision = 0;
  std::vector<ChangeOp> ops;
  // When the server committed it (Unix ms): change-log retention by age. 0 where unknown
  // (e.g. on clients, which do not receive it).
  std::int64_t commit_unix_ms = 0;
};
using CommittedTxnPtr = std::shared_ptr<const CommittedTxn>;

}  // namespace hotstate
