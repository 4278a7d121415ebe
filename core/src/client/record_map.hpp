#pragma once
// A persistent (immutable, structurally shared) hash map from key to record: a hash array
// mapped trie with 32-way nodes. A published map never changes, so readers need no lock;
// an update copies only the nodes on the changed paths and shares the rest, so applying
// a delta to a million-record replica costs a few node copies, and comparing two
// versions skips every subtree they share (diff()).
//
// Building is done through RecordMap::Builder, which mutates nodes it created itself in
// place (nodes still shared with a published map are copied first), so a snapshot of N
// records is built in O(N) allocations, not O(N log N) copies.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>

#include "hotstate/record.hpp"

namespace hotstate::client {

class RecordMap {
 public:
  struct Node;  // record_map_node.hpp
  using NodePtr = boost::intrusive_ptr<Node>;

  RecordMap() = default;

  // nullptr when absent. Wait-free: reads only immutable nodes.
  const Record* find(std::string_view key) const;
  RecordPtr find_shared(std::string_view key) const;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // True when both are the same version of a map (nothing differs, nothing to diff).
  bool same_as(const RecordMap& other) const { return root_ == other.root_; }

  // Visits every record (in hash order).
  void for_each(const std::function<void(const RecordPtr&)>& visit) const;

  // Calls changed(before, after) for every key whose record differs between `older` and
  // `newer` (before or after is null when the key is absent on that side). Subtrees the
  // two share are skipped without being read.
  static void diff(const RecordMap& older, const RecordMap& newer,
                   const std::function<void(const RecordPtr& before, const RecordPtr& after)>& changed);

  class Builder {
   public:
    Builder() = default;
    explicit Builder(const RecordMap& start);
    // Insert or replace by record->key; returns the record replaced (null if new).
    RecordPtr put(RecordPtr record);
    // Returns the record removed (null when absent).
    RecordPtr erase(std::string_view key);
    RecordPtr find(std::string_view key) const;
    RecordMap build();                    // the builder is empty afterwards

   private:
    NodePtr root_;
    std::size_t size_ = 0;
  };

 private:
  NodePtr root_;
  std::size_t size_ = 0;
};

std::uint64_t hash_key(std::string_view key);

// NodePtr's reference counting (the count lives in the node; see record_map_node.hpp).
void intrusive_ptr_add_ref(const RecordMap::Node* node);
void intrusive_ptr_release(const RecordMap::Node* node);

}  // namespace hotstate::client
