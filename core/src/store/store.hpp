#pragma once
// The server's authoritative state: records by collection and key, one revision history,
// and the retained change log. Not thread-safe: the server drives it from one thread.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "hotstate/protocol.hpp"
#include "hotstate/record.hpp"
#include "storage.hpp"

namespace hotstate {

struct Condition {
  std::string collection;
  std::string key;
  std::uint64_t mod_revision = 0;  // 0 = the record must be absent
};

struct WriteOp {
  OpKind kind = OpKind::Put;
  std::string collection;
  std::string key;
  std::vector<std::uint8_t> value;  // FlexBuffers, for puts
};

struct WriteRequest {
  std::vector<Condition> conditions;
  std::vector<WriteOp> ops;
  // A single-key DELETE reports not_found for an absent key; a transaction skips it.
  bool delete_requires_existing = false;
};

struct CommitResult {
  enum class Outcome { Committed, NoChange, ConditionFailed, NotFound };
  Outcome outcome = Outcome::Committed;
  std::uint64_t revision = 0;  // committed revision, or the current one
  CommittedTxnPtr txn;         // set when Committed
  // For ConditionFailed / NotFound: which record, and its current mod_revision.
  std::string collection;
  std::string key;
  std::uint64_t current_mod_revision = 0;
};

struct ListPage {
  std::vector<RecordPtr> records;
  bool more = false;
};

class Store {
 public:
  Store(std::unique_ptr<Storage> storage, std::size_t changelog_retain);

  std::uint64_t epoch() const { return epoch_; }
  std::uint64_t revision() const { return revision_; }
  // The oldest position a client can resume from with deltas.
  std::uint64_t horizon() const;
  std::size_t changelog_entries() const { return changelog_.size(); }
  std::size_t changelog_retain() const { return changelog_retain_; }
  std::size_t record_count() const { return record_count_; }
  const Storage& storage() const { return *storage_; }

  RecordPtr get(std::string_view collection, std::string_view key) const;
  // Keys in byte order, starting with `prefix`, strictly after `after`.
  ListPage list(std::string_view collection, std::string_view prefix, std::string_view after,
                std::size_t limit) const;
  // Every record matching any selector, at the current revision (pointers: cheap).
  std::vector<RecordPtr> select(std::span<const protocol::SelectorSpec> selectors) const;

  // Change-log entries with revision in (after, revision()]; nullopt when `after` is below
  // the horizon (the log no longer covers it).
  std::optional<std::vector<CommittedTxnPtr>> changes_since(std::uint64_t after) const;

  // Checks conditions, assigns the next revision, persists, applies. Input must already
  // be validated (names, keys, value sizes, no duplicate keys).
  CommitResult commit(const WriteRequest& request);

 private:
  using KeyMap = std::map<std::string, RecordPtr, std::less<>>;

  const KeyMap* collection(std::string_view name) const;
  void apply(const CommittedTxn& txn);
  void trim();

  std::unique_ptr<Storage> storage_;
  std::size_t changelog_retain_;
  std::uint64_t epoch_ = 0;
  std::uint64_t revision_ = 0;
  std::size_t record_count_ = 0;
  std::unordered_map<std::string, KeyMap> collections_;
  std::deque<CommittedTxnPtr> changelog_;
};

}  // namespace hotstate
