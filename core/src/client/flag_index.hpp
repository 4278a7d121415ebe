#pragma once
// The compiled flags of the replica's flag collections (ClientOptions::flag_collections),
// one index per published state. An index remembers the records it was compiled from,
// so the next state's index compiles only the flags whose records changed (a diff of two
// persistent maps skips everything they share) and shares the rest by pointer.
//
// In a flag collection every record is a flag definition keyed by flag key, except the
// reserved keys: "$evaluators" (flagd's shared rules, referenced with {"$ref": name}) and
// "$metadata" (the flag set's metadata). Other keys starting with '$' are ignored. When
// one of the reserved records changes, every flag of the collection is compiled again.

#include <array>
#include <bitset>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/flag.hpp"
#include "hotstate/flags.hpp"
#include "record_map.hpp"

namespace hotstate::client {

inline constexpr std::string_view kEvaluatorsKey = "$evaluators";
inline constexpr std::string_view kFlagSetMetadataKey = "$metadata";

using FlagPtr = std::shared_ptr<const eval::CompiledFlag>;

// One flag collection's compiled flags at one state.
class FlagSet {
 public:
  explicit FlagSet(std::string collection);

  const std::string& collection() const { return collection_; }
  // Null when the collection has no such flag.
  const FlagPtr* find(std::string_view key) const;
  std::size_t size() const { return size_; }
  std::size_t problems() const { return problems_; }
  // Flags that do not compile, sorted by key.
  std::vector<FlagProblem> problem_list() const;

  // The set for `records` (the collection in a newer state). Flags whose record is the
  // same object as before keep their compiled form; `fresh` receives the problems of
  // flags compiled now. Returns `self` when nothing differs.
  static std::shared_ptr<const FlagSet> updated(const std::shared_ptr<const FlagSet>& self, const RecordMap& records,
                                                std::vector<FlagProblem>& fresh);

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Shard = std::unordered_map<std::string, FlagPtr, StringHash, std::equal_to<>>;
  // Flags are spread over shards by key hash, so a change copies one shard, not the set.
  static constexpr std::size_t kShards = 64;
  static std::size_t shard_of(std::string_view key) { return StringHash{}(key) % kShards; }

  void compile_all(const RecordMap& records, std::vector<FlagProblem>& fresh);
  void compile_one(const Record& record, std::vector<FlagProblem>& fresh);
  void erase_one(std::string_view key);
  Shard& writable_shard(std::size_t index);
  void load_shared(const RecordMap& records, std::vector<FlagProblem>& fresh);

  std::string collection_;
  RecordMap source_;  // the records this set was compiled from
  std::shared_ptr<const eval::FlagSetShared> shared_;
  std::array<std::shared_ptr<const Shard>, kShards> shards_{};
  std::bitset<kShards> owned_;  // shards copied by the update in progress (see writable_shard)
  std::size_t size_ = 0;
  std::size_t problems_ = 0;
};

class FlagIndex {
 public:
  // Empty sets for the declared collections.
  explicit FlagIndex(const std::vector<std::string>& collections);

  const FlagSet* find(std::string_view collection) const;
  bool empty() const { return sets_.empty(); }
  std::size_t problems() const;
  std::vector<FlagProblem> problem_list() const;

  // The index for a state whose collections are `collections` (by name). Returns `self`
  // when no flag collection changed; `fresh` receives problems of flags compiled now.
  template <class Collections>
  static std::shared_ptr<const FlagIndex> updated(const std::shared_ptr<const FlagIndex>& self,
                                                  const Collections& collections, std::vector<FlagProblem>& fresh) {
    static const RecordMap kEmpty;
    std::shared_ptr<FlagIndex> next;
    for (std::size_t i = 0; i < self->sets_.size(); ++i) {
      auto it = collections.find(self->sets_[i]->collection());
      const RecordMap& records = it == collections.end() ? kEmpty : it->second;
      auto set = FlagSet::updated(self->sets_[i], records, fresh);
      if (set == self->sets_[i]) continue;
      if (!next) next = std::make_shared<FlagIndex>(*self);
      next->sets_[i] = std::move(set);
    }
    return next ? next : self;
  }

 private:
  std::vector<std::shared_ptr<const FlagSet>> sets_;
};

}  // namespace hotstate::client
