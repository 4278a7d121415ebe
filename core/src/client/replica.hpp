#pragma once
// The replica's immutable states and how a new one is made from the last.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hotstate/client.hpp"
#include "record_map.hpp"

namespace hotstate {

namespace client {
class FlagIndex;
}

// One published state of the replica. Never modified once published.
struct ReadTxn::State {
  std::uint64_t epoch = 0;
  std::uint64_t revision = 0;
  std::map<std::string, client::RecordMap, std::less<>> collections;
  std::size_t keys = 0;
  std::size_t bytes = 0;
  // The compiled flags of the flag collections; set on every published state (by the
  // client core, from the previous state's index), null on states never published.
  std::shared_ptr<const client::FlagIndex> flags;

  const Record* find(std::string_view collection, std::string_view key) const;
  RecordPtr find_shared(std::string_view collection, std::string_view key) const;
  std::vector<RecordPtr> scan(std::string_view collection, std::string_view prefix) const;
};

namespace client {

using State = ReadTxn::State;
using StatePtr = std::shared_ptr<const State>;

// Applies puts and deletes on top of a state; build() returns the next state, sharing
// everything that did not change.
class StateBuilder {
 public:
  explicit StateBuilder(const State& base);
  // An empty state (snapshot being built).
  StateBuilder(std::uint64_t epoch, std::uint64_t revision);

  // Returns the record it replaced (null if none).
  RecordPtr put(RecordPtr record);
  RecordPtr erase(std::string_view collection, std::string_view key);
  RecordPtr find(std::string_view collection, std::string_view key) const;
  void set_revision(std::uint64_t revision) { revision_ = revision; }
  std::uint64_t revision() const { return revision_; }
  std::uint64_t epoch() const { return epoch_; }
  // Not yet published: the caller may still attach its flag index.
  std::shared_ptr<State> build();

 private:
  RecordMap::Builder& builder_for(std::string_view collection);

  std::uint64_t epoch_ = 0;
  std::uint64_t revision_ = 0;
  std::map<std::string, RecordMap, std::less<>> untouched_;
  std::map<std::string, RecordMap::Builder, std::less<>> touched_;
  std::size_t bytes_ = 0;
};

// Every record that differs between two states, by collection.
void diff_states(const State& older, const State& newer,
                 const std::function<void(const RecordPtr& before, const RecordPtr& after)>& changed);

}  // namespace client
}  // namespace hotstate
