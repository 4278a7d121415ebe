#include "shared_snapshot.hpp"

#include "metrics.hpp"
#include "snapshot_pool.hpp"

namespace hotstate::server {

SharedSnapshot::SharedSnapshot(SnapshotPool& pool, Metrics& metrics, SnapshotKey key, std::vector<RecordPtr> records)
    : pool_(pool), metrics_(metrics), key_(std::move(key)), records_(std::move(records)) {}

SharedSnapshot::~SharedSnapshot() { pool_.finished(key_); }

protocol::FramePtr SharedSnapshot::frame(std::size_t index, bool& last) {
  while (index >= chunks_.size() && !cut_all_) cut_next_chunk();
  last = false;
  if (index > chunks_.size()) return nullptr;
  if (index == chunks_.size()) {
    last = true;
    if (!end_frame_) end_frame_ = protocol::encode_snapshot_end(key_.revision);
    return end_frame_;
  }
  Chunk& chunk = chunks_[index];
  if (!chunk.frame) {
    if (chunk.encoded_before) ++metrics_.snapshot_chunk_reencodes;
    chunk.frame = encode(chunk);
    chunk.encoded_before = true;
    keep(index);
  }
  return chunk.frame;
}

void SharedSnapshot::cut_next_chunk() {
  std::size_t first = chunks_.empty() ? 0 : chunks_.back().end;
  std::size_t bytes = 0, end = first;
  while (end < records_.size() && bytes < protocol::kSnapshotChunkBytes) {
    const Record& r = *records_[end++];
    bytes += r.key.size() + r.value.size() + r.collection.size() + 48;
  }
  if (end > first) chunks_.push_back(Chunk{first, end, nullptr, false});
  cut_all_ = end == records_.size();
}

protocol::FramePtr SharedSnapshot::encode(const Chunk& chunk) const {
  return protocol::encode_snapshot_chunk(
      std::span<const RecordPtr>(records_.data() + chunk.first, chunk.end - chunk.first));
}

void SharedSnapshot::keep(std::size_t index) {
  kept_.push_back(index);
  kept_bytes_ += chunks_[index].frame->size();
  // Over budget: let the oldest go. Sessions that queued them keep them alive until
  // written; a session that needs one later has it encoded again.
  while (kept_bytes_ > kKeepEncodedBytes && kept_.size() > 1) {
    Chunk& oldest = chunks_[kept_.front()];
    kept_.pop_front();
    kept_bytes_ -= oldest.frame->size();
    oldest.frame.reset();
  }
}

}  // namespace hotstate::server
