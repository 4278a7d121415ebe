#include "record_map.hpp"

#include "record_map_node.hpp"

#include <bit>
#include <cassert>
#include <utility>

namespace hotstate::client {

void intrusive_ptr_add_ref(const RecordMap::Node* node) { node->refs.fetch_add(1, std::memory_order_relaxed); }

void intrusive_ptr_release(const RecordMap::Node* node) {
  if (node->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) RecordMap::Node::destroy(node);
}

namespace {

using Node = RecordMap::Node;
using NodePtr = RecordMap::NodePtr;
constexpr unsigned kBits = 5;
constexpr unsigned kMaxShift = 60;  // shifts 0..60 use the hash; beyond that: collision list
constexpr std::uint32_t kFanout = 32;

unsigned slot_index(std::uint64_t hash, unsigned shift) { return (hash >> shift) & 31u; }

// Where a slot index sits among the occupied slots.
std::size_t position(std::uint32_t bitmap, unsigned index) {
  return static_cast<std::size_t>(std::popcount(bitmap & ((1u << index) - 1)));
}

// A node this builder may change in place, with room for `extra` more slots. A node with
// a count of 1 was created by this builder and no published map or other builder can
// reach it; any other node is copied first (to its exact size, so a delta adds no
// slack to the nodes it copies). A full node grows by doubling, since snapshots insert one key at a time; a trie
// node never needs more than 32 slots.
Node* writable(NodePtr& node, std::uint32_t extra = 0) {
  if (!node) {
    node = Node::make(std::max<std::uint32_t>(extra, 2));
  } else if (node->refs.load(std::memory_order_acquire) > 1) {
    node = Node::copy(*node, node->size + extra);
  } else if (node->size + extra > node->capacity) {
    std::uint32_t doubled = node->collision ? node->capacity * 2 : std::min(node->capacity * 2, kFanout);
    node = Node::take(*node, std::max(doubled, node->size + extra));
  }
  return node.get();
}

// Two leaves that collide at `shift` pushed one level down into a new subtree.
NodePtr split(Node::Slot a, Node::Slot b, unsigned shift) {
  if (shift > kMaxShift) {
    NodePtr node = Node::make(2, true);
    node->append(std::move(a));
    node->append(std::move(b));
    return node;
  }
  unsigned ia = slot_index(a.hash, shift), ib = slot_index(b.hash, shift);
  if (ia == ib) {
    NodePtr node = Node::make(1);
    node->bitmap = 1u << ia;
    node->append(Node::Slot{0, nullptr, split(std::move(a), std::move(b), shift + kBits)});
    return node;
  }
  NodePtr node = Node::make(2);
  node->bitmap = (1u << ia) | (1u << ib);
  if (ib < ia) std::swap(a, b);
  node->append(std::move(a));
  node->append(std::move(b));
  return node;
}

// Returns the record replaced (null when the key is new).
RecordPtr insert(NodePtr& node_ref, Node::Slot entry, unsigned shift) {
  Node* node = writable(node_ref);
  if (node->collision) {
    for (auto& slot : node->used())
      if (slot.leaf->key == entry.leaf->key) return std::exchange(slot, std::move(entry)).leaf;
    node = writable(node_ref, 1);
    node->append(std::move(entry));
    return nullptr;
  }
  unsigned index = slot_index(entry.hash, shift);
  std::uint32_t bit = 1u << index;
  std::size_t pos = position(node->bitmap, index);
  if (!(node->bitmap & bit)) {
    node = writable(node_ref, 1);
    node->bitmap |= bit;
    node->insert_at(pos, std::move(entry));
    return nullptr;
  }
  Node::Slot& slot = node->slots()[pos];
  if (slot.child) return insert(slot.child, std::move(entry), shift + kBits);
  if (slot.hash == entry.hash && slot.leaf->key == entry.leaf->key)
    return std::exchange(slot, std::move(entry)).leaf;
  Node::Slot existing = std::move(slot);
  slot = Node::Slot{0, nullptr, split(std::move(existing), std::move(entry), shift + kBits)};
  return nullptr;
}

// Removes a key known to be present. Empty nodes leave their parent; a subtree left with
// a single leaf is pulled up, so equal contents keep one shape however they were reached.
void erase_present(NodePtr& node_ref, std::uint64_t hash, std::string_view key, unsigned shift) {
  Node* node = writable(node_ref);
  if (node->collision) {
    for (std::size_t i = 0; i < node->size; ++i)
      if (node->slots()[i].leaf->key == key) {
        node->erase_at(i);
        break;
      }
    return;
  }
  unsigned index = slot_index(hash, shift);
  std::size_t pos = position(node->bitmap, index);
  Node::Slot& slot = node->slots()[pos];
  if (slot.child) {
    erase_present(slot.child, hash, key, shift + kBits);
    const Node& child = *slot.child;
    if (child.size == 0) {
      node->bitmap &= ~(1u << index);
      node->erase_at(pos);
    } else if (child.size == 1 && !child.slots()[0].child) {
      Node::Slot lone = child.slots()[0];
      slot = std::move(lone);
    }
    return;
  }
  node->bitmap &= ~(1u << index);
  node->erase_at(pos);
}

const Record* find_in(const Node* node, std::uint64_t hash, std::string_view key) {
  unsigned shift = 0;
  while (node) {
    if (node->collision) {
      for (const auto& slot : node->used())
        if (slot.leaf->key == key) return slot.leaf.get();
      return nullptr;
    }
    unsigned index = slot_index(hash, shift);
    std::uint32_t bit = 1u << index;
    if (!(node->bitmap & bit)) return nullptr;
    const Node::Slot& slot = node->slots()[position(node->bitmap, index)];
    if (!slot.child) return slot.hash == hash && slot.leaf->key == key ? slot.leaf.get() : nullptr;
    node = slot.child.get();
    shift += kBits;
  }
  return nullptr;
}

const RecordPtr* find_slot(const Node* node, std::uint64_t hash, std::string_view key) {
  unsigned shift = 0;
  while (node) {
    if (node->collision) {
      for (const auto& slot : node->used())
        if (slot.leaf->key == key) return &slot.leaf;
      return nullptr;
    }
    unsigned index = slot_index(hash, shift);
    std::uint32_t bit = 1u << index;
    if (!(node->bitmap & bit)) return nullptr;
    const Node::Slot& slot = node->slots()[position(node->bitmap, index)];
    if (!slot.child) return slot.hash == hash && slot.leaf->key == key ? &slot.leaf : nullptr;
    node = slot.child.get();
    shift += kBits;
  }
  return nullptr;
}

void visit_all(const Node* node, const std::function<void(const RecordPtr&)>& visit) {
  if (!node) return;
  for (const auto& slot : node->used()) {
    if (slot.child)
      visit_all(slot.child.get(), visit);
    else
      visit(slot.leaf);
  }
}

void collect(const Node::Slot& slot, std::vector<RecordPtr>& out) {
  if (slot.child)
    visit_all(slot.child.get(), [&](const RecordPtr& r) { out.push_back(r); });
  else if (slot.leaf)
    out.push_back(slot.leaf);
}

using ChangedFn = std::function<void(const RecordPtr&, const RecordPtr&)>;

// Compares two small record sets by key (mixed leaf/subtree slots, collision lists).
void diff_lists(std::vector<RecordPtr> older, std::vector<RecordPtr> newer, const ChangedFn& changed) {
  for (const auto& before : older) {
    RecordPtr after;
    for (auto& candidate : newer)
      if (candidate && candidate->key == before->key) {
        after = std::move(candidate);
        candidate = nullptr;
        break;
      }
    if (after != before) changed(before, after);
  }
  for (const auto& after : newer)
    if (after) changed(nullptr, after);
}

void diff_nodes(const Node* a, const Node* b, const ChangedFn& changed) {
  if (a == b) return;
  if (!a || !b || a->collision || b->collision) {
    std::vector<RecordPtr> older, newer;
    if (a) visit_all(a, [&](const RecordPtr& r) { older.push_back(r); });
    if (b) visit_all(b, [&](const RecordPtr& r) { newer.push_back(r); });
    diff_lists(std::move(older), std::move(newer), changed);
    return;
  }
  for (unsigned index = 0; index < 32; ++index) {
    std::uint32_t bit = 1u << index;
    bool in_a = a->bitmap & bit, in_b = b->bitmap & bit;
    if (!in_a && !in_b) continue;
    static const Node::Slot kEmpty{};
    const Node::Slot& sa = in_a ? a->slots()[position(a->bitmap, index)] : kEmpty;
    const Node::Slot& sb = in_b ? b->slots()[position(b->bitmap, index)] : kEmpty;
    if (sa.child && sb.child) {
      diff_nodes(sa.child.get(), sb.child.get(), changed);
    } else if (!sa.child && !sb.child && sa.leaf && sb.leaf && sa.leaf->key == sb.leaf->key) {
      if (sa.leaf != sb.leaf) changed(sa.leaf, sb.leaf);
    } else {
      std::vector<RecordPtr> older, newer;
      collect(sa, older);
      collect(sb, newer);
      diff_lists(std::move(older), std::move(newer), changed);
    }
  }
}

}  // namespace

std::uint64_t hash_key(std::string_view key) { return std::hash<std::string_view>{}(key); }

const Record* RecordMap::find(std::string_view key) const {
  return find_in(root_.get(), hash_key(key), key);
}

RecordPtr RecordMap::find_shared(std::string_view key) const {
  const RecordPtr* slot = find_slot(root_.get(), hash_key(key), key);
  return slot ? *slot : nullptr;
}

void RecordMap::for_each(const std::function<void(const RecordPtr&)>& visit) const {
  visit_all(root_.get(), visit);
}

void RecordMap::diff(const RecordMap& older, const RecordMap& newer, const ChangedFn& changed) {
  diff_nodes(older.root_.get(), newer.root_.get(), changed);
}

RecordMap::Builder::Builder(const RecordMap& start) : root_(start.root_), size_(start.size_) {}

RecordPtr RecordMap::Builder::put(RecordPtr record) {
  std::uint64_t hash = hash_key(record->key);
  RecordPtr replaced = insert(root_, Node::Slot{hash, std::move(record), nullptr}, 0);
  if (!replaced) ++size_;
  return replaced;
}

RecordPtr RecordMap::Builder::erase(std::string_view key) {
  std::uint64_t hash = hash_key(key);
  const RecordPtr* slot = find_slot(root_.get(), hash, key);
  if (!slot) return nullptr;
  RecordPtr removed = *slot;
  erase_present(root_, hash, key, 0);
  --size_;
  return removed;
}

RecordPtr RecordMap::Builder::find(std::string_view key) const {
  const RecordPtr* slot = find_slot(root_.get(), hash_key(key), key);
  return slot ? *slot : nullptr;
}

RecordMap RecordMap::Builder::build() {
  RecordMap map;
  map.root_ = std::move(root_);
  map.size_ = size_;
  if (map.size_ == 0) map.root_.reset();
  root_.reset();
  size_ = 0;
  return map;
}

}  // namespace hotstate::client
