#pragma once
// One snapshot (the records a set of selectors picks at one revision), encoded once into
// SnapshotChunk frames and a SnapshotEnd frame, and sent by every stream session that
// needs the same one at the same time (docs/server.md, "Snapshots").
//
// Memory: the snapshot holds pointers to its (immutable, shared) records for its whole
// life, as one session's snapshot always did, and the chunks it has encoded up to
// kKeepEncodedBytes: a session that joins late, or falls behind, reads the same bytes.
// Past that budget the oldest chunks are let go (a session still queueing one keeps it
// alive until written) and encoded again from the records if a session needs them later.
// So however many sessions send a snapshot, it costs one pointer per record plus at most
// the budget in encoded frames; and it goes away with its last reader (SnapshotPool keeps
// only a weak_ptr). The per-session SnapshotBegin, which carries `reset`, is not shared.

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "hotstate/protocol.hpp"
#include "hotstate/record.hpp"
#include "snapshot_key.hpp"

namespace hotstate::server {

class SnapshotPool;
struct Metrics;

class SharedSnapshot {
 public:
  // Encoded chunks kept for sessions that need them later (32 chunks of ~256 KiB).
  static constexpr std::size_t kKeepEncodedBytes = 8u << 20;

  // `records`: what key.selectors select at key.revision (Store::select).
  SharedSnapshot(SnapshotPool& pool, Metrics& metrics, SnapshotKey key, std::vector<RecordPtr> records);
  ~SharedSnapshot();  // tells the pool: a snapshot slot is free
  SharedSnapshot(const SharedSnapshot&) = delete;
  SharedSnapshot& operator=(const SharedSnapshot&) = delete;

  const SnapshotKey& key() const { return key_; }
  std::uint64_t revision() const { return key_.revision; }

  // Frame `index` (chunks, then SnapshotEnd last), encoding it if no reader has yet or it
  // was let go. Null past the end. `last` tells whether it is the SnapshotEnd.
  protocol::FramePtr frame(std::size_t index, bool& last);

 private:
  struct Chunk {
    std::size_t first = 0, end = 0;  // records_[first, end)
    protocol::FramePtr frame;        // null once let go
    bool encoded_before = false;
  };
  void cut_next_chunk();
  protocol::FramePtr encode(const Chunk& chunk) const;
  void keep(std::size_t index);

  SnapshotPool& pool_;
  Metrics& metrics_;
  SnapshotKey key_;
  std::vector<RecordPtr> records_;
  std::vector<Chunk> chunks_;
  bool cut_all_ = false;  // chunks_ covers every record
  protocol::FramePtr end_frame_;
  std::deque<std::size_t> kept_;  // chunks holding their frame, oldest first
  std::size_t kept_bytes_ = 0;
};

// A session's place in a SharedSnapshot.
class SnapshotReader {
 public:
  explicit SnapshotReader(std::shared_ptr<SharedSnapshot> snapshot) : snapshot_(std::move(snapshot)) {}

  std::uint64_t revision() const { return snapshot_->revision(); }
  // The next frame to send; `last` is set on the SnapshotEnd.
  protocol::FramePtr next(bool& last) { return snapshot_->frame(next_++, last); }

 private:
  std::shared_ptr<SharedSnapshot> snapshot_;
  std::size_t next_ = 0;
};

}  // namespace hotstate::server
