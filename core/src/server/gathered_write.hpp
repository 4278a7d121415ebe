#pragma once
// The buffers of one stream write. Asio hands a socket at most 16 buffers per sendmsg
// here (it sees no IOV_MAX), so a batch of 60 small deltas passed as 60 buffers took four
// syscalls. Runs of small frames are copied into one buffer instead (a memcpy of a few
// KiB costs far less than a syscall); large frames, snapshot chunks, are referenced as
// they are, so they must stay alive until the write completes (the queue keeps them).

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hotstate::server {

class GatheredWrite {
 public:
  // Frames below this size are copied.
  static constexpr std::size_t kCopyBelowBytes = 4096;

  void clear() {
    copied_.clear();
    pieces_.clear();
    buffers_.clear();
  }

  // Appends a frame to the write, after those added before it.
  void add(std::span<const std::uint8_t> frame) {
    if (frame.size() >= kCopyBelowBytes) {
      pieces_.push_back({frame.data(), 0, frame.size()});
      return;
    }
    if (pieces_.empty() || pieces_.back().referenced) pieces_.push_back({nullptr, copied_.size(), 0});
    copied_.insert(copied_.end(), frame.begin(), frame.end());
    pieces_.back().size += frame.size();
  }

  // The buffers to write, in order; valid until the next clear() or add().
  const std::vector<boost::asio::const_buffer>& buffers() {
    buffers_.clear();
    for (const auto& piece : pieces_)
      buffers_.emplace_back(piece.referenced ? piece.referenced : copied_.data() + piece.offset, piece.size);
    return buffers_;
  }

 private:
  struct Piece {
    const std::uint8_t* referenced;  // a large frame's own bytes, or null: a run in copied_
    std::size_t offset;              // into copied_ (runs only; copied_ may move while adding)
    std::size_t size;
  };
  std::vector<std::uint8_t> copied_;
  std::vector<Piece> pieces_;
  std::vector<boost::asio::const_buffer> buffers_;
};

}  // namespace hotstate::server
