#include "shared_snapshot.hpp"

#include "snapshot_pool.hpp"

namespace hotstate::server {

SharedSnapshot::SharedSnapshot(SnapshotPool& pool, SnapshotKey key, std::vector<RecordPtr> records)
    : pool_(pool), key_(std::move(key)), records_(std::move(records)) {}

SharedSnapshot::~SharedSnapshot() { pool_.finished(key_); }

protocol::FramePtr SharedSnapshot::frame(std::size_t index, bool& last) {
  while (index >= frames_.size() && !complete_) encode_next();
  if (index >= frames_.size()) {
    last = false;
    return nullptr;
  }
  last = complete_ && index + 1 == frames_.size();
  return frames_[index];
}

void SharedSnapshot::encode_next() {
  if (next_record_ < records_.size()) {
    std::size_t bytes = 0, end = next_record_;
    while (end < records_.size() && bytes < protocol::kSnapshotChunkBytes) {
      const Record& r = *records_[end++];
      bytes += r.key.size() + r.value.size() + r.collection.size() + 48;
    }
    std::span<const RecordPtr> chunk(records_.data() + next_record_, end - next_record_);
    next_record_ = end;
    frames_.push_back(protocol::encode_snapshot_chunk(chunk));
    return;
  }
  // Every record is in a frame now: the frames hold what readers still need.
  records_.clear();
  records_.shrink_to_fit();
  frames_.push_back(protocol::encode_snapshot_end(key_.revision));
  complete_ = true;
}

}  // namespace hotstate::server
