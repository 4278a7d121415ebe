#pragma once
// The server's authoritative state: records by collection and key, one revision history,
// and the retained change log. Not thread-safe: the server drives it from one thread.

#include <chrono>
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

// How much change log to keep: at most `entries` transactions, and none older than
// `max_age` (0: no age limit). Clients behind what is kept resume with a snapshot.
struct ChangelogRetention {
  ChangelogRetention(std::size_t entries = 100'000, std::chrono::milliseconds max_age = {})
      : entries(entries), max_age(max_age) {}
  std::size_t entries;
  std::chrono::milliseconds max_age;
};

struct ListPage {
  std::vector<RecordPtr> records;
  bool more = false;
};

class Store {
 public:
  Store(std::unique_ptr<Storage> storage, ChangelogRetention retention);

  std::uint64_t epoch() const { return epoch_; }
  // The last durable revision: what reads, snapshots and the change log show.
  std::uint64_t revision() const { return revision_; }
  // The last staged revision (>= revision()): writes accepted, not yet durable.
  std::uint64_t staged_revision() const { return staged_revision_; }
  // The oldest position a client can resume from with deltas.
  std::uint64_t horizon() const;
  std::size_t changelog_entries() const { return changelog_.size(); }
  std::size_t changelog_retain() const { return retention_.entries; }
  std::chrono::milliseconds changelog_max_age() const { return retention_.max_age; }
  std::size_t record_count() const { return record_count_; }
  Storage& storage() { return *storage_; }
  const Storage& storage() const { return *storage_; }

  RecordPtr get(std::string_view collection, std::string_view key) const;
  // Keys in byte order, starting with `prefix`, strictly after `after`.
  ListPage list(std::string_view collection, std::string_view prefix, std::string_view after,
                std::size_t limit) const;
  // Every record, by collection then key, at the current revision (pointers: cheap).
  std::vector<RecordPtr> all_records() const;
  // What the next staged write sees: staged, not yet durable changes over durable state
  // (write-time checks that must agree with the write they check).
  RecordPtr latest(std::string_view collection, std::string_view key) const;
  std::vector<RecordPtr> latest_collection(std::string_view collection) const;
  // Every record matching any selector, at the current revision (pointers: cheap).
  std::vector<RecordPtr> select(std::span<const protocol::SelectorSpec> selectors) const;

  // Change-log entries with revision in (after, revision()]; nullopt when `after` is below
  // the horizon (the log no longer covers it).
  std::optional<std::vector<CommittedTxnPtr>> changes_since(std::uint64_t after) const;

  // A write in two steps, so that many writes can share one durable sync (group commit):
  //  stage() checks the conditions against the latest state (durable and staged), assigns
  //    the next revision and returns the transaction; readers do not see it yet.
  //  apply_durable() applies it once the Storage made it durable, in revision order: from
  //    then on reads, snapshots and the change log include it.
  // Input must already be validated (names, keys, value sizes, no duplicate keys).
  CommitResult stage(const WriteRequest& request);
  void apply_durable(const CommittedTxnPtr& txn);
  // An import into an empty store: one transaction at `revision` putting `records` as they
  // are (their own create/mod revisions and versions). Throws std::logic_error unless the
  // store is empty (nothing durable or staged). Readers see it after apply_durable.
  CommittedTxnPtr stage_import(std::vector<RecordPtr> records, std::uint64_t revision);
  // Forgets the change log up to `revision` (after an import: clients resync by snapshot).
  void forget_changelog_through(std::uint64_t revision);
  // stage, Storage::commit and apply_durable in one go (tests, tools).
  CommitResult commit(const WriteRequest& request);

  // Drops change-log entries past the retention (also by age: call it now and then).
  void trim();

 private:
  using KeyMap = std::map<std::string, RecordPtr, std::less<>>;

  const KeyMap* collection(std::string_view name) const;
  void apply(const CommittedTxn& txn);

  std::unique_ptr<Storage> storage_;
  ChangelogRetention retention_;
  std::uint64_t epoch_ = 0;
  std::uint64_t revision_ = 0;
  std::uint64_t staged_revision_ = 0;
  // Staged, not yet durable changes by collection + '\0' + key (the newest op for each).
  std::unordered_map<std::string, ChangeOp> staged_;
  std::size_t record_count_ = 0;
  std::unordered_map<std::string, KeyMap> collections_;
  std::deque<CommittedTxnPtr> changelog_;
};

}  // namespace hotstate
