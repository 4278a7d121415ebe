// An hs_read shared by a snapshot and the iterators it lent: the C ABI wants every
// iterator of a read freed before the read, and the GC finalizes JS objects in no set
// order, so the read is freed when its last user lets go.
#pragma once

#include <hotstate.h>

#include <memory>

namespace hotstate_node {

struct ReadHandle {
  hs_read* read;
  explicit ReadHandle(hs_read* r) : read(r) {}
  ReadHandle(const ReadHandle&) = delete;
  ReadHandle& operator=(const ReadHandle&) = delete;
  ~ReadHandle() { hs_read_free(read); }
};

using SharedRead = std::shared_ptr<ReadHandle>;

}  // namespace hotstate_node
