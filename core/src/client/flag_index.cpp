#include "flag_index.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "hotstate/value.hpp"

namespace hotstate::client {

namespace {

bool reserved(std::string_view key) { return key.starts_with('$'); }

// A record's value as the JSON document the compiler reads.
boost::json::value parse_value(const Record& record) { return boost::json::parse(flex_to_json(record.value)); }

}  // namespace

FlagSet::FlagSet(std::string collection)
    : collection_(std::move(collection)), shared_(eval::FlagSetShared::empty()) {}

const FlagPtr* FlagSet::find(std::string_view key) const {
  const auto& shard = shards_[shard_of(key)];
  if (!shard) return nullptr;
  auto it = shard->find(key);
  return it == shard->end() ? nullptr : &it->second;
}

std::vector<FlagProblem> FlagSet::problem_list() const {
  std::vector<FlagProblem> out;
  for (const auto& shard : shards_) {
    if (!shard) continue;
    for (const auto& [key, flag] : *shard)
      if (!flag->compile_error().empty()) out.push_back({collection_, key, flag->compile_error()});
  }
  std::sort(out.begin(), out.end(), [](const FlagProblem& a, const FlagProblem& b) { return a.key < b.key; });
  return out;
}

std::shared_ptr<const FlagSet> FlagSet::updated(const std::shared_ptr<const FlagSet>& self, const RecordMap& records,
                                                std::vector<FlagProblem>& fresh) {
  if (self->source_.same_as(records)) return self;
  auto next = std::make_shared<FlagSet>(*self);
  next->owned_.reset();
  next->source_ = records;
  bool shared_changed = false;
  std::vector<RecordPtr> changed;  // records put or replaced (deletes are handled at once)
  RecordMap::diff(self->source_, records, [&](const RecordPtr& before, const RecordPtr& after) {
    const Record& any = after ? *after : *before;
    if (reserved(any.key)) {
      shared_changed = shared_changed || any.key == kEvaluatorsKey || any.key == kFlagSetMetadataKey;
      return;
    }
    if (after)
      changed.push_back(after);
    else
      next->erase_one(any.key);
  });
  if (shared_changed) {
    next->compile_all(records, fresh);
  } else {
    for (const auto& record : changed) next->compile_one(*record, fresh);
  }
  return next;
}

void FlagSet::load_shared(const RecordMap& records, std::vector<FlagProblem>& fresh) {
  const Record* evaluators = records.find(kEvaluatorsKey);
  const Record* metadata = records.find(kFlagSetMetadataKey);
  try {
    boost::json::value evaluators_json, metadata_json;
    if (evaluators) evaluators_json = parse_value(*evaluators);
    if (metadata) metadata_json = parse_value(*metadata);
    shared_ = eval::FlagSetShared::make(evaluators ? &evaluators_json : nullptr, metadata ? &metadata_json : nullptr);
  } catch (const std::exception& e) {
    // The flags are compiled without the shared parts: those that use a `$ref` then fail
    // to compile too, and say which reference is missing.
    shared_ = eval::FlagSetShared::empty();
    fresh.push_back({collection_, std::string(evaluators ? kEvaluatorsKey : kFlagSetMetadataKey), e.what()});
  }
}

void FlagSet::compile_all(const RecordMap& records, std::vector<FlagProblem>& fresh) {
  load_shared(records, fresh);
  shards_ = {};
  owned_.reset();
  size_ = problems_ = 0;
  records.for_each([&](const RecordPtr& record) {
    if (!reserved(record->key)) compile_one(*record, fresh);
  });
}

FlagSet::Shard& FlagSet::writable_shard(std::size_t index) {
  auto& shard = shards_[index];
  // A shard may still be shared with the set this one was copied from: copy it once per
  // update, then change the copy in place.
  if (!owned_[index]) {
    shard = shard ? std::make_shared<Shard>(*shard) : std::make_shared<Shard>();
    owned_[index] = true;
  }
  return const_cast<Shard&>(*shard);
}

void FlagSet::compile_one(const Record& record, std::vector<FlagProblem>& fresh) {
  FlagPtr flag;
  try {
    flag = eval::CompiledFlag::compile(record.key, parse_value(record), *shared_);
  } catch (const std::exception& e) {
    // The value is not JSON the compiler can read (it always is: it came from JSON), or
    // memory ran out: report it like any other definition that does not compile.
    flag = eval::CompiledFlag::compile(record.key, boost::json::value(), *shared_);
  }
  erase_one(record.key);
  if (!flag->compile_error().empty()) {
    ++problems_;
    fresh.push_back({collection_, record.key, flag->compile_error()});
  }
  writable_shard(shard_of(record.key)).emplace(record.key, std::move(flag));
  ++size_;
}

void FlagSet::erase_one(std::string_view key) {
  const FlagPtr* existing = find(key);
  if (!existing) return;
  if (!(*existing)->compile_error().empty()) --problems_;
  writable_shard(shard_of(key)).erase(std::string(key));
  --size_;
}

FlagIndex::FlagIndex(const std::vector<std::string>& collections) {
  for (const auto& name : collections) {
    bool seen = std::any_of(sets_.begin(), sets_.end(), [&](const auto& s) { return s->collection() == name; });
    if (!seen) sets_.push_back(std::make_shared<const FlagSet>(name));
  }
}

const FlagSet* FlagIndex::find(std::string_view collection) const {
  for (const auto& set : sets_)
    if (set->collection() == collection) return set.get();
  return nullptr;
}

std::size_t FlagIndex::problems() const {
  std::size_t total = 0;
  for (const auto& set : sets_) total += set->problems();
  return total;
}

std::vector<FlagProblem> FlagIndex::problem_list() const {
  std::vector<FlagProblem> out;
  for (const auto& set : sets_) {
    auto more = set->problem_list();
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

}  // namespace hotstate::client
