#pragma once
// The memory layout of a RecordMap trie node: one allocation holding the header (an
// intrusive reference count, the occupancy bitmap, size and capacity) followed by the
// slots themselves. A lookup therefore costs one cache miss per level, not two (a node
// and then a separate slot array, as with std::shared_ptr<Node> + std::vector<Slot>),
// and a slot is 32 bytes: two per cache line.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <utility>

#include "record_map.hpp"

namespace hotstate::client {

struct alignas(8) RecordMap::Node {  // 24-byte header, slots follow it aligned
  // A slot holds either a record (leaf) or a child node. In a collision node (hash bits
  // used up) every slot is a leaf, matched by key.
  struct Slot {
    std::uint64_t hash = 0;
    RecordPtr leaf;
    NodePtr child;
  };

  mutable std::atomic<std::uint32_t> refs{0};
  std::uint32_t bitmap = 0;  // occupied slot indexes (unused in a collision node)
  std::uint32_t size = 0;
  std::uint32_t capacity = 0;
  bool collision = false;

  Slot* slots() { return reinterpret_cast<Slot*>(this + 1); }
  const Slot* slots() const { return reinterpret_cast<const Slot*>(this + 1); }
  std::span<Slot> used() { return {slots(), size}; }
  std::span<const Slot> used() const { return {slots(), size}; }

  // A new empty node with room for `capacity` slots.
  static NodePtr make(std::uint32_t capacity, bool collision = false) {
    void* memory = ::operator new(sizeof(Node) + capacity * sizeof(Slot));
    Node* node = new (memory) Node();
    node->capacity = capacity;
    node->collision = collision;
    return NodePtr(node);
  }

  // A copy of `from` (slots shared by reference) with room for `capacity` >= from.size.
  static NodePtr copy(const Node& from, std::uint32_t capacity) {
    NodePtr node = make(capacity, from.collision);
    node->bitmap = from.bitmap;
    for (const Slot& slot : from.used()) new (node->slots() + node->size++) Slot(slot);
    return node;
  }

  // The same, moving the slots out of `from`, which this builder owns alone (growth).
  static NodePtr take(Node& from, std::uint32_t capacity) {
    NodePtr node = make(capacity, from.collision);
    node->bitmap = from.bitmap;
    for (Slot& slot : from.used()) new (node->slots() + node->size++) Slot(std::move(slot));
    return node;
  }

  // Adds at the end. The caller has made sure size < capacity.
  void append(Slot slot) { new (slots() + size++) Slot(std::move(slot)); }

  // Inserts at `pos`, shifting the rest up. The caller has made sure size < capacity.
  void insert_at(std::size_t pos, Slot slot) {
    Slot* s = slots();
    new (s + size) Slot();
    for (std::size_t i = size; i > pos; --i) s[i] = std::move(s[i - 1]);
    s[pos] = std::move(slot);
    ++size;
  }

  void erase_at(std::size_t pos) {
    Slot* s = slots();
    for (std::size_t i = pos; i + 1 < size; ++i) s[i] = std::move(s[i + 1]);
    s[--size].~Slot();
  }

  static void destroy(const Node* node) {
    Node* mutable_node = const_cast<Node*>(node);
    for (Slot& slot : mutable_node->used()) slot.~Slot();
    mutable_node->~Node();
    ::operator delete(mutable_node);
  }
};

static_assert(sizeof(RecordMap::Node::Slot) == 32, "two slots per cache line");
static_assert(sizeof(RecordMap::Node) % alignof(RecordMap::Node::Slot) == 0, "slots follow the header aligned");

}  // namespace hotstate::client
