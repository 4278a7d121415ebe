// Guarantee 6 of the README: a corrupt offline cache (docs/architecture.md, "Failures designed against"). Truncated
// files, random bytes, a flipped byte, an empty file, a directory in the file's place, a
// file of another server's history and an unwritable path: the client logs a warning,
// starts at once, resyncs from the server and never crashes. And the wipe calls. Each
// test against a real hotstated (through a FaultProxy where the server must be
// unreachable first). Figures are printed ("[figure] ..."), never asserted as limits.

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "fault_proxy.hpp"
#include "hotstate/client.hpp"
#include "hotstate/value.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "test_client_options.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

std::string value_of(const RecordPtr& record) { return record ? flex_to_json(record->value) : "<absent>"; }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Everything written to file descriptor 2 (the client's warnings) while it lives.
class StderrCapture {
 public:
  StderrCapture() : file_(std::tmpfile()), saved_(::dup(2)) {
    std::fflush(stderr);
    ::dup2(::fileno(file_), 2);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    std::fclose(file_);
    std::fputs(text_.c_str(), stderr);  // still shown in the test's output
  }
  const std::string& text() {
    std::fflush(stderr);
    text_.assign(static_cast<std::size_t>(::lseek(::fileno(file_), 0, SEEK_END)), '\0');
    ::pread(::fileno(file_), text_.data(), text_.size(), 0);
    return text_;
  }

 private:
  std::FILE* file_;
  int saved_;
  std::string text_;
};

class OfflineCache : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--memory", "--heartbeat-ms", "100"});
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
    proxy_ = std::make_unique<FaultProxy>(server_->host(), server_->port());
    dir_ = fs::temp_directory_path() / ("hotstate-offline-cache-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    cache_ = (dir_ / "replica.cache").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::uint64_t put(HttpClient& http, const std::string& key, const std::string& json) {
    auto r = http.request("PUT", "/v1/c/flags/" + percent_encode(key), json);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json().at("revision").to_number<std::uint64_t>() : 0;
  }
  std::uint64_t put(const std::string& key, const std::string& json) { return put(*http_, key, json); }

  ClientOptions options_for(const std::string& url) {
    ClientOptions options = test_client_options(url);
    options.backoff_max = 100ms;
    options.cache_path = cache_;
    options.cache_interval = 20ms;
    return options;
  }
  // A good cache file of `url`'s server, written by a client's close().
  void write_good_cache(const std::string& url) {
    Client client(options_for(url));
    ASSERT_TRUE(client.wait_ready(10s));
  }
  // What a client started with the server unreachable finds in the cache file.
  ClientStatus status_from_cache() {
    proxy_->refuse(true);
    Client client(options_for(proxy_->url()));
    auto status = client.status();
    client.close();
    return status;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<FaultProxy> proxy_;
  fs::path dir_;
  std::string cache_;
};

struct Damage {
  std::string name;
  std::function<std::string(const std::string& good)> apply;
  std::string reason;  // what the warning must say
};

std::vector<Damage> damages() {
  constexpr std::size_t kHeader = 20;  // magic, length, CRC-32 (cache_file.hpp)
  return {
      {"empty file", [](const std::string&) { return std::string(); }, "the file is empty"},
      {"cut inside the magic", [](const std::string& g) { return g.substr(0, 5); }, "truncated inside the header"},
      {"cut inside the length", [](const std::string& g) { return g.substr(0, 12); }, "truncated inside the header"},
      {"cut after the header", [](const std::string& g) { return g.substr(0, kHeader); }, "truncated"},
      {"cut inside the payload", [](const std::string& g) { return g.substr(0, kHeader + 10); }, "truncated"},
      {"last byte missing", [](const std::string& g) { return g.substr(0, g.size() - 1); }, "truncated"},
      {"random bytes",
       [](const std::string& g) {
         std::mt19937 rng(12);
         std::string bytes(g.size(), '\0');
         for (auto& b : bytes) b = static_cast<char>(rng());
         return bytes;
       },
       "not a hotstate cache file"},
      {"a flipped byte in the payload",
       [](const std::string& g) {
         std::string bytes = g;
         bytes[kHeader + (g.size() - kHeader) / 2] ^= 0x20;
         return bytes;
       },
       "checksum mismatch"},
  };
}

}  // namespace

// Catches: a damaged cache file that crashes start-up, blocks it, is served as data, is
// silently ignored (no warning naming the file and the reason), or is kept (never
// replaced by a good file, so every start pays for it again).
TEST_F(OfflineCache, DamagedFilesAreDiscardedWithAWarningThenReplacedByAGoodOne) {
  put("a", "1");
  put("b", R"({"on":true})");
  write_good_cache(server_->url());
  const std::string good = read_file(cache_);
  ASSERT_GT(good.size(), 40u);
  ASSERT_EQ(status_from_cache().source, DataSource::Cache) << "the good file loads";

  for (const auto& damage : damages()) {
    SCOPED_TRACE(damage.name);
    write_file(cache_, damage.apply(good));
    proxy_->refuse(true);  // the server is away at start: only the file could answer
    StderrCapture log;
    auto started = Clock::now();
    Client client(options_for(proxy_->url()));
    auto start_us = static_cast<long long>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
    std::printf("[figure] client constructed with a damaged cache (%s): %lld us\n", damage.name.c_str(), start_us);

    auto status = client.status();
    EXPECT_EQ(status.source, DataSource::None) << "nothing of the bad file is served";
    EXPECT_EQ(status.keys, 0u);
    EXPECT_EQ(client.get("flags", "a"), nullptr);
    // last_error said the same at start, but it is the *last* error: the first refused
    // connection may already have replaced it. The warning is the lasting record.
    const std::string& warnings = log.text();
    EXPECT_NE(warnings.find("hotstate: ignoring offline cache " + cache_ + ": " + damage.reason), std::string::npos)
        << warnings;

    proxy_->refuse(false);
    ASSERT_TRUE(client.wait_ready(10s));
    EXPECT_EQ(client.status().source, DataSource::Server);
    EXPECT_EQ(value_of(client.get("flags", "a")), "1");
    EXPECT_EQ(value_of(client.get("flags", "b")), R"({"on":true})");
    client.close();  // writes the cache
    EXPECT_EQ(status_from_cache().source, DataSource::Cache) << "a good file replaced the bad one";
  }
}

// Catches: a directory where the cache file should be crashing the client, being read as
// an empty cache without a word, or being deleted by it (it is not the client's to
// delete). The write failure is a warning and last_error, not a crash.
TEST_F(OfflineCache, ADirectoryInTheFilesPlaceIsReportedAndLeftAlone) {
  put("a", "1");
  fs::create_directories(fs::path(cache_) / "someone-elses");
  StderrCapture log;
  Client client(options_for(server_->url()));
  EXPECT_NE(client.status().last_error.find("is a directory"), std::string::npos) << client.status().last_error;
  ASSERT_TRUE(client.wait_ready(10s));
  EXPECT_EQ(value_of(client.get("flags", "a")), "1");
  client.close();
  EXPECT_NE(client.status().last_error.find("offline cache not written"), std::string::npos)
      << client.status().last_error;
  EXPECT_TRUE(fs::is_directory(fs::path(cache_) / "someone-elses"));
  const std::string& warnings = log.text();
  EXPECT_NE(warnings.find("ignoring offline cache " + cache_ + ": it is a directory"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("offline cache not written"), std::string::npos) << warnings;
}

// Catches: a cache file of another server's history (another deployment, a server whose
// data was replaced) merged into the server's state, kept in part, or replaced without
// telling anyone. While no server answers it is served (source CACHE): the client cannot
// tell a foreign file from its own until a server speaks. On connect the server's epoch
// replaces the whole replica, counted as a reset, flagged on the change callback, warned.
TEST_F(OfflineCache, AFileOfAnotherServersHistoryIsReplacedWholeOnConnect) {
  ServerProcess other({"--memory", "--heartbeat-ms", "100"});
  HttpClient other_http(other.host(), other.port());
  put(other_http, "only-in-other", "\"foreign\"");
  put(other_http, "both", "\"other's\"");
  write_good_cache(other.url());
  put("both", "\"ours\"");
  put("only-here", "2");

  proxy_->refuse(true);
  StderrCapture log;
  Client client(options_for(proxy_->url()));
  std::mutex mutex;
  std::vector<ChangeBatch> batches;  // (keys only; records are not kept)
  client.on_change({}, [&](const ChangeBatch& batch) {
    std::lock_guard lock(mutex);
    batches.push_back({batch.revision, batch.reset, batch.merged, {}});
  });
  auto cached = client.status();
  EXPECT_EQ(cached.source, DataSource::Cache);
  EXPECT_EQ(value_of(client.get("flags", "only-in-other")), "\"foreign\"") << "served while no server answers";
  const std::uint64_t foreign_epoch = cached.epoch;

  proxy_->refuse(false);
  ASSERT_TRUE(client.wait_ready(10s));
  auto live = client.status();
  EXPECT_NE(live.epoch, foreign_epoch);
  EXPECT_EQ(live.source, DataSource::Server);
  EXPECT_EQ(client.get("flags", "only-in-other"), nullptr) << "nothing of the other history is kept";
  EXPECT_EQ(value_of(client.get("flags", "both")), "\"ours\"");
  EXPECT_EQ(value_of(client.get("flags", "only-here")), "2");
  EXPECT_EQ(live.keys, 2u);
  EXPECT_EQ(live.resets, 1u);
  EXPECT_NE(live.last_error.find("belonged to another history"), std::string::npos) << live.last_error;
  EXPECT_NE(live.last_error.find(cache_), std::string::npos) << live.last_error;
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return !batches.empty();
  }));
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(batches.front().reset) << "callbacks learn that the replica was replaced";
  }
  EXPECT_NE(log.text().find("offline cache " + cache_ + " belonged to another history"), std::string::npos)
      << log.text();
  client.close();
  auto reloaded = status_from_cache();
  EXPECT_EQ(reloaded.epoch, live.epoch) << "the new file carries the server's epoch";
  EXPECT_EQ(reloaded.keys, 2u);
}

// Catches: an unwritable cache path that crashes the client, stops reads or the stream,
// floods the log with one warning per interval, or is never retried (the cache stays
// missing after the path is fixed). As root, permissions do not stop writes: the path's
// parent is a regular file, which fails for root too (ENOTDIR).
TEST_F(OfflineCache, AnUnwritablePathIsAWarningOnceAndIsRetried) {
  const fs::path blocker = dir_ / "not-a-directory";
  write_file(blocker, "a file where the cache's directory should be");
  cache_ = (blocker / "replica.cache").string();
  put("a", "1");

  StderrCapture log;
  Client client(options_for(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  // While the writer keeps failing, every interval is a new attempt (the file is behind).
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(client.wait_for_revision(put("n", std::to_string(i)), 10s));
    std::this_thread::sleep_for(3 * 20ms);  // a few cache intervals pass
    EXPECT_EQ(value_of(client.get("flags", "n")), std::to_string(i)) << "reads unaffected";
  }
  EXPECT_EQ(client.status().state, LinkState::Live);
  ASSERT_TRUE(eventually([&] {
    return client.status().last_error.find("offline cache not written") != std::string::npos;
  })) << client.status().last_error;
  EXPECT_NE(client.status().last_error.find("Not a directory"), std::string::npos) << client.status().last_error;
  std::size_t failures_logged = count_of(log.text(), "offline cache not written");
  std::printf("[figure] unwritable cache: %zu warning(s) logged over 10 changes of ~3 intervals each\n",
              failures_logged);
  EXPECT_EQ(failures_logged, 1u) << log.text();

  // The path is fixed: the next interval writes the file.
  fs::remove(blocker);
  fs::create_directories(blocker);
  ASSERT_TRUE(client.wait_for_revision(put("fixed", "true"), 10s));
  ASSERT_TRUE(eventually([&] { return fs::exists(cache_); })) << "retried after the failure";
  EXPECT_TRUE(eventually([&] { return count_of(log.text(), "written again") == 1; })) << log.text();
  client.close();
  EXPECT_EQ(status_from_cache().keys, 3u);
}

// Catches: a wipe that leaves the file or a temporary file of an interrupted write
// behind, fails when there is nothing to remove, deletes a directory or other files, or
// fails without saying which file and why.
TEST_F(OfflineCache, WipeOfflineCacheRemovesTheFileAndLeftoverTemporaries) {
  write_good_cache(server_->url());
  const fs::path leftover = cache_ + ".tmp.4242";  // a write interrupted by a crash
  const fs::path unrelated = cache_ + ".tmp.notapid", neighbour = dir_ / "replica.cache.bak";
  write_file(leftover, "half a file");
  write_file(unrelated, "keep");
  write_file(neighbour, "keep");

  wipe_offline_cache(cache_);
  EXPECT_FALSE(fs::exists(cache_));
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_TRUE(fs::exists(unrelated));
  EXPECT_TRUE(fs::exists(neighbour));
  EXPECT_NO_THROW(wipe_offline_cache(cache_)) << "nothing to remove is success";
  EXPECT_NO_THROW(wipe_offline_cache((dir_ / "no-such-dir" / "x.cache").string()));
  EXPECT_EQ(status_from_cache().source, DataSource::None) << "a client after the wipe starts empty";

  fs::create_directories(cache_);
  try {
    wipe_offline_cache(cache_);
    ADD_FAILURE() << "removing a directory must fail";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "io_error");
    EXPECT_NE(std::string(e.what()).find(cache_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(cache_));
  try {
    wipe_offline_cache("");
    ADD_FAILURE() << "an empty path must fail";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "invalid_argument");
  }
}

// Catches: Client::wipe_cache() that leaves the file, that the cache thread or close()
// undo by writing the same state straight back, that clears the replica, or that stops
// the cache for good (a later change must be written again).
TEST_F(OfflineCache, ClientWipeCacheRemovesTheFileUntilTheReplicaChanges) {
  put("a", "1");
  write_good_cache(server_->url());
  {
    // The replica moves on after the file was written (the writer's interval is long, so
    // it has not caught up): a wipe then must still not be undone by close().
    auto slow_writer = options_for(server_->url());
    slow_writer.cache_interval = std::chrono::hours(1);
    Client client(slow_writer);
    ASSERT_TRUE(client.wait_ready(10s));
    ASSERT_TRUE(client.wait_for_revision(put("moved", "true"), 10s));
    client.wipe_cache();
    EXPECT_FALSE(fs::exists(cache_));
    client.close();
    EXPECT_FALSE(fs::exists(cache_)) << "close() wrote the wiped state back";
  }

  Client client(options_for(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  ASSERT_TRUE(eventually([&] { return fs::exists(cache_); }));
  client.wipe_cache();
  EXPECT_FALSE(fs::exists(cache_));
  EXPECT_EQ(value_of(client.get("flags", "a")), "1") << "the replica is untouched";

  ASSERT_TRUE(client.wait_for_revision(put("b", "2"), 10s));
  ASSERT_TRUE(eventually([&] { return fs::exists(cache_); })) << "the next change is written";
  client.wipe_cache();
  client.close();  // nothing changed since the wipe: close() must not write it back
  EXPECT_FALSE(fs::exists(cache_));
  EXPECT_NO_THROW(client.wipe_cache()) << "after close too";

  ClientOptions no_cache = options_for(server_->url());
  no_cache.cache_path.clear();
  Client without(no_cache);
  try {
    without.wipe_cache();
    ADD_FAILURE() << "a client without a cache has nothing to wipe";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "invalid_argument");
  }
}
