// `hotstate watch` and `hotstate snapshot`: the CLI commands that run a local replica.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>
#include <thread>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace hotstate::testing;
namespace json = boost::json;

namespace {

std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

}  // namespace

TEST(CliReplica, SnapshotPrintsTheReplicaSortedByKey) {
  ServerProcess server;
  HttpClient http(server.host(), server.port());
  for (const char* key : {"b", "a/2", "a/1", "c"}) ASSERT_EQ(http.request("PUT", std::string("/v1/c/flags/") + percent_encode(key), "1").status, 200);
  ASSERT_EQ(http.request("PUT", "/v1/c/other/x", "1").status, 200);
  auto result = run_command({ServerProcess::cli_binary(), "--url", server.url(), "snapshot", "--collection", "flags"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["key"].as_string(), "a/1");
  EXPECT_EQ(lines[3]["key"].as_string(), "c");
  EXPECT_EQ(lines[0]["value"].as_int64(), 1);

  auto prefixed = run_command({ServerProcess::cli_binary(), "--url", server.url(), "snapshot", "--collection", "flags", "--prefix", "a/"});
  EXPECT_EQ(json_lines(prefixed.out).size(), 2u);
  auto missing = run_command({ServerProcess::cli_binary(), "--url", server.url(), "snapshot"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--collection"), std::string::npos);
}

TEST(CliReplica, WatchPrintsStateThenLiveThenChanges) {
  ServerProcess server({"--memory", "--heartbeat-ms", "100"});
  HttpClient http(server.host(), server.port());
  ASSERT_EQ(http.request("PUT", "/v1/c/flags/a", R"({"on":true})").status, 200);
  std::thread writer([&] {
    // Write only once the watcher has its snapshot (so the writes arrive as changes),
    // however slow the machine is.
    HttpClient writes(server.host(), server.port());
    for (int i = 0; i < 500; ++i) {
      auto metrics = writes.request("GET", "/metrics").body;
      if (metrics.find("\nhotstate_snapshots_total 1\n") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    writes.request("PUT", "/v1/c/flags/b", "2");
    writes.request("DELETE", "/v1/c/flags/a");
    writes.request("PUT", "/v1/c/other/x", "3");
  });
  auto result = run_command({"/usr/bin/timeout", "--preserve-status", "-s", "INT", "4", ServerProcess::cli_binary(),
                             "--url", server.url(), "watch", "--collection", "flags"});
  writer.join();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto lines = json_lines(result.out);
  ASSERT_EQ(lines.size(), 4u) << result.out;
  EXPECT_EQ(lines[0]["key"].as_string(), "a");
  EXPECT_EQ(lines[1]["event"].as_string(), "live");
  EXPECT_EQ(lines[1]["revision"].as_int64(), 1);
  EXPECT_EQ(lines[2]["op"].as_string(), "put");
  EXPECT_EQ(lines[2]["key"].as_string(), "b");
  EXPECT_EQ(lines[2]["revision"].as_int64(), 2);
  EXPECT_EQ(lines[3]["op"].as_string(), "delete");
  EXPECT_EQ(lines[3]["key"].as_string(), "a");
}
