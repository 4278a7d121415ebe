// The RocksDB storage engine: what open() gives back after commits, trims and crashes, and
// the clear refusals for directories it must not use (locked, newer, foreign, corrupt).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "eventually.hpp"
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "hotstate/value.hpp"
#include "store/rocksdb_format.hpp"
#include "store/rocksdb_storage.hpp"

using namespace hotstate;
namespace fs = std::filesystem;

extern char** environ;

namespace {

// --- a model of the history, built the way the Store builds transactions ---------------

struct Write {
  OpKind kind = OpKind::Put;
  std::string collection;
  std::string key;
  std::string value;  // bytes, for puts
};

Write put(std::string collection, std::string key, std::string value) {
  return {OpKind::Put, std::move(collection), std::move(key), std::move(value)};
}
Write del(std::string collection, std::string key) {
  return {OpKind::Delete, std::move(collection), std::move(key), {}};
}

class Model {
 public:
  CommittedTxnPtr next(const std::vector<Write>& writes, std::int64_t commit_unix_ms) {
    auto txn = std::make_shared<CommittedTxn>();
    txn->revision = txns_.size() + 1;
    txn->commit_unix_ms = commit_unix_ms;
    for (const auto& write : writes) {
      auto id = std::make_pair(write.collection, write.key);
      auto current = live_.find(id);
      auto record = std::make_shared<Record>();
      record->collection = write.collection;
      record->key = write.key;
      record->mod_revision = txn->revision;
      if (write.kind == OpKind::Put) {
        record->value.assign(write.value.begin(), write.value.end());
        record->create_revision = current != live_.end() ? current->second->create_revision : txn->revision;
        record->version = current != live_.end() ? current->second->version + 1 : 1;
        live_[id] = record;
      } else {
        record->create_revision = current->second->create_revision;
        record->version = current->second->version;
        live_.erase(current);
      }
      txn->ops.push_back(ChangeOp{write.kind, record});
    }
    txns_.push_back(txn);
    return txn;
  }

  bool contains(const std::string& collection, const std::string& key) const {
    return live_.contains({collection, key});
  }
  std::uint64_t revision() const { return txns_.size(); }
  const std::vector<CommittedTxnPtr>& txns() const { return txns_; }
  std::vector<RecordPtr> records() const {
    std::vector<RecordPtr> out;
    for (const auto& [id, record] : live_) out.push_back(record);
    return out;
  }

 private:
  std::map<std::pair<std::string, std::string>, RecordPtr> live_;
  std::vector<CommittedTxnPtr> txns_;
};

std::string describe(const Record& r) {
  std::ostringstream out;
  out << r.collection << "/" << r.key << " c" << r.create_revision << " m" << r.mod_revision << " v"
      << r.version << " =" << std::string(r.value.begin(), r.value.end());
  return out.str();
}

std::vector<std::string> describe(std::vector<RecordPtr> records) {
  std::sort(records.begin(), records.end(), [](const RecordPtr& a, const RecordPtr& b) {
    return std::tie(a->collection, a->key) < std::tie(b->collection, b->key);
  });
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(describe(*r));
  return out;
}

std::string describe(const CommittedTxn& txn) {
  std::string out = "r" + std::to_string(txn.revision) + " @" + std::to_string(txn.commit_unix_ms);
  for (const auto& op : txn.ops)
    out += (op.kind == OpKind::Put ? " put " : " del ") + describe(*op.record);
  return out;
}

std::vector<std::string> describe(std::span<const CommittedTxnPtr> txns) {
  std::vector<std::string> out;
  for (const auto& txn : txns) out.push_back(describe(*txn));
  return out;
}

// The model's transactions with revisions in [first, last].
std::vector<std::string> describe_range(const Model& model, std::uint64_t first, std::uint64_t last) {
  return describe(std::span(model.txns()).subspan(first - 1, last - first + 1));
}

std::int64_t commit_time(std::uint64_t revision) { return 1'700'000'000'000 + static_cast<std::int64_t>(revision); }

// --- directories -------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("hotstate-rocksdb-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// Every file under `dir` with its bytes: equal snapshots mean nothing was written.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = read_file(entry.path());
  return files;
}

std::vector<fs::path> files_named(const fs::path& dir, std::string_view suffix_or_prefix, bool prefix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (prefix ? name.starts_with(suffix_or_prefix) : name.ends_with(suffix_or_prefix)) out.push_back(entry.path());
  }
  return out;
}

std::uint64_t directory_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) total += entry.file_size();
  return total;
}

RecoveredState reopen(const fs::path& dir) { return make_rocksdb_storage(dir)->open(); }

// The message open() refuses `dir` with ("" when it opens).
std::string open_error(const fs::path& dir) {
  try {
    reopen(dir);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

// Opens `dir`, lets `work` write, and closes it again, as a server stop would.
void with_storage(const fs::path& dir, const std::function<void(Storage&)>& work) {
  auto storage = make_rocksdb_storage(dir);
  storage->open();
  work(*storage);
}

// Opens the database with RocksDB itself, to plant what a hotstated never writes.
void with_raw_db(const fs::path& dir, const std::function<void(rocksdb::DB&)>& work, bool create = false) {
  rocksdb::Options options;
  options.create_if_missing = create;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.string(), &db).ok());
  work(*db);
  ASSERT_TRUE(db->Close().ok());
  delete db;
}

// Commits each inner vector as one transaction, all of them as one group.
void commit_group(Storage& storage, Model& model, const std::vector<std::vector<Write>>& txns) {
  std::vector<CommittedTxnPtr> group;
  for (const auto& writes : txns) group.push_back(model.next(writes, commit_time(model.revision() + 1)));
  storage.commit(group);
}

// A data directory holding a few commits, flushed into a table file.
void make_flushed_directory(const fs::path& dir, Model& model) {
  with_storage(dir, [&](Storage& storage) {
    std::vector<std::vector<Write>> txns;
    for (int i = 0; i < 50; ++i) txns.push_back({put("c", "k" + std::to_string(i), std::string(200, 'x'))});
    commit_group(storage, model, txns);
  });
  with_raw_db(dir, [](rocksdb::DB& db) { ASSERT_TRUE(db.Flush(rocksdb::FlushOptions()).ok()); });
  ASSERT_FALSE(files_named(dir, ".sst", false).empty());
}

void expect_state(const RecoveredState& state, const Model& model, std::uint64_t first_logged) {
  EXPECT_EQ(state.revision, model.revision());
  EXPECT_EQ(describe(state.records), describe(model.records()));
  EXPECT_EQ(describe(state.changelog), describe_range(model, first_logged, model.revision()));
}

// --- the crash test's writer ---------------------------------------------------------------
// The crash test re-executes this binary with these variables set; the writer then runs
// before main (so before GoogleTest), commits until it is killed, and never returns. A
// fresh process, not a bare fork, because RocksDB's background threads do not survive a
// fork.

constexpr const char* kWriterDirVariable = "HOTSTATE_ROCKSDB_CRASH_WRITER_DIR";
constexpr const char* kWriterAckFdVariable = "HOTSTATE_ROCKSDB_CRASH_WRITER_ACK_FD";
constexpr std::uint64_t kWriterKeepsChangelog = 100;

// What revision r writes depends only on r and the state before it, so the writer and the
// checking parent derive the same history.
std::vector<Write> scripted_writes(std::uint64_t r, const Model& before) {
  std::string put_key = "k" + std::to_string(r * 7 % 61);
  std::string value = "v" + std::to_string(r) + std::string(r % 50, '.');
  std::vector<Write> writes{put("c" + std::to_string(r % 3), put_key, value)};
  std::string doomed = "k" + std::to_string(r * 13 % 61);
  if (r % 4 == 0 && doomed != put_key && before.contains("c0", doomed)) writes.push_back(del("c0", doomed));
  if (r % 10 == 0) writes.push_back(put("c1", "big", std::string(2000, static_cast<char>('a' + r % 26))));
  return writes;
}

CommittedTxnPtr scripted_next(Model& model) {
  std::uint64_t r = model.revision() + 1;
  return model.next(scripted_writes(r, model), commit_time(r));
}

// Groups of 1..9 transactions; group g ends at the sum of the first g+1 sizes.
std::uint64_t group_size(std::uint64_t g) { return 1 + g * 5 % 9; }

// The index of the group that starts right after `revision`, or -1 when `revision` falls
// inside a group.
std::int64_t group_after(std::uint64_t revision) {
  std::uint64_t end = 0;
  for (std::uint64_t g = 0;; end += group_size(g), ++g) {
    if (end == revision) return static_cast<std::int64_t>(g);
    if (end > revision) return -1;
  }
}

[[noreturn]] void run_crash_writer(const char* dir, int ack_fd) {
  try {
    auto storage = make_rocksdb_storage(dir);
    RecoveredState state = storage->open();
    Model model;
    while (model.revision() < state.revision) scripted_next(model);
    std::int64_t g = group_after(state.revision);
    if (g < 0) {
      std::fprintf(stderr, "crash writer: revision %llu is inside a group\n",
                   static_cast<unsigned long long>(state.revision));
      std::_Exit(3);
    }
    std::atomic<std::uint64_t> acknowledged{state.revision};
    std::thread trimmer([&] {
      for (;;) {
        std::uint64_t upto = acknowledged.load();
        if (upto > kWriterKeepsChangelog) storage->trim_changelog(upto - kWriterKeepsChangelog);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    for (auto group_index = static_cast<std::uint64_t>(g);; ++group_index) {
      std::vector<CommittedTxnPtr> group;
      for (std::uint64_t i = 0; i < group_size(group_index); ++i) group.push_back(scripted_next(model));
      storage->commit(group);
      acknowledged = model.revision();
      std::uint64_t revision = model.revision();
      if (::write(ack_fd, &revision, sizeof revision) != sizeof revision) std::_Exit(4);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "crash writer: %s\n", error.what());
    std::_Exit(2);
  }
}

[[maybe_unused]] const bool crash_writer_checked = [] {
  const char* dir = std::getenv(kWriterDirVariable);
  const char* fd = std::getenv(kWriterAckFdVariable);
  if (dir && fd) run_crash_writer(dir, std::atoi(fd));
  return true;
}();

// The parent's side: starts the writer on `dir`, reads its acknowledgements, kills it.
class WriterProcess {
 public:
  explicit WriterProcess(const fs::path& dir) {
    int acks[2];
    if (::pipe(acks) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> variables{std::string(kWriterDirVariable) + "=" + dir.string(),
                                       std::string(kWriterAckFdVariable) + "=" + std::to_string(acks[1])};
    std::vector<char*> env;
    for (auto& variable : variables) env.push_back(variable.data());
    for (char** e = environ; *e; ++e) env.push_back(*e);
    env.push_back(nullptr);
    char name[] = "rocksdb_storage_test";
    char* argv[] = {name, nullptr};
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(acks[0]);
      ::execve("/proc/self/exe", argv, env.data());
      std::_Exit(127);
    }
    ::close(acks[1]);
    acks_ = acks[0];
  }
  ~WriterProcess() {
    if (pid_ > 0) kill();
    ::close(acks_);
  }

  // True once the writer has opened the directory and acknowledged a first commit.
  bool wait_for_first_ack() {
    pollfd ready{acks_, POLLIN, 0};
    return ::poll(&ready, 1, 30'000) == 1;
  }

  // SIGKILL; returns the wait status.
  int kill() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // The last revision the writer acknowledged (after kill(): all it ever sent).
  std::uint64_t last_acknowledged() {
    std::uint64_t revision = 0;
    while (::read(acks_, &revision, sizeof revision) == sizeof revision) last_ = revision;
    return last_;
  }

 private:
  pid_t pid_ = -1;
  int acks_ = -1;
  std::uint64_t last_ = 0;
};

}  // namespace

// --- opening and reopening -----------------------------------------------------------------

TEST(RocksDbStorage, FreshDirectoryStartsANewHistory) {
  TempDir dir;
  auto storage = make_rocksdb_storage(dir.path());
  EXPECT_STREQ(storage->engine_name(), "rocksdb");
  EXPECT_TRUE(storage->persistent());
  RecoveredState state = storage->open();
  EXPECT_NE(state.epoch, 0u);
  EXPECT_EQ(state.revision, 0u);
  EXPECT_TRUE(state.records.empty());
  EXPECT_TRUE(state.changelog.empty());
  EXPECT_EQ(read_file(dir.path() / "HOTSTATE"), "hotstate data directory\nformat 1\n");

  TempDir other;
  EXPECT_NE(reopen(other.path()).epoch, state.epoch) << "every new data directory is a new history";
}

TEST(RocksDbStorage, ReopenGivesBackEpochRevisionRecordsAndChangelog) {
  TempDir dir;
  Model model;
  std::uint64_t epoch = 0;
  {
    auto storage = make_rocksdb_storage(dir.path());
    epoch = storage->open().epoch;
    commit_group(*storage, model, {{put("flags", "a", "1"), put("flags", "b", "2")}, {put("users", "u1", "x")}});
    commit_group(*storage, model, {{put("flags", "a", "1b"), del("flags", "b")}});
    commit_group(*storage, model, {{put("flags", "b", "again")}, {del("users", "u1")}, {put("flags", "a", "1c")}});
  }
  RecoveredState state = reopen(dir.path());
  EXPECT_EQ(state.epoch, epoch);
  expect_state(state, model, 1);
  // The tombstone keeps what the deleted record was; the recreated record starts over.
  EXPECT_EQ(describe(*state.changelog[2]), "r3 @1700000000003 put flags/a c1 m3 v2 =1b del flags/b c1 m3 v1 =");
  EXPECT_EQ(describe(state.records), (std::vector<std::string>{"flags/a c1 m6 v3 =1c", "flags/b c4 m4 v1 =again"}));

  // A second reopen continues the same history.
  {
    auto storage = make_rocksdb_storage(dir.path());
    EXPECT_EQ(storage->open().revision, 6u);
    commit_group(*storage, model, {{put("users", "u2", "y")}});
  }
  state = reopen(dir.path());
  EXPECT_EQ(state.epoch, epoch);
  expect_state(state, model, 1);
}

TEST(RocksDbStorage, AnInterruptedFirstStartIsFinished) {
  // Killed after writing the marker, or with the marker's temp file still there.
  TempDir marker_only;
  reopen(marker_only.path());
  for (const auto& entry : fs::directory_iterator(marker_only.path()))
    if (entry.path().filename() != "HOTSTATE") fs::remove_all(entry.path());
  write_file(marker_only.path() / "HOTSTATE.tmp", "hotstate data dir");
  EXPECT_NE(reopen(marker_only.path()).epoch, 0u);

  // Killed after RocksDB made its database, before the epoch was written.
  TempDir empty_database;
  fs::create_directories(empty_database.path());
  write_file(empty_database.path() / "HOTSTATE", "hotstate data directory\nformat 1\n");
  with_raw_db(empty_database.path(), [](rocksdb::DB&) {}, /*create=*/true);
  ASSERT_TRUE(fs::exists(empty_database.path() / "CURRENT"));
  RecoveredState state = reopen(empty_database.path());
  EXPECT_NE(state.epoch, 0u);
  EXPECT_EQ(state.revision, 0u);
}

TEST(RocksDbStorage, NamesAndValuesComeBackByteForByte) {
  TempDir dir;
  Model model;
  std::string binary_value("\0\xff\x01 json\0", 9);
  std::string key_with_nul("a\0b", 3);
  with_storage(dir.path(), [&](Storage& storage) {
    // "a" and "a-b" share a prefix; a NUL inside a key must not be taken for the separator.
    commit_group(storage, model,
                 {{put("a", key_with_nul, binary_value), put("a-b", "k", "v"), put("a", "a", ""),
                   put("a", "\xc3\xa9t\xc3\xa9", "utf8"), put("z.Z_9-", std::string(1024, 'k'), "long key")}});
  });
  expect_state(reopen(dir.path()), model, 1);
}

TEST(RocksDbStorage, AGroupOfManyTransactionsIsKeptWhole) {
  TempDir dir;
  Model model;
  with_storage(dir.path(), [&](Storage& storage) {
    std::vector<std::vector<Write>> txns;
    for (int i = 0; i < 1000; ++i)
      txns.push_back({put("c" + std::to_string(i % 5), "k" + std::to_string(i % 77), std::to_string(i))});
    commit_group(storage, model, txns);
  });
  RecoveredState state = reopen(dir.path());
  EXPECT_EQ(state.revision, 1000u);
  expect_state(state, model, 1);
}

TEST(RocksDbStorage, ARejectedGroupChangesNothing) {
  TempDir dir;
  Model model;
  auto storage = make_rocksdb_storage(dir.path());
  storage->open();
  commit_group(*storage, model, {{put("c", "k", "1")}});

  // The second transaction skips a revision: the whole group is refused, its first
  // transaction included.
  Model wrong = model;
  auto good = wrong.next({put("c", "k", "2")}, commit_time(2));
  auto copy = std::make_shared<CommittedTxn>(*wrong.next({put("c", "other", "3")}, commit_time(3)));
  copy->revision = 4;
  std::vector<CommittedTxnPtr> group{good, copy};
  EXPECT_THROW(storage->commit(group), std::invalid_argument);
  storage.reset();
  expect_state(reopen(dir.path()), model, 1);

  storage = make_rocksdb_storage(dir.path());
  storage->open();
  commit_group(*storage, model, {{put("c", "k", "2")}, {put("c", "other", "3")}});
  storage.reset();
  expect_state(reopen(dir.path()), model, 1);
}

TEST(RocksDbStorage, AnEmptyHistoryMayStartAtAnyRevision) {
  // An import: the first group starts at the imported revision, and history goes on from it.
  TempDir dir;
  auto imported = std::make_shared<CommittedTxn>();
  imported->revision = 41;
  imported->commit_unix_ms = commit_time(41);
  imported->ops.push_back(ChangeOp{OpKind::Put, std::make_shared<Record>(Record{"c", "old", {'1'}, 3, 17, 5})});
  imported->ops.push_back(ChangeOp{OpKind::Put, std::make_shared<Record>(Record{"c", "new", {'2'}, 41, 41, 1})});
  auto next = std::make_shared<CommittedTxn>();
  next->revision = 42;
  next->ops.push_back(ChangeOp{OpKind::Delete, std::make_shared<Record>(Record{"c", "new", {}, 41, 42, 1})});
  with_storage(dir.path(), [&](Storage& storage) {
    storage.commit(std::vector<CommittedTxnPtr>{imported});
    EXPECT_THROW(storage.commit(std::vector<CommittedTxnPtr>{imported}), std::invalid_argument)
        << "only an empty history may start anywhere";
    storage.commit(std::vector<CommittedTxnPtr>{next});
  });
  RecoveredState state = reopen(dir.path());
  EXPECT_EQ(state.revision, 42u);
  EXPECT_EQ(describe(state.records), std::vector<std::string>{"c/old c3 m17 v5 =1"});
  EXPECT_EQ(describe(state.changelog), describe(std::vector<CommittedTxnPtr>{imported, next}));
}

TEST(RocksDbStorage, HundredThousandRecordsComeBack) {
  TempDir dir;
  Model model;
  with_storage(dir.path(), [&](Storage& storage) {
    for (int group = 0; group < 100; ++group) {
      std::vector<std::vector<Write>> txns;
      for (int i = 0; i < 1000; ++i) {
        int n = group * 1000 + i;
        std::string value = "{\"n\":" + std::to_string(n) + "}";
        txns.push_back({put("col" + std::to_string(n % 7), "key-" + std::to_string(n), value)});
      }
      commit_group(storage, model, txns);
      storage.trim_changelog(model.revision() - 500);
    }
  });
  RecoveredState state = reopen(dir.path());
  ASSERT_EQ(state.records.size(), 100'000u);
  EXPECT_EQ(state.revision, 100'000u);
  EXPECT_EQ(state.changelog.size(), 500u);
  std::map<std::string, RecordPtr> by_key;
  for (const auto& record : state.records) by_key[record->key] = record;
  for (int n : {0, 1, 4242, 77'777, 99'999}) {
    SCOPED_TRACE(n);
    const RecordPtr& record = by_key.at("key-" + std::to_string(n));
    EXPECT_EQ(describe(*record), "col" + std::to_string(n % 7) + "/key-" + std::to_string(n) + " c" +
                                     std::to_string(n + 1) + " m" + std::to_string(n + 1) + " v1 ={\"n\":" +
                                     std::to_string(n) + "}");
  }
}

// --- the change log --------------------------------------------------------------------------

TEST(RocksDbStorage, TrimForgetsOldEntriesAndCommitsGoOn) {
  TempDir dir;
  Model model;
  auto storage = make_rocksdb_storage(dir.path());
  storage->open();
  for (int i = 0; i < 300; ++i)
    commit_group(*storage, model, {{put("c", "k" + std::to_string(i % 10), std::to_string(i))}});
  storage->trim_changelog(3);    // a few entries: deleted one by one
  storage->trim_changelog(2);    // behind the last trim: nothing to do
  storage->trim_changelog(250);  // many: one range deletion
  storage.reset();
  expect_state(reopen(dir.path()), model, 251);

  storage = make_rocksdb_storage(dir.path());
  EXPECT_EQ(storage->open().changelog.front()->revision, 251u);
  for (int i = 0; i < 10; ++i)
    commit_group(*storage, model, {{put("c", "new" + std::to_string(i), "n")}, {del("c", "k" + std::to_string(i))}});
  storage->trim_changelog(305);
  storage.reset();
  expect_state(reopen(dir.path()), model, 306);

  storage = make_rocksdb_storage(dir.path());
  storage->open();
  storage->trim_changelog(model.revision());  // everything
  storage.reset();
  RecoveredState state = reopen(dir.path());
  EXPECT_TRUE(state.changelog.empty());
  EXPECT_EQ(state.revision, model.revision()) << "the revision outlives the change log";
  EXPECT_EQ(describe(state.records), describe(model.records()));
}

TEST(RocksDbStorage, TrimFromAnotherThreadWhileCommitting) {
  TempDir dir;
  Model model;
  auto storage = make_rocksdb_storage(dir.path(), RocksDbOptions{.sync = false});
  storage->open();
  std::atomic<std::uint64_t> committed{0};
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> trimmed{0};
  std::thread trimmer([&] {
    while (!done) {
      std::uint64_t upto = committed.load();
      if (upto > 20 + upto % 97 && upto - 20 - upto % 97 > trimmed) {
        storage->trim_changelog(upto - 20 - upto % 97);  // steps of one entry and of many
        trimmed = upto - 20 - upto % 97;
      }
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < 3000; ++i) {
    commit_group(*storage, model, {{put("c", "k" + std::to_string(i % 100), std::to_string(i))}});
    committed = model.revision();
  }
  // On a loaded machine the commits can finish before the trimmer ran at all.
  bool trimmed_once = hotstate::testing::eventually([&] { return trimmed > 0; });
  done = true;
  trimmer.join();
  ASSERT_TRUE(trimmed_once);
  storage.reset();
  RecoveredState state = reopen(dir.path());
  ASSERT_GT(trimmed, 0u);
  expect_state(state, model, trimmed + 1);
}

TEST(RocksDbStorage, DiskBytesGrowWithData) {
  TempDir dir;
  Model model;
  auto storage = make_rocksdb_storage(dir.path());
  storage->open();
  std::uint64_t before = storage->disk_bytes();
  for (int i = 0; i < 20; ++i)
    commit_group(*storage, model, {{put("c", "k" + std::to_string(i), std::string(10'000, 'v'))}});
  EXPECT_GT(storage->disk_bytes(), before + 100'000);
}

// --- directories it must refuse ----------------------------------------------------------

TEST(RocksDbStorage, ASecondOpenOfTheSameDirectoryIsRefused) {
  TempDir dir;
  auto first = make_rocksdb_storage(dir.path());
  std::uint64_t epoch = first->open().epoch;
  // RocksDB's LOCK is an fcntl lock plus a per-process table of locked files, so a second
  // open in the same process is refused just as one from another process is.
  std::string error = open_error(dir.path());
  EXPECT_NE(error.find("is in use by another hotstated process"), std::string::npos) << error;
  EXPECT_NE(error.find(dir.path().string()), std::string::npos) << error;
  first.reset();
  EXPECT_EQ(reopen(dir.path()).epoch, epoch) << "the lock goes with the process holding it";
}

TEST(RocksDbStorage, ADirectoryOpenInAnotherProcessIsRefused) {
  TempDir dir;
  std::uint64_t epoch = reopen(dir.path()).epoch;
  WriterProcess writer(dir.path());
  ASSERT_TRUE(writer.wait_for_first_ack());
  auto rotated_logs = files_named(dir.path(), "LOG.old", true).size();
  std::string error = open_error(dir.path());
  EXPECT_NE(error.find("data directory '" + dir.path().string() + "' is in use by another hotstated process"),
            std::string::npos)
      << error;
  EXPECT_EQ(files_named(dir.path(), "LOG.old", true).size(), rotated_logs)
      << "the running server's log was not rotated";
  writer.kill();
  EXPECT_EQ(reopen(dir.path()).epoch, epoch) << "usable once the other process is gone";
}

TEST(RocksDbStorage, AProcessHoldingRocksDbsOwnLockIsRefused) {
  TempDir dir;
  reopen(dir.path());
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  // Like a RocksDB tool (ldb) holding the database: the child takes only RocksDB's fcntl
  // lock. It runs no RocksDB code, which a forked child could not safely do.
  pid_t child = ::fork();
  if (child == 0) {
    int fd = ::open((dir.path() / "LOCK").c_str(), O_RDWR);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    char byte = ::fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
    (void)!::write(ready[1], &byte, 1);
    (void)!::read(release[0], &byte, 1);
    std::_Exit(0);
  }
  char locked = 0;
  ASSERT_EQ(::read(ready[0], &locked, 1), 1);
  ASSERT_EQ(locked, 'y');
  std::string error = open_error(dir.path());
  char go = 'x';
  (void)!::write(release[1], &go, 1);
  ::waitpid(child, nullptr, 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
  EXPECT_NE(error.find("is in use by another hotstated process"), std::string::npos) << error;
  EXPECT_EQ(open_error(dir.path()), "") << "usable once the other process is gone";
}

TEST(RocksDbStorage, ANewerFormatIsRefusedAndLeftUntouched) {
  TempDir dir;
  Model model;
  with_storage(dir.path(), [&](Storage& storage) {
    commit_group(storage, model, {{put("c", "k", "v")}});
  });
  write_file(dir.path() / "HOTSTATE", "hotstate data directory\nformat 2\n");
  auto before = snapshot(dir.path());
  std::string error = open_error(dir.path());
  EXPECT_NE(error.find("written by a newer hotstated (format 2, this one reads 1); refusing to open it"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find(dir.path().string()), std::string::npos) << error;
  EXPECT_EQ(snapshot(dir.path()), before) << "not one byte written";
}

TEST(RocksDbStorage, ANewerFormatInsideTheDatabaseIsRefused) {
  TempDir dir;
  reopen(dir.path());
  with_raw_db(dir.path(), [](rocksdb::DB& db) {
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), std::string(rocksdb_format::kMetaFormatKey),
                       rocksdb_format::encode_u64(7))
                    .ok());
  });
  std::string error = open_error(dir.path());
  EXPECT_NE(error.find("format 7, this one reads 1"), std::string::npos) << error;
}

TEST(RocksDbStorage, AForeignDirectoryIsRefusedAndLeftUntouched) {
  TempDir dir;
  fs::create_directories(dir.path() / "photos");
  write_file(dir.path() / "notes.txt", "mine");
  auto before = snapshot(dir.path());
  std::string error = open_error(dir.path());
  EXPECT_NE(error.find("is not empty and is not a hotstate data directory"), std::string::npos) << error;
  EXPECT_NE(error.find("notes.txt, photos"), std::string::npos) << error;
  EXPECT_EQ(snapshot(dir.path()), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);

  TempDir file;
  write_file(file.path(), "not a directory");
  error = open_error(file.path());
  EXPECT_NE(error.find("is not a directory"), std::string::npos) << error;
}

TEST(RocksDbStorage, AnUnreadableMarkerIsRefused) {
  TempDir dir;
  reopen(dir.path());
  for (std::string marker : {"", "hotstate data directory\n", "hotstate data directory\nformat one\n",
                             "my data\nformat 1\n", "hotstate data directory\nformat 0\n"}) {
    write_file(dir.path() / "HOTSTATE", marker);
    std::string error = open_error(dir.path());
    EXPECT_NE(error.find("is corrupt (HOTSTATE"), std::string::npos) << marker << " → " << error;
  }
}

TEST(RocksDbStorage, DamagedDatabaseFilesAreRefusedAsCorrupt) {
  struct Damage {
    const char* name;
    std::function<void(const fs::path&)> apply;
  };
  auto sst = [](const fs::path& dir) { return files_named(dir, ".sst", false).at(0); };
  std::vector<Damage> damages{
      {"garbage CURRENT", [](const fs::path& dir) { write_file(dir / "CURRENT", "garbage\n"); }},
      {"truncated MANIFEST",
       [](const fs::path& dir) {
         fs::path manifest = files_named(dir, "MANIFEST-", true).at(0);
         fs::resize_file(manifest, fs::file_size(manifest) / 2);
       }},
      {"truncated table file", [&](const fs::path& dir) { fs::resize_file(sst(dir), 100); }},
      {"garbled table file",
       [&](const fs::path& dir) {
         std::string bytes = read_file(sst(dir));
         for (std::size_t i = 100; i < 600; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
         write_file(sst(dir), bytes);
       }},
      {"missing table file", [&](const fs::path& dir) { fs::remove(sst(dir)); }},
      {"missing CURRENT", [](const fs::path& dir) { fs::remove(dir / "CURRENT"); }},
  };
  for (const auto& damage : damages) {
    SCOPED_TRACE(damage.name);
    TempDir dir;
    Model model;
    make_flushed_directory(dir.path(), model);
    damage.apply(dir.path());
    std::string error = open_error(dir.path());
    EXPECT_NE(error.find("is corrupt ("), std::string::npos) << error;
    EXPECT_NE(error.find("restore the directory from a backup"), std::string::npos) << error;
  }
}

TEST(RocksDbStorage, MalformedValuesInTheDatabaseAreRefusedAsCorrupt) {
  std::vector<std::pair<std::string, std::string>> plants{
      {rocksdb_format::record_key("c", "k"), std::string("\x01\x05", 2)},  // truncated record
      {rocksdb_format::changelog_key(1), "\x01"},                          // truncated change-log entry
      {rocksdb_format::changelog_key(9),  // after the last revision
       rocksdb_format::encode_txn(CommittedTxn{9, {}, 0})},
      {std::string(rocksdb_format::kMetaEpochKey), "short"},
  };
  for (const auto& plant : plants) {  // not a structured binding: clang 14 cannot capture one
    SCOPED_TRACE(plant.first);
    TempDir dir;
    reopen(dir.path());
    with_raw_db(dir.path(),
                [&](rocksdb::DB& db) { ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), plant.first, plant.second).ok()); });
    std::string error = open_error(dir.path());
    EXPECT_NE(error.find("is corrupt ("), std::string::npos) << error;
  }
}

TEST(RocksDbStorage, MissingPermissionsAreNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions (run this test as another user)";
  // Neither readable nor writable, then readable only (RocksDB cannot create its files).
  for (auto perms : {fs::perms::none, fs::perms::owner_read | fs::perms::owner_exec}) {
    TempDir dir;
    reopen(dir.path());
    fs::permissions(dir.path(), perms);
    std::string error = open_error(dir.path());
    EXPECT_NE(error.find("Permission denied"), std::string::npos) << error;
    EXPECT_NE(error.find("give the user running hotstated read and write access"), std::string::npos) << error;
  }
}

// --- crashes -----------------------------------------------------------------------------

TEST(RocksDbStorage, SigkillAtRandomMomentsLosesNothingAcknowledgedAndSplitsNoGroup) {
  TempDir dir;
  std::mt19937_64 random(std::random_device{}());
  Model model;
  std::uint64_t epoch = 0;
  std::uint64_t acknowledged = 0;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    WriterProcess writer(dir.path());
    ASSERT_TRUE(writer.wait_for_first_ack()) << "the writer never acknowledged a commit";
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 300'000));
    int status = writer.kill();
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own, status " << status;
    acknowledged = std::max(acknowledged, writer.last_acknowledged());

    RecoveredState state = reopen(dir.path());
    if (round == 0) epoch = state.epoch;
    EXPECT_EQ(state.epoch, epoch);
    EXPECT_GE(state.revision, acknowledged) << "an acknowledged commit was lost";
    EXPECT_GE(group_after(state.revision), 0) << "revision " << state.revision << " splits a group";
    while (model.revision() < state.revision) scripted_next(model);
    ASSERT_FALSE(state.changelog.empty());
    expect_state(state, model, state.changelog.front()->revision);
    std::uint64_t asked_to_keep_from = state.revision - std::min(state.revision, kWriterKeepsChangelog) + 1;
    EXPECT_LE(state.changelog.front()->revision, asked_to_keep_from) << "trimmed further than the writer asked";
  }
  EXPECT_GT(acknowledged, 0u);
}

// --- the value encoding --------------------------------------------------------------------

TEST(RocksDbFormat, EveryTruncationOfAValueIsAFormatError) {
  Model model;
  model.next({put("c", "k", "old")}, -5);
  CommittedTxnPtr txn = model.next({put("c", "k", std::string("v\0v", 3)), put("d", "x", "")}, commit_time(2));
  model.next({del("c", "k")}, commit_time(3));
  std::string txn_bytes = rocksdb_format::encode_txn(*txn);
  EXPECT_EQ(describe(*rocksdb_format::decode_txn(2, txn_bytes)), describe(*txn));
  EXPECT_EQ(describe(*rocksdb_format::decode_txn(1, rocksdb_format::encode_txn(*model.txns()[0]))),
            describe(*model.txns()[0]))
      << "negative commit times survive";
  EXPECT_EQ(describe(*rocksdb_format::decode_txn(3, rocksdb_format::encode_txn(*model.txns()[2]))),
            describe(*model.txns()[2]));
  for (std::size_t n = 0; n < txn_bytes.size(); ++n)
    EXPECT_THROW(rocksdb_format::decode_txn(2, std::string_view(txn_bytes).substr(0, n)), rocksdb_format::FormatError)
        << n;
  EXPECT_THROW(rocksdb_format::decode_txn(2, txn_bytes + "x"), rocksdb_format::FormatError);

  const Record& record = *txn->ops[0].record;
  std::string key = rocksdb_format::record_key(record.collection, record.key);
  std::string record_bytes = rocksdb_format::encode_record_value(record);
  EXPECT_EQ(describe(*rocksdb_format::decode_record(key, record_bytes)), describe(record));
  for (std::size_t n = 0; n < 4; ++n)  // the rest after the header is the value itself
    EXPECT_THROW(rocksdb_format::decode_record(key, std::string_view(record_bytes).substr(0, n)),
                 rocksdb_format::FormatError)
        << n;
}

TEST(RocksDbFormat, GarbageIsAFormatError) {
  using rocksdb_format::FormatError;
  EXPECT_THROW(rocksdb_format::decode_txn(1, "\x02"), FormatError) << "unknown encoding";
  EXPECT_THROW(rocksdb_format::decode_txn(1, std::string("\x01\x00\xff\xff\xff\xff\x0f", 7)), FormatError)
      << "an op count the bytes cannot hold";
  EXPECT_THROW(rocksdb_format::decode_txn(1, std::string("\x01\x00\x01\x07", 4)), FormatError) << "unknown op kind";
  EXPECT_THROW(rocksdb_format::decode_txn(1, std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 12)),
               FormatError)
      << "a varint beyond 64 bits";
  EXPECT_THROW(rocksdb_format::decode_record("rc", "\x01\x01\x01\x01"), FormatError) << "no separator";
  EXPECT_THROW(rocksdb_format::decode_record(std::string("r\0k", 3), "\x01\x01\x01\x01"), FormatError)
      << "no collection";
  EXPECT_THROW(rocksdb_format::decode_changelog_key("l123"), FormatError);
  try {
    rocksdb_format::decode_record(rocksdb_format::record_key("flags", "beta"), "\x01\x01");
    ADD_FAILURE() << "decoded a truncated record";
  } catch (const FormatError& error) {
    EXPECT_STREQ(error.what(), "record flags/beta: truncated (needs 1 more bytes, has 0)");
  }
  EXPECT_THROW(rocksdb_format::decode_u64("1234567", "meta"), FormatError);
}

TEST(RocksDbFormat, ChangelogKeysSortByRevisionAndRecordsByCollection) {
  EXPECT_LT(rocksdb_format::changelog_key(255), rocksdb_format::changelog_key(256));
  EXPECT_LT(rocksdb_format::changelog_key(UINT64_MAX - 1), rocksdb_format::changelog_end_after(UINT64_MAX - 1));
  EXPECT_LT(rocksdb_format::changelog_key(UINT64_MAX), rocksdb_format::changelog_end_after(UINT64_MAX));
  std::uint64_t revision = 0x0102030405060708;
  EXPECT_EQ(rocksdb_format::decode_changelog_key(rocksdb_format::changelog_key(revision)), revision);
  // Every key of collection "a" sorts before every key of "a-b" and "a0".
  EXPECT_LT(rocksdb_format::record_key("a", "\xf4\x8f\xbf\xbf"), rocksdb_format::record_key("a-b", "0"));
  EXPECT_LT(rocksdb_format::record_key("a", "zzz"), rocksdb_format::record_key("a0", ""));
}

// --- start-up at scale (run by hand) -----------------------------------------------------

// Not a timed assertion: prints how long open() takes for 1,000,000 records and how much
// disk they take. Run with --gtest_also_run_disabled_tests --gtest_filter='*Million*'.
TEST(RocksDbStorage, DISABLED_OpenWithAMillionRecords) {
  TempDir dir;
  with_storage(dir.path(), [&](Storage& storage) {
    std::uint64_t revision = 0;
    for (int group = 0; group < 1000; ++group) {
      std::vector<CommittedTxnPtr> txns;
      for (int i = 0; i < 1000; ++i) {
        auto record = std::make_shared<Record>();
        record->collection = "flags" + std::to_string(i % 10);
        record->key = "tenant-" + std::to_string(group) + "/flag-" + std::to_string(i);
        record->create_revision = record->mod_revision = ++revision;
        record->value = json_to_flex(R"({"enabled":true,"rollout":)" + std::to_string(i % 101) +
                                     R"(,"owner":"team-)" + std::to_string(group) +
                                     R"(","variants":["a","b"],"updated":)" + std::to_string(revision) + "}");
        record->version = 1;
        auto txn = std::make_shared<CommittedTxn>();
        txn->revision = revision;
        txn->commit_unix_ms = commit_time(revision);
        txn->ops.push_back(ChangeOp{OpKind::Put, record});
        txns.push_back(txn);
      }
      storage.commit(txns);
      if (revision > 10'000) storage.trim_changelog(revision - 10'000);  // a typical retention
    }
  });
  for (const char* which : {"first open (replays the log)", "second open"}) {
    auto start = std::chrono::steady_clock::now();
    RecoveredState state = reopen(dir.path());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(state.records.size(), 1'000'000u);
    EXPECT_EQ(state.changelog.size(), 10'000u);
    std::size_t value_bytes = 0;
    for (const auto& record : state.records) value_bytes += record->value.size();
    std::printf("%s: %zu records (values %.0f bytes on average), %zu change-log entries in %.2f s; "
                "directory %.1f MiB\n",
                which, state.records.size(), static_cast<double>(value_bytes) / 1e6, state.changelog.size(),
                seconds, static_cast<double>(directory_bytes(dir.path())) / 1048576.0);
  }
}
