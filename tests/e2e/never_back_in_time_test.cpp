// Case 2 of the production failures (docs/architecture.md, invariant 6 and "Failures designed against"): within one epoch a
// replica never installs a state older than the one it holds. A server restored from an
// older copy of its data directory (same epoch, lower revision) is waited out, not applied;
// a new epoch — `hotstated --renew-epoch` after a restore, or an import into a new data
// directory — is the only way back, and it is reported as a reset.

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "eventually.hpp"
#include "hotstate/client.hpp"
#include "hotstate/value.hpp"
#include "http_client.hpp"
#include "scrape_metric.hpp"
#include "server_process.hpp"
#include "stable_port.hpp"
#include "temp_dir.hpp"
#include "test_client_options.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string value_of(Client& client, const std::string& key) {
  auto record = client.get("flags", key);
  return record ? flex_to_json(record->value) : "<absent>";
}

std::uint64_t put(const ServerProcess& server, const std::string& key, const std::string& json) {
  HttpClient http(server.host(), server.port());
  auto reply = http.request("PUT", "/v1/c/flags/" + key, json);
  EXPECT_EQ(reply.status, 200) << reply.body;
  return reply.json().at("revision").to_number<std::uint64_t>();
}

// A counter from /metrics (0 when absent); `name` includes its labels.
double metric(const ServerProcess& server, const std::string& name) {
  HttpClient http(server.host(), server.port());
  return scrape_metric(http, name).value_or(0);
}

// A durable hotstated that can be stopped and started again on the same port (the
// client's one URL), with whatever data directory is in place by then.
class RestartableServer {
 public:
  explicit RestartableServer(std::string data_dir) : data_dir_(std::move(data_dir)), port_(stable_port()) { start(); }
  void stop() { ASSERT_EQ(process_->stop(), 0); }
  void start() { process_ = std::make_unique<ServerProcess>(args("127.0.0.1:" + std::to_string(port_))); }
  const ServerProcess& process() const { return *process_; }
  std::string url() const { return process_->url(); }

 private:
  std::vector<std::string> args(const std::string& listen) const {
    return {"--data-dir", data_dir_, "--listen", listen, "--heartbeat-ms", "100"};
  }
  std::string data_dir_;
  unsigned short port_;
  std::unique_ptr<ServerProcess> process_;
};

// Every change batch a client's callbacks received, for "was it reported as a reset".
struct ChangeLog {
  std::mutex mutex;
  int batches = 0, resets = 0;
  std::uint64_t last_revision = 0;
  void attach(Client& client) {
    client.on_change({"flags"}, [this](const ChangeBatch& batch) {
      std::lock_guard lock(mutex);
      ++batches;
      if (batch.reset) ++resets;
      last_revision = batch.revision;
    });
  }
  bool saw(std::uint64_t revision) {
    std::lock_guard lock(mutex);
    return last_revision >= revision;
  }
  std::pair<int, int> counts() {
    std::lock_guard lock(mutex);
    return {batches, resets};
  }
};

}  // namespace

// Restoring an older copy of the data directory, same epoch. Catches a server that serves
// the client a snapshot of the older state (the replica would lose "b" and "a" would go back
// from 2 to 1), a client that installs it, one that gives up retrying, and a server that
// waits on the link instead (it would then deliver its next writes at revisions the client
// already holds under other contents). Then `hotstated --renew-epoch` on the restored
// directory: the client resets to it, and says so.
TEST(NeverBackInTime, AServerRestoredFromAnOlderCopyIsWaitedOutUntilItGetsANewEpoch) {
  TempDir live("time-travel-live"), backup("time-travel-backup");
  RestartableServer server(live.str());
  put(server.process(), "a", "1");
  server.stop();
  fs::copy(live.path(), backup.path(), fs::copy_options::recursive);  // the backup, at revision 1
  server.start();

  Client client(test_client_options(server.url()));
  ChangeLog changes;
  changes.attach(client);
  ASSERT_TRUE(client.wait_ready(20s));
  put(server.process(), "a", "2");
  std::uint64_t newest = put(server.process(), "b", "1");
  ASSERT_TRUE(client.wait_for_revision(newest, 20s));
  ASSERT_TRUE(eventually([&] { return changes.saw(newest); }));  // callbacks run after the apply
  const std::uint64_t epoch = client.status().epoch;
  auto changes_before = changes.counts();

  // Restore the backup in place and start again on the same port.
  server.stop();
  fs::remove_all(live.path());
  fs::copy(backup.path(), live.path(), fs::copy_options::recursive);
  server.start();

  ASSERT_TRUE(eventually([&] { return metric(server.process(), R"(hotstate_refusals_total{reason="server_behind"})") >= 3; }))
      << "the client keeps retrying, and the server refuses each resume from ahead of it";
  auto status = client.status();
  EXPECT_NE(status.last_error.find("server_behind"), std::string::npos) << status.last_error;
  EXPECT_NE(status.state, LinkState::Live);
  EXPECT_EQ(status.epoch, epoch);
  EXPECT_EQ(status.revision, newest) << "the replica keeps its newer revision";
  EXPECT_LT(status.server_revision, status.revision) << "status shows how far behind the server is";
  EXPECT_EQ(status.resets, 0u);
  EXPECT_EQ(value_of(client, "a"), "2");
  EXPECT_EQ(value_of(client, "b"), "1");
  EXPECT_EQ(metric(server.process(), "hotstate_snapshots_total"), 0) << "no snapshot of the older state was served";
  EXPECT_EQ(changes.counts(), changes_before) << "no callback fired: nothing changed in the replica";
  std::printf("[figure] server behind: %.0f resumes refused while the client kept its state (last_error: %s)\n",
              metric(server.process(), R"(hotstate_refusals_total{reason="server_behind"})"), status.last_error.c_str());

  // The operator makes the restored state authoritative.
  server.stop();
  auto renewed = run_command({ServerProcess::server_binary(), "--data-dir", live.str(), "--renew-epoch"});
  ASSERT_EQ(renewed.exit_code, 0) << renewed.err;
  EXPECT_NE(renewed.out.find("replaced by"), std::string::npos) << renewed.out;
  server.start();
  ASSERT_TRUE(eventually([&] { return client.status().state == LinkState::Live && client.status().epoch != epoch; }));
  status = client.status();
  EXPECT_EQ(status.resets, 1u);
  EXPECT_EQ(status.revision, 1u);
  EXPECT_EQ(value_of(client, "a"), "1");
  EXPECT_EQ(value_of(client, "b"), "<absent>");
  EXPECT_TRUE(eventually([&] { return changes.counts().second == 1; })) << "callbacks learn of the reset";
}

// An import goes into a new data directory, so it is a new epoch: a client of the old
// server moved to it resets to the imported state even where that is older than what it
// held. Catches a client that refuses a new epoch's older revision (it would stay on the
// old history forever) and a reset that is not reported.
TEST(NeverBackInTime, AnImportIsANewEpochAndClientsResetToIt) {
  TempDir old_dir("time-travel-old"), new_dir("time-travel-new");
  RestartableServer old_server(old_dir.str());
  put(old_server.process(), "a", "1");
  put(old_server.process(), "b", "1");
  HttpClient old_http(old_server.process().host(), old_server.process().port());
  auto exported = old_http.request("GET", "/v1/export");
  ASSERT_EQ(exported.status, 200);

  Client client(test_client_options(old_server.url()));
  ChangeLog changes;
  changes.attach(client);
  ASSERT_TRUE(client.wait_ready(20s));
  std::uint64_t newest = put(old_server.process(), "c", "1");  // after the export
  ASSERT_TRUE(client.wait_for_revision(newest, 20s));
  const std::uint64_t old_epoch = client.status().epoch;

  {
    ServerProcess importer({"--data-dir", new_dir.str()});
    HttpClient http(importer.host(), importer.port());
    auto imported = http.request("POST", "/v1/import", exported.body);
    ASSERT_EQ(imported.status, 200) << imported.body;
    ASSERT_EQ(importer.stop(), 0);
  }
  // The imported directory takes the old one's place, behind the port the client knows.
  old_server.stop();
  fs::remove_all(old_dir.path());
  fs::copy(new_dir.path(), old_dir.path(), fs::copy_options::recursive);
  old_server.start();

  ASSERT_TRUE(eventually([&] { return client.status().state == LinkState::Live && client.status().epoch != old_epoch; }));
  auto status = client.status();
  EXPECT_EQ(status.resets, 1u);
  EXPECT_EQ(status.revision, 2u) << "back to the import's revision, in its new epoch";
  EXPECT_EQ(value_of(client, "a"), "1");
  EXPECT_EQ(value_of(client, "c"), "<absent>") << "written after the export: not in the imported history";
  EXPECT_TRUE(eventually([&] { return changes.counts().second == 1; })) << "callbacks learn of the reset";
}

// --renew-epoch is a maintenance step with the server stopped. Catches one that renews a
// directory a running server holds (the running server would keep serving the old epoch
// while the directory says otherwise), creates a new history from a typo, or runs with
// --memory.
TEST(NeverBackInTime, RenewEpochRefusesARunningServersDirectoryAMissingOneAndMemory) {
  TempDir dir("renew-epoch");
  ServerProcess running({"--data-dir", dir.str()});
  auto locked = run_command({ServerProcess::server_binary(), "--data-dir", dir.str(), "--renew-epoch"});
  EXPECT_EQ(locked.exit_code, 1);
  EXPECT_NE(locked.err.find("in use by another hotstated"), std::string::npos) << locked.err;
  ASSERT_EQ(running.stop(), 0);

  auto missing = run_command({ServerProcess::server_binary(), "--data-dir", dir.str() + "-typo", "--renew-epoch"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(dir.str() + "-typo"));

  auto memory = run_command({ServerProcess::server_binary(), "--memory", "--renew-epoch"});
  EXPECT_EQ(memory.exit_code, 2);
  EXPECT_NE(memory.err.find("--renew-epoch needs a --data-dir"), std::string::npos) << memory.err;

  auto renewed = run_command({ServerProcess::server_binary(), "--data-dir", dir.str(), "--renew-epoch"});
  EXPECT_EQ(renewed.exit_code, 0) << renewed.err;
}
