#include "store.hpp"

#include <chrono>

#include <algorithm>

namespace hotstate {

Store::Store(std::unique_ptr<Storage> storage, std::size_t changelog_retain)
    : storage_(std::move(storage)), changelog_retain_(changelog_retain) {
  auto state = storage_->open();
  epoch_ = state.epoch;
  revision_ = state.revision;
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

CommitResult Store::commit(const WriteRequest& request) {
  CommitResult result;
  result.revision = revision_;
  for (const auto& condition : request.conditions) {
    RecordPtr current = get(condition.collection, condition.key);
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
  txn->revision = revision_ + 1;
  for (const auto& op : request.ops) {
    RecordPtr current = get(op.collection, op.key);
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

  txn->commit_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  CommittedTxnPtr committed = txn;
  storage_->commit(std::span<const CommittedTxnPtr>(&committed, 1));  // throws before anything is applied
  apply(*txn);
  revision_ = txn->revision;
  changelog_.push_back(txn);
  trim();
  result.outcome = CommitResult::Outcome::Committed;
  result.revision = revision_;
  result.txn = std::move(txn);
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
  if (changelog_.size() <= changelog_retain_) return;
  while (changelog_.size() > changelog_retain_) changelog_.pop_front();
  storage_->trim_changelog(horizon());
}

}  // namespace hotstate
