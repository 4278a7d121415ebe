#include "replica.hpp"

#include <algorithm>

namespace hotstate {

const Record* ReadTxn::State::find(std::string_view collection, std::string_view key) const {
  auto it = collections.find(collection);
  return it == collections.end() ? nullptr : it->second.find(key);
}

RecordPtr ReadTxn::State::find_shared(std::string_view collection, std::string_view key) const {
  auto it = collections.find(collection);
  return it == collections.end() ? nullptr : it->second.find_shared(key);
}

std::vector<RecordPtr> ReadTxn::State::scan(std::string_view collection, std::string_view prefix) const {
  std::vector<RecordPtr> out;
  auto it = collections.find(collection);
  if (it == collections.end()) return out;
  // The map is hashed, so a prefix scan visits the whole collection and sorts the matches.
  it->second.for_each([&](const RecordPtr& r) {
    if (r->key.starts_with(prefix)) out.push_back(r);
  });
  std::sort(out.begin(), out.end(), [](const RecordPtr& a, const RecordPtr& b) { return a->key < b->key; });
  return out;
}

namespace client {

StateBuilder::StateBuilder(const State& base)
    : epoch_(base.epoch),
      revision_(base.revision),
      untouched_(base.collections),
      bytes_(base.bytes) {}

StateBuilder::StateBuilder(std::uint64_t epoch, std::uint64_t revision)
    : epoch_(epoch), revision_(revision) {}

RecordMap::Builder& StateBuilder::builder_for(std::string_view collection) {
  auto it = touched_.find(collection);
  if (it != touched_.end()) return it->second;
  auto base = untouched_.find(collection);
  RecordMap start = base == untouched_.end() ? RecordMap{} : base->second;
  if (base != untouched_.end()) untouched_.erase(base);
  return touched_.emplace(std::string(collection), RecordMap::Builder(start)).first->second;
}

RecordPtr StateBuilder::find(std::string_view collection, std::string_view key) const {
  if (auto it = touched_.find(collection); it != touched_.end()) return it->second.find(key);
  if (auto it = untouched_.find(collection); it != untouched_.end()) return it->second.find_shared(key);
  return nullptr;
}

RecordPtr StateBuilder::put(RecordPtr record) {
  std::size_t added = record->value.size();
  RecordPtr replaced = builder_for(record->collection).put(std::move(record));
  bytes_ = bytes_ + added - (replaced ? replaced->value.size() : 0);
  return replaced;
}

RecordPtr StateBuilder::erase(std::string_view collection, std::string_view key) {
  if (!find(collection, key)) return nullptr;  // do not copy a path for nothing
  RecordPtr removed = builder_for(collection).erase(key);
  if (removed) bytes_ -= removed->value.size();
  return removed;
}

std::shared_ptr<State> StateBuilder::build() {
  auto state = std::make_shared<State>();
  state->epoch = epoch_;
  state->revision = revision_;
  state->collections = std::move(untouched_);
  for (auto& [name, builder] : touched_) {
    RecordMap map = builder.build();
    if (!map.empty()) state->collections.emplace(name, std::move(map));
  }
  touched_.clear();
  for (const auto& [name, map] : state->collections) state->keys += map.size();
  state->bytes = bytes_;
  return state;
}

void diff_states(const State& older, const State& newer,
                 const std::function<void(const RecordPtr&, const RecordPtr&)>& changed) {
  static const RecordMap kEmpty;
  auto a = older.collections.begin(), b = newer.collections.begin();
  while (a != older.collections.end() || b != newer.collections.end()) {
    if (b == newer.collections.end() || (a != older.collections.end() && a->first < b->first)) {
      RecordMap::diff(a->second, kEmpty, changed);
      ++a;
    } else if (a == older.collections.end() || b->first < a->first) {
      RecordMap::diff(kEmpty, b->second, changed);
      ++b;
    } else {
      RecordMap::diff(a->second, b->second, changed);
      ++a, ++b;
    }
  }
}

}  // namespace client
}  // namespace hotstate
