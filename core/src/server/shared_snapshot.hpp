#pragma once
// One snapshot (the records a set of selectors picks at one revision), encoded once into
// SnapshotChunk frames and a SnapshotEnd frame, and sent by every stream session that
// needs the same one at the same time (docs/server.md, "Snapshots").
//
// Frames are encoded lazily, when the first reader needs them, so a snapshot nobody reads
// fast costs no more than the pointers to its records. Every frame encoded is kept until
// the last reader is done: a session that joins while others are half way through reads
// the same bytes from the start. So a snapshot costs one encoded copy however many
// sessions send it (the per-session SnapshotBegin, which carries `reset`, is not shared),
// and the copy goes away with the last reader (SnapshotPool keeps only a weak_ptr).

#include <cstdint>
#include <memory>
#include <vector>

#include "hotstate/protocol.hpp"
#include "hotstate/record.hpp"
#include "snapshot_key.hpp"

namespace hotstate::server {

class SnapshotPool;

class SharedSnapshot {
 public:
  // `records`: what key.selectors select at key.revision (Store::select).
  SharedSnapshot(SnapshotPool& pool, SnapshotKey key, std::vector<RecordPtr> records);
  ~SharedSnapshot();  // tells the pool: a snapshot slot is free
  SharedSnapshot(const SharedSnapshot&) = delete;
  SharedSnapshot& operator=(const SharedSnapshot&) = delete;

  const SnapshotKey& key() const { return key_; }
  std::uint64_t revision() const { return key_.revision; }

  // Frame `index` (chunks, then SnapshotEnd last), encoding it if no reader has yet.
  // Null past the end. `last` tells whether it is the SnapshotEnd.
  protocol::FramePtr frame(std::size_t index, bool& last);

 private:
  void encode_next();

  SnapshotPool& pool_;
  SnapshotKey key_;
  std::vector<RecordPtr> records_;  // released once every frame is encoded
  std::size_t next_record_ = 0;
  std::vector<protocol::FramePtr> frames_;
  bool complete_ = false;  // frames_ ends with the SnapshotEnd
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
