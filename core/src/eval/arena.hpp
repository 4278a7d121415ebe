#pragma once
// The per-thread scratch arena for values built while a rule runs (strings from `cat`,
// arrays from `map` or `merge`, objects read from a record). Bump allocation from chunks
// that are kept between evaluations, so a warmed-up thread evaluates with no heap
// allocation; an evaluation gives back everything it took when it ends (ScratchScope).
//
// One evaluation may take at most kMaxScratchBytes: a rule that maps over a huge array
// fails with EvalLimitError (the flag then resolves with an error) instead of eating the
// process's memory.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace hotstate::eval {

inline constexpr std::size_t kMaxScratchBytes = 64u << 20;

// Thrown inside the evaluator only; CompiledFlag::evaluate turns it into an error result.
struct EvalLimitError {
  const char* message;
};

class Arena {
 public:
  struct Mark {
    std::size_t chunk = 0;
    std::size_t used = 0;
    std::size_t total = 0;
  };

  // Memory for `count` objects of T; throws EvalLimitError past the limit.
  template <typename T>
  T* allocate(std::size_t count) {
    return static_cast<T*>(allocate_bytes(count * sizeof(T), alignof(T)));
  }
  void* allocate_bytes(std::size_t bytes, std::size_t align);

  Mark mark() const { return {current_, used_, total_}; }
  void release(const Mark& mark);

 private:
  struct Chunk {
    std::unique_ptr<std::byte[]> bytes;
    std::size_t size = 0;
  };
  void* from_next_chunk(std::size_t bytes, std::size_t align);

  std::vector<Chunk> chunks_;
  std::size_t current_ = 0;  // index into chunks_ (when non-empty)
  std::size_t used_ = 0;     // bytes used in chunks_[current_]
  std::size_t total_ = 0;    // bytes taken since the outermost mark, for the limit
};

// This thread's arena.
Arena& scratch_arena();

// Gives back what was allocated in its lifetime (nests: an inner scope restores only its own).
class ScratchScope {
 public:
  ScratchScope() : arena_(scratch_arena()), mark_(arena_.mark()) {}
  ~ScratchScope() { arena_.release(mark_); }
  ScratchScope(const ScratchScope&) = delete;
  ScratchScope& operator=(const ScratchScope&) = delete;
  Arena& arena() { return arena_; }

 private:
  Arena& arena_;
  Arena::Mark mark_;
};

}  // namespace hotstate::eval
