#include "eval/arena.hpp"

#include <algorithm>

namespace hotstate::eval {
namespace {

constexpr std::size_t kFirstChunkBytes = 16u << 10;
// Chunks beyond this many bytes are freed when an evaluation ends, so one rule that once
// needed a lot of scratch does not keep it for the life of the thread.
constexpr std::size_t kKeptBytes = 1u << 20;

std::size_t align_up(std::size_t n, std::size_t align) { return (n + align - 1) & ~(align - 1); }

}  // namespace

void* Arena::allocate_bytes(std::size_t bytes, std::size_t align) {
  if (bytes > kMaxScratchBytes || total_ + bytes > kMaxScratchBytes)
    throw EvalLimitError{"the rule needs more than 64 MiB of scratch memory (an array or string too large)"};
  if (!chunks_.empty()) {
    auto& chunk = chunks_[current_];
    auto* base = chunk.bytes.get();
    std::size_t start = align_up(reinterpret_cast<std::uintptr_t>(base) + used_, align) -
                        reinterpret_cast<std::uintptr_t>(base);
    if (start + bytes <= chunk.size) {
      total_ += start + bytes - used_;
      used_ = start + bytes;
      return base + start;
    }
  }
  return from_next_chunk(bytes, align);
}

void* Arena::from_next_chunk(std::size_t bytes, std::size_t align) {
  std::size_t need = bytes + align;
  // Reuse a kept chunk that is big enough, else add one (doubling, at least `need`).
  std::size_t next = chunks_.empty() ? 0 : current_ + 1;
  while (next < chunks_.size() && chunks_[next].size < need) ++next;
  if (next >= chunks_.size()) {
    std::size_t size = std::max(need, chunks_.empty() ? kFirstChunkBytes : chunks_.back().size * 2);
    try {
      chunks_.push_back(Chunk{std::make_unique<std::byte[]>(size), size});
    } catch (const std::bad_alloc&) {
      throw EvalLimitError{"out of memory for the rule's scratch values"};
    }
    next = chunks_.size() - 1;
  } else if (next != current_ + 1) {
    // Keep chunks in the order they are used, so release() can rewind by index.
    std::swap(chunks_[current_ + 1], chunks_[next]);
    next = current_ + 1;
  }
  if (!chunks_.empty() && next != 0) total_ += chunks_[current_].size - used_;  // the rest of the old chunk
  current_ = next;
  auto* base = chunks_[current_].bytes.get();
  std::size_t start = align_up(reinterpret_cast<std::uintptr_t>(base), align) - reinterpret_cast<std::uintptr_t>(base);
  used_ = start + bytes;
  total_ += used_;
  return base + start;
}

void Arena::release(const Mark& mark) {
  current_ = mark.chunk;
  used_ = mark.used;
  total_ = mark.total;
  if (mark.chunk == 0 && mark.used == 0) {
    std::size_t kept = 0, keep = 0;
    while (keep < chunks_.size() && kept + chunks_[keep].size <= kKeptBytes) kept += chunks_[keep++].size;
    if (keep == 0 && !chunks_.empty()) keep = 1;
    chunks_.resize(std::min(chunks_.size(), keep));
  }
}

Arena& scratch_arena() {
  thread_local Arena arena;
  return arena;
}

}  // namespace hotstate::eval
