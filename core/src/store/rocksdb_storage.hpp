#pragma once
// The durable engine: history kept in an embedded RocksDB database in a data directory.
// Format, guarantees, the lock and backups: docs/storage.md.

#include <filesystem>
#include <memory>

#include "storage.hpp"

namespace hotstate {

struct RocksDbOptions {
  // Sync the write-ahead log before commit() returns. Only a test or a throwaway
  // benchmark turns this off: without it a power loss can lose acknowledged writes
  // (a killed process cannot; the bytes are already in the OS).
  bool sync = true;
  // Give the directory a new epoch when it is opened (hotstated --renew-epoch, after
  // restoring an older copy): every client then takes a reset to this state instead of
  // waiting for the server to pass the revisions it already holds. The old epoch is
  // reported in RecoveredState::replaced_epoch.
  bool renew_epoch = false;
};

// The directory is created when missing; nothing is read or written before open().
std::unique_ptr<Storage> make_rocksdb_storage(const std::filesystem::path& dir,
                                              RocksDbOptions options = {});

}  // namespace hotstate
