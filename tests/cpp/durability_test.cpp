// hotstated with its durable storage (--data-dir): no acknowledged write is lost across
// kill -9, transactions are all or nothing, revisions continue gap-free, clients attached
// across restarts resume without a reset, retention moves the horizon, and bad data
// directories are refused with a clear message.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "fault_proxy.hpp"
#include "hotstate/client.hpp"
#include "hotstate/value.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "test_client_options.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;

namespace {

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("hotstate-durability-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string str() const { return path_.string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct StoredRecord {
  std::string json;
  std::uint64_t mod_revision = 0;
};

struct Exported {
  std::uint64_t revision = 0;
  std::map<std::string, StoredRecord> records;  // by "collection/key"
};

// GET /v1/export: the server's whole state at one revision.
Exported export_state(HttpClient& http) {
  auto response = http.request("GET", "/v1/export");
  EXPECT_EQ(response.status, 200) << response.body;
  Exported out;
  std::size_t start = 0;
  bool header = true;
  while (start < response.body.size()) {
    auto end = response.body.find('\n', start);
    std::string line = response.body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? response.body.size() : end + 1;
    if (line.empty()) continue;
    auto object = boost::json::parse(line).as_object();
    if (header) {
      out.revision = object.at("revision").to_number<std::uint64_t>();
      header = false;
      continue;
    }
    std::string id = std::string(object.at("collection").as_string()) + "/" + std::string(object.at("key").as_string());
    out.records[id] = {boost::json::serialize(object.at("value")), object.at("mod_revision").to_number<std::uint64_t>()};
  }
  return out;
}

boost::json::object status_of(HttpClient& http) {
  return boost::json::parse(http.request("GET", "/v1/status").body).as_object();
}

std::uint64_t number(const boost::json::value& v) { return v.to_number<std::uint64_t>(); }

// What one writer did: every transaction puts {"w":W,"seq":N} at crash/wW/a and /b.
struct WriterLog {
  std::mutex mutex;
  std::uint64_t issued = 0;       // highest seq sent (acknowledged or not)
  std::uint64_t acked = 0;        // highest seq acknowledged
  std::uint64_t acked_revision = 0;
};

void run_writer(int writer, unsigned short port, WriterLog& log, const std::atomic<bool>& stop) {
  HttpClient http("127.0.0.1", port);
  http.set_timeout(5s);
  while (!stop.load()) {
    std::uint64_t seq;
    {
      std::lock_guard lock(log.mutex);
      seq = ++log.issued;
    }
    std::string value = R"({"w":)" + std::to_string(writer) + R"(,"seq":)" + std::to_string(seq) + "}";
    std::string prefix = "w" + std::to_string(writer);
    std::string body = R"({"ops":[{"op":"put","collection":"crash","key":")" + prefix + R"(/a","value":)" + value +
                       R"(},{"op":"put","collection":"crash","key":")" + prefix + R"(/b","value":)" + value + "}]}";
    try {
      auto response = http.request("POST", "/v1/txn", body);
      if (response.status != 200) return;
      std::lock_guard lock(log.mutex);
      log.acked = seq;
      log.acked_revision = number(response.json().at("revision"));
    } catch (const std::exception&) {
      return;  // the server was killed: this write may or may not have become durable
    }
  }
}

std::uint64_t seq_of(const std::string& json) {
  return boost::json::parse(json).as_object().at("seq").to_number<std::uint64_t>();
}

// The client's replica as collection/key -> compact JSON.
std::map<std::string, std::string> replica_of(Client& client, const std::string& collection) {
  std::map<std::string, std::string> out;
  auto read = client.read();
  for (const auto& record : read.scan(collection, "")) out[collection + "/" + record->key] = flex_to_json(record->value);
  return out;
}

std::map<std::string, std::string> values_of(const Exported& exported) {
  std::map<std::string, std::string> out;
  for (const auto& [id, record] : exported.records) out[id] = record.json;
  return out;
}

TEST(Durability, KillNineNeverLosesAcknowledgedWritesAndClientsResumeWithoutReset) {
  TempDir dir("crash");
  constexpr int kWriters = 3;
  constexpr int kRounds = 6;
  std::vector<WriterLog> logs(kWriters);
  std::mt19937 random(std::random_device{}());

  auto server = std::make_unique<ServerProcess>(std::vector<std::string>{"--data-dir", dir.str(), "--heartbeat-ms", "100"});
  const unsigned short port = server->port();
  const std::vector<std::string> restart_args{"--data-dir", dir.str(), "--heartbeat-ms", "100", "--listen",
                                              "127.0.0.1:" + std::to_string(port)};
  Client client(test_client_options(server->url(), {{"crash", ""}}));
  ASSERT_TRUE(client.wait_ready(20s));
  const std::uint64_t epoch = client.status().epoch;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) writers.emplace_back(run_writer, w, port, std::ref(logs[w]), std::cref(stop));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 700)(random)));
    server->kill_hard();  // mid-storm: some writes are in flight
    stop = true;
    for (auto& t : writers) t.join();

    server = std::make_unique<ServerProcess>(restart_args);
    HttpClient http(server->host(), server->port());
    Exported state = export_state(http);
    auto status = status_of(http);
    EXPECT_EQ(std::string(status.at("storage").as_string()), "rocksdb");
    // Gap-free: the change log holds every revision from 1 to the current one.
    EXPECT_EQ(number(status.at("changelog").at("horizon")), 0u);
    EXPECT_EQ(number(status.at("changelog").at("entries")), state.revision);

    for (int w = 0; w < kWriters; ++w) {
      std::string prefix = "crash/w" + std::to_string(w);
      std::lock_guard lock(logs[w].mutex);
      if (logs[w].acked == 0 && !state.records.count(prefix + "/a")) continue;  // nothing got through yet
      ASSERT_TRUE(state.records.count(prefix + "/a") && state.records.count(prefix + "/b")) << prefix;
      const auto& a = state.records[prefix + "/a"];
      const auto& b = state.records[prefix + "/b"];
      // All or nothing: both keys come from the same transaction.
      EXPECT_EQ(a.json, b.json) << prefix;
      EXPECT_EQ(a.mod_revision, b.mod_revision) << prefix;
      // Nothing acknowledged is lost; nothing never sent appears.
      std::uint64_t seq = seq_of(a.json);
      EXPECT_GE(seq, logs[w].acked) << prefix << ": an acknowledged write was lost";
      EXPECT_LE(seq, logs[w].issued) << prefix;
      if (seq == logs[w].acked) {
        EXPECT_EQ(a.mod_revision, logs[w].acked_revision) << prefix;
      }
      EXPECT_GE(state.revision, logs[w].acked_revision);
      // The next round goes on from what is durable now.
      logs[w].issued = std::max(logs[w].issued, seq);
    }

    // The attached client catches up by resuming, never by a reset snapshot.
    EXPECT_TRUE(eventually([&] { return client.status().revision == state.revision; }))
        << "client at " << client.status().revision << ", server at " << state.revision;
    EXPECT_EQ(replica_of(client, "crash"), values_of(state));
    EXPECT_EQ(client.status().epoch, epoch);
    EXPECT_EQ(client.status().resets, 0u);
  }
}

TEST(Durability, ConcurrentWritersShareSyncs) {
  TempDir dir("group");
  ServerProcess server({"--data-dir", dir.str()});
  constexpr int kThreads = 8, kWrites = 40;
  std::vector<std::thread> threads;
  std::atomic<int> acknowledged{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      HttpClient http(server.host(), server.port());
      for (int i = 0; i < kWrites; ++i)
        if (http.request("PUT", "/v1/c/g/t" + std::to_string(t), std::to_string(i)).status == 200) ++acknowledged;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kWrites);
  HttpClient http(server.host(), server.port());
  std::string metrics = http.request("GET", "/metrics").body;
  auto value_of_metric = [&](const std::string& name) {
    auto at = metrics.find("\n" + name + " ");
    EXPECT_NE(at, std::string::npos) << name;
    return std::stod(metrics.substr(at + name.size() + 2));
  };
  EXPECT_EQ(value_of_metric("hotstate_storage_committed_transactions_total"), kThreads * kWrites);
  // Eight writers waiting on each other's syncs: some sync carried more than one write.
  EXPECT_GT(value_of_metric("hotstate_storage_largest_group"), 1);
  EXPECT_LT(value_of_metric("hotstate_storage_commit_groups_total"), kThreads * kWrites);
}

TEST(Durability, GracefulRestartKeepsEpochRevisionAndData) {
  TempDir dir("restart");
  std::uint64_t epoch = 0, revision = 0;
  {
    ServerProcess server({"--data-dir", dir.str()});
    HttpClient http(server.host(), server.port());
    for (int i = 0; i < 50; ++i)
      ASSERT_EQ(http.request("PUT", "/v1/c/k/key" + std::to_string(i % 7), std::to_string(i)).status, 200);
    ASSERT_EQ(http.request("DELETE", "/v1/c/k/key3").status, 200);
    auto status = status_of(http);
    epoch = std::stoull(std::string(status.at("epoch").as_string()), nullptr, 16);
    revision = number(status.at("revision"));
    EXPECT_EQ(server.stop(), 0);
  }
  ServerProcess server({"--data-dir", dir.str()});
  HttpClient http(server.host(), server.port());
  auto status = status_of(http);
  EXPECT_EQ(std::stoull(std::string(status.at("epoch").as_string()), nullptr, 16), epoch);
  EXPECT_EQ(number(status.at("revision")), revision);
  EXPECT_EQ(number(status.at("records")), 6u);
  EXPECT_EQ(http.request("GET", "/v1/c/k/key3").status, 404);
  EXPECT_EQ(http.request("GET", "/v1/c/k/key6").json().at("value"), boost::json::value(48));
  // The revision continues where it stopped.
  EXPECT_EQ(number(http.request("PUT", "/v1/c/k/new", "1").json().at("revision")), revision + 1);
}

TEST(Durability, ClientBehindTheHorizonGetsAResetAndConverges) {
  TempDir dir("horizon");
  ServerProcess server({"--data-dir", dir.str(), "--changelog-retain", "5", "--heartbeat-ms", "100"});
  HttpClient http(server.host(), server.port());
  FaultProxy proxy(server.host(), server.port());
  Client client(test_client_options(proxy.url(), {{"h", ""}}));
  ASSERT_TRUE(client.wait_ready(20s));
  ASSERT_EQ(http.request("PUT", "/v1/c/h/before", "1").status, 200);
  ASSERT_TRUE(client.wait_for_revision(1, 20s));

  proxy.refuse(true);  // the client is cut off while 20 writes pass the 5-entry log
  proxy.cut();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(http.request("PUT", "/v1/c/h/k" + std::to_string(i), "2").status, 200);
  ASSERT_EQ(http.request("DELETE", "/v1/c/h/before").status, 200);
  auto status = status_of(http);
  EXPECT_GT(number(status.at("changelog").at("horizon")), 1u);

  proxy.refuse(false);
  Exported state = export_state(http);
  EXPECT_TRUE(eventually([&] { return client.status().revision == state.revision; }));
  EXPECT_EQ(replica_of(client, "h"), values_of(state));
  EXPECT_GE(client.status().resets, 1u);
}

TEST(Durability, RetentionByAgeMovesTheHorizonWithoutWrites) {
  TempDir dir("age");
  ServerProcess server({"--data-dir", dir.str(), "--changelog-retain-seconds", "1"});
  HttpClient http(server.host(), server.port());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(http.request("PUT", "/v1/c/a/k", std::to_string(i)).status, 200);
  EXPECT_EQ(number(status_of(http).at("changelog").at("horizon")), 0u);
  EXPECT_TRUE(eventually([&] { return number(status_of(http).at("changelog").at("horizon")) == 5; }, 10s));
  EXPECT_EQ(number(status_of(http).at("changelog").at("entries")), 0u);
}

TEST(Durability, ExportImportRoundTripsIntoAnEmptyServerOnly) {
  TempDir source_dir("export"), target_dir("import");
  TempDir files("files");
  std::filesystem::create_directories(files.path());
  const std::string file = (files.path() / "state.jsonl").string();
  ServerProcess source({"--data-dir", source_dir.str()});
  HttpClient source_http(source.host(), source.port());
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(source_http.request("PUT", "/v1/c/c" + std::to_string(i % 3) + "/k" + std::to_string(i),
                                  R"({"i":)" + std::to_string(i) + R"(,"s":"é"})")
                  .status,
              200);
  ASSERT_EQ(source_http.request("DELETE", "/v1/c/c0/k0").status, 200);
  Exported before = export_state(source_http);

  auto exported = run_command({ServerProcess::cli_binary(), "--url", source.url(), "export", file});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find(R"("records":29)"), std::string::npos) << exported.out;

  ServerProcess target({"--data-dir", target_dir.str()});
  HttpClient target_http(target.host(), target.port());
  Client watcher(test_client_options(target.url(), {{"c1", ""}}));  // connected before the import
  ASSERT_TRUE(watcher.wait_ready(20s));
  auto imported = run_command({ServerProcess::cli_binary(), "--url", target.url(), "import", file});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  Exported after = export_state(target_http);
  EXPECT_EQ(after.revision, before.revision);
  EXPECT_EQ(values_of(after), values_of(before));
  for (const auto& [id, record] : before.records) EXPECT_EQ(after.records[id].mod_revision, record.mod_revision) << id;
  // The watcher resyncs to the imported state.
  EXPECT_TRUE(eventually([&] { return watcher.status().revision == after.revision; }));
  EXPECT_EQ(replica_of(watcher, "c1").size(), 10u);

  // Not into a server that holds data; not a truncated file. Neither changes anything.
  auto again = run_command({ServerProcess::cli_binary(), "--url", target.url(), "import", file});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("not_empty"), std::string::npos) << again.err;
  TempDir other_dir("import2");
  ServerProcess other({"--data-dir", other_dir.str()});
  std::ifstream in(file);
  std::string header, first_record;
  std::getline(in, header);
  std::getline(in, first_record);
  auto truncated = run_command({ServerProcess::cli_binary(), "--url", other.url(), "import", "-"},
                               header + "\n" + first_record + "\n");
  EXPECT_NE(truncated.exit_code, 0);
  EXPECT_NE(truncated.err.find("truncated"), std::string::npos) << truncated.err;
  HttpClient other_http(other.host(), other.port());
  EXPECT_EQ(number(status_of(other_http).at("revision")), 0u);

  // And the importing server keeps a durable copy across a restart.
  EXPECT_EQ(target.stop(), 0);
  ServerProcess restarted({"--data-dir", target_dir.str()});
  HttpClient restarted_http(restarted.host(), restarted.port());
  EXPECT_EQ(values_of(export_state(restarted_http)), values_of(before));
}

TEST(Durability, BadDataDirectoriesAreRefusedClearly) {
  TempDir foreign("foreign");
  std::filesystem::create_directories(foreign.path());
  std::ofstream(foreign.path() / "notes.txt") << "not a database\n";
  auto run_server = [](const std::string& data_dir) {
    return run_command({"/usr/bin/timeout", "20", ServerProcess::server_binary(), "--listen", "127.0.0.1:0",
                        "--data-dir", data_dir});
  };
  auto r = run_server(foreign.str());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find(foreign.str()), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(foreign.path() / "notes.txt"));

  TempDir locked("locked");
  ServerProcess holder({"--data-dir", locked.str()});
  r = run_server(locked.str());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r.err;

  r = run_command({"/usr/bin/timeout", "20", ServerProcess::server_binary(), "--listen", "127.0.0.1:0",
                   "--data-dir", locked.str(), "--memory"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
