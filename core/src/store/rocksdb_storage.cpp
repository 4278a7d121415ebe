#include "rocksdb_storage.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include "rocksdb_format.hpp"

namespace hotstate {

namespace {

namespace fs = std::filesystem;
namespace format = rocksdb_format;

// The file that makes a directory a hotstate data directory. It is checked before RocksDB
// touches anything, so a directory of a newer format is never opened for writing.
constexpr const char* kMarkerName = "HOTSTATE";
constexpr const char* kMarkerTempName = "HOTSTATE.tmp";
constexpr std::string_view kMarkerHeading = "hotstate data directory\n";
constexpr std::size_t kMarkerMaxBytes = 4096;

// A trim of at most this many entries deletes them one by one: point tombstones compact
// away cheaply, and a server that trims after every commit would otherwise pile up
// thousands of tiny range tombstones. Larger trims (retention by age) use one DeleteRange.
constexpr std::uint64_t kPointDeletesUpTo = 64;

std::string quoted(const fs::path& dir) { return "'" + dir.string() + "'"; }

[[noreturn]] void refuse(const fs::path& dir, const std::string& problem) {
  throw std::runtime_error("data directory " + quoted(dir) + " " + problem);
}

[[noreturn]] void refuse_corrupt(const fs::path& dir, const std::string& detail) {
  refuse(dir, "is corrupt (" + detail +
                  "); hotstated does not repair data on its own: restore the directory from a "
                  "backup (docs/storage.md)");
}

bool is_permission_error(int error) { return error == EACCES || error == EPERM || error == EROFS; }

[[noreturn]] void refuse_io(const fs::path& dir, const std::string& action, int error) {
  std::string reason = std::strerror(error);
  if (is_permission_error(error))
    refuse(dir, "cannot be used: " + action + ": " + reason +
                    "; give the user running hotstated read and write access to it");
  refuse(dir, "cannot be used: " + action + ": " + reason);
}

[[noreturn]] void refuse_in_use(const fs::path& dir) {
  refuse(dir, "is in use by another hotstated process; stop that process or choose another "
              "--data-dir");
}

// RocksDB reports a held LOCK file as an IO error on "<dir>/LOCK": "lock hold by current
// process" within one process, EAGAIN ("Resource temporarily unavailable") from another.
bool is_lock_conflict(const rocksdb::Status& status) {
  std::string text = status.ToString();
  return status.IsIOError() && text.find("/LOCK") != std::string::npos &&
         (text.find("lock hold by current process") != std::string::npos ||
          text.find("Resource temporarily unavailable") != std::string::npos);
}

[[noreturn]] void refuse_status(const fs::path& dir, const rocksdb::Status& status,
                                const std::string& action) {
  std::string text = status.ToString();
  if (status.IsCorruption()) refuse_corrupt(dir, text);
  if (text.find("Permission denied") != std::string::npos ||
      text.find("Read-only file system") != std::string::npos)
    refuse(dir, "cannot be used: " + action + ": " + text +
                    "; give the user running hotstated read and write access to it");
  if (is_lock_conflict(status)) refuse_in_use(dir);
  refuse(dir, "cannot be used: " + action + ": " + text);
}

// --- the marker file -------------------------------------------------------------------

std::optional<std::string> read_marker(const fs::path& dir) {
  fs::path path = dir / kMarkerName;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    refuse_io(dir, "reading " + std::string(kMarkerName), errno);
  }
  std::string content;
  char buffer[1024];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      refuse_io(dir, "reading " + std::string(kMarkerName), error);
    }
    if (n == 0 || content.size() > kMarkerMaxBytes) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

std::string marker_content() {
  return std::string(kMarkerHeading) + "format " + std::to_string(format::kFormatVersion) + "\n";
}

[[noreturn]] void refuse_newer_format(const fs::path& dir, std::uint64_t version) {
  refuse(dir, "was written by a newer hotstated (format " + std::to_string(version) +
                  ", this one reads " + std::to_string(format::kFormatVersion) +
                  "); refusing to open it: run that newer hotstated, or restore a backup made "
                  "by this version");
}

void check_marker(const fs::path& dir, std::string_view content) {
  std::string_view rest = content;
  std::uint64_t version = 0;
  bool readable = rest.starts_with(kMarkerHeading);
  if (readable) {
    rest.remove_prefix(kMarkerHeading.size());
    readable = rest.starts_with("format ") && rest.ends_with("\n");
  }
  if (readable) {
    std::string_view digits = rest.substr(7, rest.size() - 8);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
    readable = error == std::errc{} && end == digits.data() + digits.size() && version > 0;
  }
  if (!readable)
    refuse_corrupt(dir, std::string(kMarkerName) + " is not a marker this hotstated can read");
  if (version > format::kFormatVersion) refuse_newer_format(dir, version);
  if (version != format::kFormatVersion)
    refuse_corrupt(dir, std::string(kMarkerName) + " names unknown format " + std::to_string(version));
}

void sync_fd_or_refuse(const fs::path& dir, int fd, const std::string& action) {
  if (::fsync(fd) != 0) {
    int error = errno;
    ::close(fd);
    refuse_io(dir, action, error);
  }
}

// Temp file, fsync, rename, fsync the directory: the marker is either absent or whole.
void write_marker(const fs::path& dir) {
  fs::path temp = dir / kMarkerTempName;
  std::string action = "writing " + std::string(kMarkerName);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) refuse_io(dir, action, errno);
  std::string content = marker_content();
  if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    int error = errno;
    ::close(fd);
    refuse_io(dir, action, error);
  }
  sync_fd_or_refuse(dir, fd, action);
  ::close(fd);
  if (::rename(temp.c_str(), (dir / kMarkerName).c_str()) != 0) refuse_io(dir, action, errno);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) refuse_io(dir, action, errno);
  sync_fd_or_refuse(dir, dir_fd, action);
  ::close(dir_fd);
}

std::vector<std::string> entries_of(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::directory_iterator(dir, error); !error && it != fs::directory_iterator();
       it.increment(error))
    names.push_back(it->path().filename().string());
  if (error) refuse_io(dir, "listing it", error.value());
  std::sort(names.begin(), names.end());
  return names;
}

[[noreturn]] void refuse_foreign(const fs::path& dir, const std::vector<std::string>& names) {
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 3) listed += " and " + std::to_string(names.size() - 3) + " more";
  refuse(dir, "is not empty and is not a hotstate data directory (no " + std::string(kMarkerName) +
                  " file; found " + listed + "); point --data-dir at a new or empty directory");
}

// Makes `dir` a hotstate data directory or proves it already is one (and of our format).
void claim_directory(const fs::path& dir) {
  std::error_code error;
  auto status = fs::status(dir, error);
  if (error && error != std::errc::no_such_file_or_directory) refuse_io(dir, "inspecting it", error.value());
  if (!fs::exists(status)) {
    fs::create_directories(dir, error);
    if (error) refuse_io(dir, "creating it", error.value());
  } else if (!fs::is_directory(status)) {
    refuse(dir, "is not a directory; point --data-dir at a directory");
  }
  if (auto marker = read_marker(dir)) return check_marker(dir, *marker);
  // Only an empty directory is ours to take (or one where a crash left the marker's temp).
  std::vector<std::string> names = entries_of(dir);
  std::erase(names, kMarkerTempName);
  if (!names.empty()) refuse_foreign(dir, names);
  write_marker(dir);
}

// hotstate's own lock: flock on the marker, held while the storage is open. It is taken
// before RocksDB opens anything, so a refused second start leaves no trace (RocksDB would
// first rotate the running server's LOG file), and it conflicts within one process too.
int lock_directory(const fs::path& dir) {
  int fd = ::open((dir / kMarkerName).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) refuse_io(dir, "locking " + std::string(kMarkerName), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) refuse_in_use(dir);
    refuse_io(dir, "locking " + std::string(kMarkerName), error);
  }
  return fd;
}

// What RocksDB files a claimed directory holds before RocksDB opens it.
struct DatabaseFiles {
  bool current = false;          // RocksDB's CURRENT: a database was made here
  std::string first_table;       // a *.sst file, if any
  std::string first_log;         // a *.log (write-ahead log) file, if any
};

DatabaseFiles database_files(const fs::path& dir) {
  DatabaseFiles files;
  for (const auto& name : entries_of(dir)) {
    if (name == "CURRENT") files.current = true;
    if (name.ends_with(".sst") && files.first_table.empty()) files.first_table = name;
    if (name.ends_with(".log") && files.first_log.empty()) files.first_log = name;
  }
  // With the marker in place but no CURRENT, the first start stopped before RocksDB made
  // its database; that is safe to finish only while no table or log file holds data.
  if (!files.current && !files.first_table.empty())
    refuse_corrupt(dir, "RocksDB's CURRENT file is missing but " + files.first_table + " is there");
  if (!files.current && !files.first_log.empty())
    refuse_corrupt(dir, "RocksDB's CURRENT file is missing but " + files.first_log + " is there");
  return files;
}

// --- RocksDB -------------------------------------------------------------------------

// Options for a small embedded server; the reasons are in docs/storage.md ("Memory").
rocksdb::Options engine_options(bool create) {
  rocksdb::Options options;
  options.create_if_missing = create;
  options.paranoid_checks = true;
  // A torn last write (power loss during a sync that never returned) is dropped at start;
  // it was never acknowledged. RocksDB's default, stated because it is the contract.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;

  // The Store keeps every record in memory; RocksDB is read once at start and written
  // after that, so its cache only needs to hold the index blocks of that one scan.
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(8 << 20);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.block_size = 16 << 10;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  options.write_buffer_size = 16 << 20;
  options.max_write_buffer_number = 3;
  options.compression = rocksdb::kLZ4Compression;
  options.level_compaction_dynamic_level_bytes = true;
  options.max_background_jobs = 2;
  // Leave file descriptors for client connections.
  options.max_open_files = 256;
  options.keep_log_file_num = 3;
  options.max_log_file_size = 4 << 20;
  options.max_manifest_file_size = 64 << 20;
  // Trimmed change-log entries: files dense with tombstones are compacted soon, and every
  // file at least daily, so the space comes back even when nothing else is written.
  options.table_properties_collector_factories.push_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(1024, 512));
  options.periodic_compaction_seconds = 24 * 60 * 60;
  return options;
}

class RocksDbStorage final : public Storage {
 public:
  RocksDbStorage(fs::path dir, RocksDbOptions options) : dir_(std::move(dir)), renew_epoch_(options.renew_epoch) {
    commit_options_.sync = options.sync;
  }

  ~RocksDbStorage() override {
    if (db_) db_->Close();  // every commit is already durable; nothing to report
    db_.reset();
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  }

  const char* engine_name() const override { return "rocksdb"; }
  bool persistent() const override { return true; }

  RecoveredState open() override {
    claim_directory(dir_);
    lock_fd_ = lock_directory(dir_);
    DatabaseFiles files = database_files(dir_);
    rocksdb::DB* db = nullptr;
    rocksdb::Status status = rocksdb::DB::Open(engine_options(!files.current), dir_.string(), &db);
    if (!status.ok()) refuse_status(dir_, status, "opening its RocksDB database");
    db_.reset(db);
    try {
      RecoveredState state = load(files);
      if (renew_epoch_) renew_epoch(state);
      return state;
    } catch (const format::FormatError& error) {
      refuse_corrupt(dir_, error.what());
    }
  }

  void commit(std::span<const CommittedTxnPtr> group) override {
    if (group.empty()) return;
    rocksdb::WriteBatch batch;
    // An import into an empty history starts at the export's revision (storage.hpp).
    std::uint64_t expected = last_revision_ == 0 ? group.front()->revision : last_revision_ + 1;
    for (const auto& txn : group) {
      if (txn->revision != expected)
        throw std::invalid_argument("rocksdb storage: commit of revision " + std::to_string(txn->revision) +
                                    " where " + std::to_string(expected) + " comes next");
      add_txn(batch, *txn);
      ++expected;
    }
    std::uint64_t last = expected - 1;
    check_batch(batch.Put(format::kMetaRevisionKey, format::encode_u64(last)));
    rocksdb::Status status = db_->Write(commit_options_, &batch);
    if (!status.ok())
      throw std::runtime_error("data directory " + quoted(dir_) + ": committing revisions " +
                               std::to_string(group.front()->revision) + ".." + std::to_string(last) +
                               " failed: " + status.ToString());
    last_revision_ = last;
  }

  void trim_changelog(std::uint64_t revision) override {
    std::lock_guard lock(trim_mutex_);
    if (revision <= trimmed_through_) return;
    rocksdb::WriteBatch batch;
    if (revision - trimmed_through_ <= kPointDeletesUpTo) {
      for (std::uint64_t r = trimmed_through_ + 1; r <= revision; ++r)
        check_batch(batch.Delete(format::changelog_key(r)));
    } else {
      check_batch(batch.DeleteRange(format::changelog_key(trimmed_through_ + 1),
                                    format::changelog_end_after(revision)));
    }
    // Not synced: a trim lost in a crash only means older entries come back at start, and
    // the Store trims them again. It rides along with the next synced commit anyway.
    rocksdb::Status status = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!status.ok())
      throw std::runtime_error("data directory " + quoted(dir_) + ": trimming the change log through " +
                               std::to_string(revision) + " failed: " + status.ToString());
    trimmed_through_ = revision;
  }

  std::uint64_t disk_bytes() const override {
    // Table files plus what the write-ahead log holds, which is about what the memtables
    // hold; both are counters RocksDB keeps, so this is cheap.
    if (!db_) return 0;
    std::uint64_t tables = 0;
    std::uint64_t memtables = 0;
    db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &tables);
    db_->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &memtables);
    return tables + memtables;
  }

 private:
  void check_batch(const rocksdb::Status& status) const {
    if (!status.ok())
      throw std::runtime_error("data directory " + quoted(dir_) + ": building a write failed: " +
                               status.ToString());
  }

  void add_txn(rocksdb::WriteBatch& batch, const CommittedTxn& txn) const {
    check_batch(batch.Put(format::changelog_key(txn.revision), format::encode_txn(txn)));
    for (const auto& op : txn.ops) {
      std::string key = format::record_key(op.record->collection, op.record->key);
      check_batch(op.kind == OpKind::Put ? batch.Put(key, format::encode_record_value(*op.record))
                                         : batch.Delete(key));
    }
  }

  std::optional<std::string> get_meta(std::string_view key) {
    std::string value;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (status.IsNotFound()) return std::nullopt;
    if (!status.ok()) refuse_status(dir_, status, "reading its meta data");
    return value;
  }

  bool database_is_empty() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    if (!it->status().ok()) refuse_status(dir_, it->status(), "reading it");
    return !it->Valid();
  }

  // A new history: the epoch and format are written together, or not at all. Only for a
  // database that never held anything: RocksDB opens a MANIFEST that lost its tail without
  // a word (and drops the tables it no longer lists), so a database that had table files
  // but comes up without an epoch is damaged, not new.
  void initialise_meta(const DatabaseFiles& files) {
    if (!files.first_table.empty())
      refuse_corrupt(dir_, "its database has no epoch although table files such as " + files.first_table +
                               " were there; RocksDB's MANIFEST may have lost them");
    if (!database_is_empty()) refuse_corrupt(dir_, "its database holds data but no epoch");
    rocksdb::WriteBatch batch;
    check_batch(batch.Put(format::kMetaFormatKey, format::encode_u64(format::kFormatVersion)));
    check_batch(batch.Put(format::kMetaEpochKey, format::encode_u64(random_u64())));
    check_batch(batch.Put(format::kMetaRevisionKey, format::encode_u64(0)));
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::Status status = db_->Write(sync, &batch);
    if (!status.ok()) refuse_status(dir_, status, "writing its epoch");
  }

  // Records, revisions and change log stay; only the name of the history changes, so a
  // client holding anything of the old epoch takes a reset to this state.
  void renew_epoch(RecoveredState& state) {
    std::uint64_t next = random_u64();
    while (next == state.epoch) next = random_u64();
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::Status status = db_->Put(sync, format::kMetaEpochKey, format::encode_u64(next));
    if (!status.ok()) refuse_status(dir_, status, "writing its new epoch");
    state.replaced_epoch = state.epoch;
    state.epoch = next;
  }

  std::uint64_t required_meta(std::string_view key) {
    auto value = get_meta(key);
    if (!value) refuse_corrupt(dir_, "meta key '" + std::string(key) + "' is missing");
    return format::decode_u64(*value, key);
  }

  RecoveredState load(const DatabaseFiles& files) {
    if (!get_meta(format::kMetaEpochKey)) initialise_meta(files);
    std::uint64_t version = required_meta(format::kMetaFormatKey);
    if (version > format::kFormatVersion) refuse_newer_format(dir_, version);
    if (version != format::kFormatVersion)
      refuse_corrupt(dir_, "its database names unknown format " + std::to_string(version));

    RecoveredState state;
    state.epoch = required_meta(format::kMetaEpochKey);
    state.revision = required_meta(format::kMetaRevisionKey);
    if (state.epoch == 0) refuse_corrupt(dir_, "its epoch is 0");
    load_records(state);
    load_changelog(state);
    last_revision_ = state.revision;
    trimmed_through_ = state.changelog.empty() ? state.revision : state.changelog.front()->revision - 1;
    return state;
  }

  // One forward scan over [begin, end); RocksDB checks block checksums as it reads.
  template <typename Visit>
  void scan(const std::string& begin, const std::string& end, Visit visit) {
    rocksdb::ReadOptions options;
    rocksdb::Slice upper(end);
    options.iterate_upper_bound = &upper;
    options.fill_cache = false;          // read once; keep the cache for index blocks
    options.readahead_size = 2 << 20;    // a sequential scan: read big chunks
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
    for (it->Seek(begin); it->Valid(); it->Next()) visit(it->key().ToStringView(), it->value().ToStringView());
    if (!it->status().ok()) refuse_status(dir_, it->status(), "reading it");
  }

  void load_records(RecoveredState& state) {
    std::uint64_t estimated_keys = 0;
    db_->GetIntProperty(rocksdb::DB::Properties::kEstimateNumKeys, &estimated_keys);
    state.records.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(estimated_keys, 1u << 26)));
    scan(std::string(1, format::kRecordTag), format::record_space_end(),
         [&](std::string_view key, std::string_view value) {
           RecordPtr record = format::decode_record(key, value);
           if (record->mod_revision > state.revision)
             refuse_corrupt(dir_, "record " + record->collection + "/" + record->key + " has mod_revision " +
                                      std::to_string(record->mod_revision) + " after the last revision " +
                                      std::to_string(state.revision));
           state.records.push_back(std::move(record));
         });
  }

  void load_changelog(RecoveredState& state) {
    scan(format::changelog_key(0), format::changelog_space_end(),
         [&](std::string_view key, std::string_view value) {
           std::uint64_t revision = format::decode_changelog_key(key);
           if (!state.changelog.empty() && revision != state.changelog.back()->revision + 1)
             refuse_corrupt(dir_, "the change log jumps from revision " +
                                      std::to_string(state.changelog.back()->revision) + " to " +
                                      std::to_string(revision));
           state.changelog.push_back(format::decode_txn(revision, value));
         });
    if (!state.changelog.empty() && state.changelog.back()->revision != state.revision)
      refuse_corrupt(dir_, "the change log ends at revision " + std::to_string(state.changelog.back()->revision) +
                               " but the last committed revision is " + std::to_string(state.revision));
  }

  fs::path dir_;
  int lock_fd_ = -1;
  bool renew_epoch_ = false;
  rocksdb::WriteOptions commit_options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::uint64_t last_revision_ = 0;  // the committer's; set by open()
  std::mutex trim_mutex_;
  std::uint64_t trimmed_through_ = 0;  // guarded by trim_mutex_
};

}  // namespace

std::unique_ptr<Storage> make_rocksdb_storage(const std::filesystem::path& dir, RocksDbOptions options) {
  return std::make_unique<RocksDbStorage>(dir, options);
}

}  // namespace hotstate
