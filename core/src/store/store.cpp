#include "store.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace hotstate {

namespace {

std::string staged_key(std::string_view collection, std::string_view key) {
  std::string out;
  out.reserve(collection.size() + 1 + key.size());
  out.append(collection).push_back('\0');
  out.append(key);
  return out;
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Store::Store(std::unique_ptr<Storage> storage, ChangelogRetention retention)
    : storage_(std::move(storage)), retention_(retention) {
  auto state = storage_->open();
  epoch_ = state.epoch;
  revision_ = staged_revision_ = state.revision;
  for (auto& record : state.records) {
    collections_[record->collection].emplace(record->key, record);
    ++record_count_;
  }
  changelog_.assign(state.changelog.begin(), state.changelog.end());
  trim();
}

std::uint64_t Store::horizon() const {
  return changelog_.empty() ? revision_ : changelog_.front()->revision - 1;
}

const Store::KeyMap* Store::collection(std::string_view name) const {
  auto it = collections_.find(std::string(name));
  return it == collections_.end() ? nullptr : &it->second;
}

RecordPtr Store::get(std::string_view collection_name, std::string_view key) const {
  const KeyMap* keys = collection(collection_name);
  if (!keys) return nullptr;
  auto it = keys->find(key);
  return it == keys->end() ? nullptr : it->second;
}

ListPage Store::list(std::string_view collection_name, std::string_view prefix,
                     std::string_view after, std::size_t limit) const {
  ListPage page;
  const KeyMap* keys = collection(collection_name);
  if (!keys) return page;
  auto it = after.empty() || after < prefix ? keys->lower_bound(prefix) : keys->upper_bound(after);
  for (; it != keys->end() && it->first.starts_with(prefix); ++it) {
    if (page.records.size() == limit) {
      page.more = true;
      break;
    }
    page.records.push_back(it->second);
  }
  return page;
}

std::vector<RecordPtr> Store::all_records() const {
  std::vector<std::string_view> names;
  names.reserve(collections_.size());
  for (const auto& [name, keys] : collections_) names.push_back(name);
  std::sort(names.begin(), names.end());
  std::vector<RecordPtr> out;
  out.reserve(record_count_);
  for (auto name : names)
    for (const auto& [key, record] : collections_.find(std::string(name))->second) out.push_back(record);
  return out;
}

std::vector<RecordPtr> Store::select(std::span<const protocol::SelectorSpec> selectors) const {
  std::vector<RecordPtr> out;
  for (const auto& selector : selectors) {
    const KeyMap* keys = collection(selector.collection);
    if (!keys) continue;
    for (auto it = keys->lower_bound(selector.prefix);
         it != keys->end() && it->first.starts_with(selector.prefix); ++it)
      out.push_back(it->second);
  }
  // Overlapping selectors (same collection, nested prefixes) must not send a record twice.
  if (selectors.size() > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

std::optional<std::vector<CommittedTxnPtr>> Store::changes_since(std::uint64_t after) const {
  if (after < horizon()) return std::nullopt;
  std::vector<CommittedTxnPtr> out;
  if (after >= revision_) return out;
  // Entries are contiguous by revision, so the first one wanted is at a known index.
  std::size_t first = static_cast<std::size_t>(after - horizon());
  out.assign(changelog_.begin() + static_cast<std::ptrdiff_t>(first), changelog_.end());
  return out;
}

RecordPtr Store::latest(std::string_view collection_name, std::string_view key) const {
  if (!staged_.empty()) {
    auto it = staged_.find(staged_key(collection_name, key));
    if (it != staged_.end()) return it->second.kind == OpKind::Delete ? nullptr : it->second.record;
  }
  return get(collection_name, key);
}

std::vector<RecordPtr> Store::latest_collection(std::string_view collection_name) const {
  std::map<std::string_view, RecordPtr> merged;
  if (const KeyMap* keys = collection(collection_name))
    for (const auto& [key, record] : *keys) merged.emplace(key, record);
  for (const auto& [where, op] : staged_) {
    if (op.record->collection != collection_name) continue;
    if (op.kind == OpKind::Delete)
      merged.erase(op.record->key);
    else
      merged[op.record->key] = op.record;
  }
  std::vector<RecordPtr> out;
  out.reserve(merged.size());
  for (auto& [key, record] : merged) out.push_back(std::move(record));
  return out;
}

CommitResult Store::stage(const WriteRequest& request) {
  CommitResult result;
  result.revision = revision_;
  for (const auto& condition : request.conditions) {
    RecordPtr current = latest(condition.collection, condition.key);
    std::uint64_t current_mod = current ? current->mod_revision : 0;
    if (current_mod != condition.mod_revision) {
      result.outcome = CommitResult::Outcome::ConditionFailed;
      result.collection = condition.collection;
      result.key = condition.key;
      result.current_mod_revision = current_mod;
      return result;
    }
  }

  auto txn = std::make_shared<CommittedTxn>();
  txn->revision = staged_revision_ + 1;
  for (const auto& op : request.ops) {
    RecordPtr current = latest(op.collection, op.key);
    auto record = std::make_shared<Record>();
    record->collection = op.collection;
    record->key = op.key;
    record->mod_revision = txn->revision;
    if (op.kind == OpKind::Delete) {
      if (!current) {
        if (request.delete_requires_existing) {
          result.outcome = CommitResult::Outcome::NotFound;
          result.collection = op.collection;
          result.key = op.key;
          return result;
        }
        continue;
      }
      record->create_revision = current->create_revision;
      record->version = current->version;
    } else {
      record->value = op.value;
      record->create_revision = current ? current->create_revision : txn->revision;
      record->version = current ? current->version + 1 : 1;
    }
    txn->ops.push_back(ChangeOp{op.kind, std::move(record)});
  }
  if (txn->ops.empty()) {
    result.outcome = CommitResult::Outcome::NoChange;
    return result;
  }
  txn->commit_unix_ms = now_unix_ms();
  staged_revision_ = txn->revision;
  for (const auto& op : txn->ops) staged_[staged_key(op.record->collection, op.record->key)] = op;
  result.outcome = CommitResult::Outcome::Committed;
  result.revision = txn->revision;
  result.txn = std::move(txn);
  return result;
}

void Store::apply_durable(const CommittedTxnPtr& txn) {
  apply(*txn);
  revision_ = txn->revision;
  // A staged entry leaves the overlay once its newest change is durable.
  for (const auto& op : txn->ops) {
    auto it = staged_.find(staged_key(op.record->collection, op.record->key));
    if (it != staged_.end() && it->second.record == op.record) staged_.erase(it);
  }
  changelog_.push_back(txn);
  trim();
}

CommittedTxnPtr Store::stage_import(std::vector<RecordPtr> records, std::uint64_t revision) {
  if (staged_revision_ != 0 || record_count_ != 0) throw std::logic_error("an import needs an empty store");
  auto txn = std::make_shared<CommittedTxn>();
  txn->revision = revision;
  txn->commit_unix_ms = now_unix_ms();
  txn->ops.reserve(records.size());
  for (auto& record : records) txn->ops.push_back(ChangeOp{OpKind::Put, std::move(record)});
  staged_revision_ = revision;
  // Nothing can be written meanwhile that depends on these records: writes see an
  // overlay of staged changes, so stage them like any other write.
  for (const auto& op : txn->ops) staged_[staged_key(op.record->collection, op.record->key)] = op;
  return txn;
}

void Store::forget_changelog_through(std::uint64_t revision) {
  while (!changelog_.empty() && changelog_.front()->revision <= revision) changelog_.pop_front();
  storage_->trim_changelog(revision);
}

CommitResult Store::commit(const WriteRequest& request) {
  CommitResult result = stage(request);
  if (result.outcome != CommitResult::Outcome::Committed) return result;
  storage_->commit(std::span<const CommittedTxnPtr>(&result.txn, 1));
  apply_durable(result.txn);
  return result;
}

void Store::apply(const CommittedTxn& txn) {
  for (const auto& op : txn.ops) {
    auto& keys = collections_[op.record->collection];
    if (op.kind == OpKind::Put) {
      auto [it, inserted] = keys.insert_or_assign(op.record->key, op.record);
      if (inserted) ++record_count_;
    } else if (keys.erase(op.record->key) > 0) {
      --record_count_;
      if (keys.empty()) collections_.erase(op.record->collection);
    }
  }
}

void Store::trim() {
  std::int64_t oldest_kept_ms = retention_.max_age.count() > 0 ? now_unix_ms() - retention_.max_age.count() : 0;
  auto expired = [&] {
    if (changelog_.empty()) return false;
    return changelog_.size() > retention_.entries || changelog_.front()->commit_unix_ms < oldest_kept_ms;
  };
  if (!expired()) return;
  while (expired()) changelog_.pop_front();
  storage_->trim_changelog(horizon());
}

}  // namespace hotstate
