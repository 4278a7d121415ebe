// hotstated's command line and what it prints: every numeric limit flag states its range
// and default in --help and refuses a value outside it at start-up (naming the flag and the
// range); and the epoch has one text form — 16 lowercase hex digits — in the start-up log
// line, /v1/status, the export header and --renew-epoch's report (docs/server.md).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

using hotstate::testing::HttpClient;
using hotstate::testing::run_command;
using hotstate::testing::ServerProcess;
using hotstate::testing::TempDir;

namespace {

// What docs/server.md promises for each numeric flag.
struct FlagRange {
  std::string name;
  std::uint64_t min;
  std::uint64_t max;
  std::uint64_t default_value;
};

const std::vector<FlagRange> kNumericFlags = {
    {"--heartbeat-ms", 10, 600000, 1000},
    {"--changelog-retain", 1, 100000000, 100000},
    {"--changelog-retain-seconds", 0, 315360000, 0},
    {"--max-value-bytes", 1, 8388608, 1048576},
    {"--max-request-bytes", 1, 1073741824, 16777216},
    {"--max-import-bytes", 1, 17179869184ull, 1073741824},
    {"--max-connections", 1, 1000000, 10000},
    {"--max-queue-bytes", 4096, 4294967296ull, 8388608},
    {"--max-selectors", 1, 10000, 64},
    {"--max-concurrent-snapshots", 1, 10000, 8},
    {"--max-pending-writes", 1, 1000000, 1024},
    {"--request-timeout-ms", 100, 3600000, 30000},
    {"--subscribe-timeout-ms", 100, 3600000, 10000},
    {"--tls-handshake-timeout-ms", 1, 600000, 10000},
};

// Bounded, so a flag the server wrongly accepts (and then runs with) fails the test.
hotstate::testing::CommandResult run_server_cli(std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/timeout", "10", ServerProcess::server_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

// The --help entry of one flag: from its name to the next flag's.
std::string help_entry(const std::string& help, const std::string& flag) {
  auto at = help.find("  " + flag + " ");
  if (at == std::string::npos) return "";
  auto next = help.find("\n  --", at + 1);
  std::string entry = help.substr(at, next == std::string::npos ? std::string::npos : next - at);
  // Undo the line wrapping: one space between words.
  std::string flat;
  for (char c : entry) {
    bool space = c == ' ' || c == '\n';
    if (space && (flat.empty() || flat.back() == ' ')) continue;
    flat.push_back(space ? ' ' : c);
  }
  return flat;
}

TEST(ServerFlags, HelpStatesTheRangeAndDefaultOfEveryNumericFlag) {
  auto r = run_server_cli({"--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& flag : kNumericFlags) {
    SCOPED_TRACE(flag.name);
    std::string entry = help_entry(r.out, flag.name);
    ASSERT_FALSE(entry.empty()) << flag.name << " missing from:\n" << r.out;
    EXPECT_NE(entry.find("Range " + std::to_string(flag.min) + ".." + std::to_string(flag.max)), std::string::npos)
        << entry;
    EXPECT_NE(entry.find("default " + std::to_string(flag.default_value)), std::string::npos) << entry;
  }
}

TEST(ServerFlags, AValueOutsideTheRangeIsRefusedNamingTheFlagAndTheRange) {
  for (const auto& flag : kNumericFlags) {
    std::vector<std::string> bad = {std::to_string(flag.max + 1), "-1", "abc", "12x", "+5", " 5", "1e3",
                                    "99999999999999999999999"};
    if (flag.min > 0) bad.push_back(std::to_string(flag.min - 1));
    const std::string expected =
        flag.name + " must be an integer in " + std::to_string(flag.min) + ".." + std::to_string(flag.max);
    for (const auto& value : bad) {
      SCOPED_TRACE(flag.name + " " + value);
      auto r = run_server_cli({"--memory", "--listen", "127.0.0.1:0", flag.name, value});
      EXPECT_EQ(r.exit_code, 2) << "stdout: " << r.out << "\nstderr: " << r.err;
      EXPECT_NE(r.err.find(expected + ", got \"" + value + "\""), std::string::npos) << r.err;
      EXPECT_EQ(r.out.find("listening on"), std::string::npos) << r.out;  // nothing started
    }
  }
}

TEST(ServerFlags, BothEndsOfEveryRangeAreAccepted) {
  for (const auto& flag : kNumericFlags) {
    for (auto value : {flag.min, flag.max}) {
      SCOPED_TRACE(flag.name + " " + std::to_string(value));
      ServerProcess server({"--memory", flag.name, std::to_string(value)});
      HttpClient client(server.host(), server.port());
      EXPECT_EQ(client.request("GET", "/readyz").status, 200);
      EXPECT_EQ(server.stop(), 0);
    }
  }
}

// ---- the epoch's one text form ---------------------------------------------------------

const std::regex kHex16("^[0-9a-f]{16}$");

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// hotstated at --log-level info with stdout and stderr in files, so the test reads its
// start-up log line while it runs.
class LoggingServer {
 public:
  LoggingServer(const std::string& data_dir, const std::string& scratch)
      : out_(scratch + "/stdout"), err_(scratch + "/stderr") {
    // Not the files of a server started before: their lines would be taken for this one's.
    std::filesystem::remove(out_);
    std::filesystem::remove(err_);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      std::string binary = ServerProcess::server_binary();
      ::execl(binary.c_str(), binary.c_str(), "--listen", "127.0.0.1:0", "--data-dir", data_dir.c_str(),
              "--log-level", "info", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::smatch m;
    const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)\n");
    for (;;) {
      std::string out = read_file(out_);
      if (std::regex_search(out, m, listening) && log().find("msg=\"hotstated started\"") != std::string::npos) {
        port_ = static_cast<unsigned short>(std::stoi(m[1]));
        return;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("hotstated did not start; stdout: " + out + "\nstderr: " + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~LoggingServer() { stop(); }

  unsigned short port() const { return port_; }
  std::string log() const { return read_file(err_); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::string out_, err_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// The epoch= field of the "hotstated started" log line.
std::string logged_epoch(const std::string& log) {
  std::smatch m;
  const std::regex started("msg=\"hotstated started\"[^\n]* epoch=([^ \n]+)");
  return std::regex_search(log, m, started) ? m[1].str() : "";
}

std::string status_epoch(unsigned short port) {
  HttpClient client("127.0.0.1", port);
  return std::string(client.request("GET", "/v1/status").json().as_object().at("epoch").as_string());
}

std::string export_epoch(unsigned short port) {
  HttpClient client("127.0.0.1", port);
  std::string body = client.request("GET", "/v1/export").body;
  auto header = boost::json::parse(body.substr(0, body.find('\n')));
  return std::string(header.as_object().at("epoch").as_string());
}

TEST(ServerOutput, TheEpochIsTheSameSixteenHexDigitsInTheLogStatusExportAndRenewReport) {
  TempDir scratch("epoch-text");
  std::filesystem::create_directories(scratch.path());
  const std::string data = scratch.str() + "/data";

  std::string first;
  {
    LoggingServer server(data, scratch.str());
    first = logged_epoch(server.log());
    EXPECT_TRUE(std::regex_match(first, kHex16)) << server.log();
    EXPECT_EQ(status_epoch(server.port()), first);
    EXPECT_EQ(export_epoch(server.port()), first);
  }

  // --renew-epoch reports the old and the new epoch in the same form...
  auto renew = run_command({ServerProcess::server_binary(), "--data-dir", data, "--renew-epoch"});
  ASSERT_EQ(renew.exit_code, 0) << renew.err;
  std::smatch m;
  const std::regex report("epoch ([^ ]+) replaced by ([^ ]+) at revision");
  ASSERT_TRUE(std::regex_search(renew.out, m, report)) << renew.out;
  EXPECT_EQ(m[1].str(), first);
  const std::string second = m[2].str();
  EXPECT_TRUE(std::regex_match(second, kHex16)) << renew.out;
  EXPECT_NE(second, first);

  // ...and the restarted server logs and shows the new one.
  LoggingServer server(data, scratch.str());
  EXPECT_EQ(logged_epoch(server.log()), second) << server.log();
  EXPECT_EQ(status_epoch(server.port()), second);
}

}  // namespace
