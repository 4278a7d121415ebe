// End-to-end tests of the `hotstate` CLI against a real in-memory hotstated.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/server_process.hpp"

#ifndef HOTSTATE_VERSION_STRING
#define HOTSTATE_VERSION_STRING "0.1.0"
#endif

namespace {

namespace json = boost::json;
using hotstate::testing::CommandResult;
using hotstate::testing::run_command;
using hotstate::testing::ServerProcess;

std::string join(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

CommandResult run_cli(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), ServerProcess::cli_binary());
  return run_command(args, stdin_data);
}

// Asserts the shape every failure must have: nothing on stdout, exactly one stderr line
// "hotstate: <code>: ...", and the documented exit status.
void expect_failure(const CommandResult& r, int exit_code, const std::string& code) {
  EXPECT_EQ(r.exit_code, exit_code) << "stderr: " << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("hotstate: " + code + ": ", 0), 0u) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
}

std::uint64_t revision_of(const json::value& v) {
  return v.at("revision").to_number<std::uint64_t>();
}

std::vector<std::string> keys_of(const json::value& listing) {
  std::vector<std::string> keys;
  for (const auto& record : listing.at("records").as_array())
    keys.emplace_back(record.at("key").as_string());
  return keys;
}

class CliTest : public ::testing::Test {
 protected:
  CommandResult cli(std::vector<std::string> args, const std::string& stdin_data = "") {
    args.insert(args.begin(), {"--url", server_.url()});
    return run_cli(std::move(args), stdin_data);
  }

  // Runs a command that must succeed and returns its stdout parsed as JSON.
  json::value ok(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    const CommandResult r = cli(args, stdin_data);
    EXPECT_EQ(r.exit_code, 0) << join(args) << "\nstderr: " << r.err;
    EXPECT_EQ(r.err, "") << join(args);
    EXPECT_TRUE(!r.out.empty() && r.out.back() == '\n') << "stdout: " << r.out;
    boost::system::error_code ec;
    json::value v = json::parse(r.out, ec);
    EXPECT_FALSE(ec) << join(args) << "\nstdout is not JSON: " << r.out;
    return v;
  }

  std::filesystem::path write_temp_file(const std::string& name, const std::string& content) {
    const auto path = std::filesystem::path(::testing::TempDir()) /
                      (name + "." + std::to_string(::getpid()) + ".json");
    std::ofstream(path, std::ios::binary) << content;
    temp_files_.push_back(path);
    return path;
  }

  void TearDown() override {
    for (const auto& p : temp_files_) std::filesystem::remove(p);
  }

  ServerProcess server_;
  std::vector<std::filesystem::path> temp_files_;
};

TEST(CliBasics, VersionAndHelp) {
  CommandResult r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hotstate " HOTSTATE_VERSION_STRING "\n");

  for (const char* flag : {"--help", "-h"}) {
    r = run_cli({flag});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_EQ(r.err, "");
    for (const char* text : {"put C K JSON", "get C K", "del C K", "ls C", "txn FILE", "status",
                             "--if-revision N", "--prefix P", "--limit N", "--url URL",
                             "HOTSTATE_URL"})
      EXPECT_NE(r.out.find(text), std::string::npos) << flag << " output lacks " << text;
  }
}

TEST_F(CliTest, PutThenGetReturnsTheRecord) {
  const json::value put = ok({"put", "flags", "beta", R"({"on":true,"n":[1,2.5,null,"s"]})"});
  const std::uint64_t rev = revision_of(put);
  EXPECT_GT(rev, 0u);

  const json::value got = ok({"get", "flags", "beta"});
  EXPECT_EQ(got.at("collection"), "flags");
  EXPECT_EQ(got.at("key"), "beta");
  EXPECT_EQ(got.at("value"), json::parse(R"({"on":true,"n":[1,2.5,null,"s"]})"));
  EXPECT_EQ(got.at("mod_revision").to_number<std::uint64_t>(), rev);
  EXPECT_EQ(got.at("create_revision").to_number<std::uint64_t>(), rev);
  EXPECT_EQ(got.at("version").to_number<std::uint64_t>(), 1u);
}

TEST_F(CliTest, PutReadsTheValueFromStdin) {
  ok({"put", "c", "k", "-"}, "{\"from\": \"stdin\", \"n\": 7}\n");
  EXPECT_EQ(ok({"get", "c", "k"}).at("value"), json::parse(R"({"from":"stdin","n":7})"));
}

TEST_F(CliTest, ValuesThatLookLikeOptionsAndKeysAfterDoubleDash) {
  ok({"put", "c", "negative", "-5"});
  EXPECT_EQ(ok({"get", "c", "negative"}).at("value"), json::value(-5));

  ok({"put", "c", "--", "--dashed", "\"x\""});
  EXPECT_EQ(ok({"get", "c", "--", "--dashed"}).at("value"), "x");
}

TEST_F(CliTest, OptionsMayFollowTheCommand) {
  ok({"put", "c", "k", "1"});
  const CommandResult r = run_cli({"get", "c", "k", "--url", server_.url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("value"), json::value(1));
}

TEST_F(CliTest, GetOfAMissingRecordExitsNotFound) {
  expect_failure(cli({"get", "c", "absent"}), 3, "not_found");
}

TEST_F(CliTest, DeleteRemovesTheRecord) {
  const std::uint64_t put_rev = revision_of(ok({"put", "c", "k", "1"}));
  EXPECT_GT(revision_of(ok({"del", "c", "k"})), put_rev);
  expect_failure(cli({"get", "c", "k"}), 3, "not_found");
  expect_failure(cli({"del", "c", "k"}), 3, "not_found");
}

TEST_F(CliTest, PutIfRevisionSucceedsOnlyWhenCurrent) {
  const std::uint64_t r1 = revision_of(ok({"put", "c", "k", "1"}));
  const std::uint64_t r2 =
      revision_of(ok({"put", "c", "k", "2", "--if-revision", std::to_string(r1)}));
  EXPECT_GT(r2, r1);

  const CommandResult stale = cli({"put", "c", "k", "3", "--if-revision", std::to_string(r1)});
  expect_failure(stale, 4, "condition_failed");
  // The error carries the current mod_revision so a script can retry with it.
  EXPECT_NE(stale.err.find(std::to_string(r2)), std::string::npos) << stale.err;
  EXPECT_EQ(ok({"get", "c", "k"}).at("value"), json::value(2));

  expect_failure(cli({"put", "c", "k", "4", "--if-revision", "0"}), 4, "condition_failed");
  ok({"put", "c", "fresh", "5", "--if-revision", "0"});
  EXPECT_EQ(ok({"get", "c", "fresh"}).at("value"), json::value(5));
}

TEST_F(CliTest, DeleteIfRevisionSucceedsOnlyWhenCurrent) {
  const std::uint64_t r1 = revision_of(ok({"put", "c", "k", "1"}));
  expect_failure(cli({"del", "c", "k", "--if-revision", std::to_string(r1 + 100)}), 4,
                 "condition_failed");
  EXPECT_EQ(ok({"get", "c", "k"}).at("value"), json::value(1));
  ok({"del", "c", "k", "--if-revision", std::to_string(r1)});
  expect_failure(cli({"get", "c", "k"}), 3, "not_found");
}

TEST_F(CliTest, InvalidJsonIsRejectedAndChangesNothing) {
  const CommandResult r = cli({"put", "c", "k", R"({"a":)"});
  expect_failure(r, 1, "invalid_json");
  expect_failure(cli({"get", "c", "k"}), 3, "not_found");
  expect_failure(cli({"put", "c", "k", "-"}, "not json"), 1, "invalid_json");
}

TEST_F(CliTest, OtherServerErrorsExitOne) {
  expect_failure(cli({"put", "bad collection", "k", "1"}), 1, "invalid_collection");
  expect_failure(cli({"get", "c", std::string(1025, 'k')}), 1, "invalid_key");
}

TEST_F(CliTest, KeysNeedingPercentEncodingRoundTrip) {
  const std::vector<std::string> keys = {
      "with space", "a/b", "a/b/", "what?x=1&y=2", "100%", "%2F", "#frag", "+plus",
      "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC", "."};
  for (std::size_t i = 0; i < keys.size(); ++i)
    ok({"put", "enc", keys[i], std::to_string(i)});

  for (std::size_t i = 0; i < keys.size(); ++i) {
    const json::value got = ok({"get", "enc", keys[i]});
    EXPECT_EQ(got.at("key"), keys[i].c_str());
    EXPECT_EQ(got.at("value"), json::value(i)) << keys[i];
  }

  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());  // byte order, as the server lists
  EXPECT_EQ(keys_of(ok({"ls", "enc"})), expected);

  EXPECT_EQ(keys_of(ok({"ls", "enc", "--prefix", "a/"})),
            (std::vector<std::string>{"a/b", "a/b/"}));
  EXPECT_EQ(keys_of(ok({"ls", "enc", "--prefix", "h\xC3\xA9"})),
            (std::vector<std::string>{keys[8]}));

  ok({"del", "enc", "what?x=1&y=2"});
  expect_failure(cli({"get", "enc", "what?x=1&y=2"}), 3, "not_found");
  EXPECT_EQ(ok({"ls", "enc"}).at("records").as_array().size(), keys.size() - 1);
}

TEST_F(CliTest, LsFollowsEveryPage) {
  // 250 records is more than the server's default page of 100.
  json::array ops;
  for (int i = 0; i < 250; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%03d", i);
    ops.push_back({{"op", "put"}, {"collection", "many"}, {"key", key}, {"value", i}});
  }
  const auto file = write_temp_file("many", json::serialize(json::object{{"ops", ops}}));
  const std::uint64_t rev = revision_of(ok({"txn", file.string()}));

  const json::value all = ok({"ls", "many"});
  const json::array& records = all.at("records").as_array();
  ASSERT_EQ(records.size(), 250u);
  for (int i = 0; i < 250; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%03d", i);
    EXPECT_EQ(records[i].at("key"), key);
    EXPECT_EQ(records[i].at("value"), json::value(i));
  }
  EXPECT_EQ(revision_of(all), rev);
  EXPECT_EQ(all.as_object().size(), 2u) << "only records and revision";

  const json::value first = ok({"ls", "many", "--limit", "120"});
  ASSERT_EQ(first.at("records").as_array().size(), 120u);
  EXPECT_EQ(first.at("records").as_array().back().at("key"), "k119");
  EXPECT_EQ(ok({"ls", "many", "--limit", "5000"}).at("records").as_array().size(), 250u);

  const json::value some = ok({"ls", "many", "--prefix", "k1"});
  ASSERT_EQ(some.at("records").as_array().size(), 100u);
  EXPECT_EQ(some.at("records").as_array().front().at("key"), "k100");
  EXPECT_EQ(some.at("records").as_array().back().at("key"), "k199");
}

TEST_F(CliTest, LsOfAnEmptyCollection) {
  const json::value empty = ok({"ls", "nothing"});
  EXPECT_TRUE(empty.at("records").as_array().empty());
  EXPECT_TRUE(empty.at("revision").is_number());
}

TEST_F(CliTest, LsPrintsRecordsAsTheServerRenderedThem) {
  ok({"put", "num", "k", "[1.5,0.1,-2.5e-300,9007199254740993]"});
  const CommandResult got = cli({"get", "num", "k"});
  const auto at = got.out.find("\"value\":");
  ASSERT_NE(at, std::string::npos) << got.out;
  const auto end = got.out.find(']', at);
  ASSERT_NE(end, std::string::npos) << got.out;
  const std::string rendered = got.out.substr(at, end + 1 - at);

  const CommandResult listed = cli({"ls", "num"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(rendered), std::string::npos)
      << "get rendered " << rendered << " but ls printed " << listed.out;
}

TEST_F(CliTest, TxnFromFileAndStdin) {
  const auto file = write_temp_file("txn", R"({"ops":[
      {"op":"put","collection":"t","key":"a","value":{"x":1}},
      {"op":"put","collection":"t","key":"b","value":"two"}]})");
  const std::uint64_t rev = revision_of(ok({"txn", file.string()}));
  const json::value a = ok({"get", "t", "a"});
  EXPECT_EQ(a.at("value"), json::parse(R"({"x":1})"));
  EXPECT_EQ(a.at("mod_revision").to_number<std::uint64_t>(), rev);
  EXPECT_EQ(ok({"get", "t", "b"}).at("mod_revision").to_number<std::uint64_t>(), rev);

  ok({"txn", "-"}, R"({"ops":[{"op":"delete","collection":"t","key":"a"}]})");
  expect_failure(cli({"get", "t", "a"}), 3, "not_found");
  EXPECT_EQ(ok({"get", "t", "b"}).at("value"), "two");
}

TEST_F(CliTest, TxnFailuresChangeNothing) {
  const std::uint64_t rev = revision_of(ok({"put", "t", "a", "1"}));
  const std::string stale = R"({"if":[{"collection":"t","key":"a","mod_revision":)" +
                            std::to_string(rev + 1) +
                            R"(}],"ops":[{"op":"put","collection":"t","key":"b","value":2}]})";
  expect_failure(cli({"txn", "-"}, stale), 4, "condition_failed");
  expect_failure(cli({"get", "t", "b"}), 3, "not_found");

  const std::string duplicate =
      R"({"ops":[{"op":"put","collection":"t","key":"c","value":1},)"
      R"({"op":"put","collection":"t","key":"c","value":2}]})";
  expect_failure(cli({"txn", "-"}, duplicate), 1, "duplicate_key");
  expect_failure(cli({"get", "t", "c"}), 3, "not_found");

  expect_failure(cli({"txn", "-"}, "{\"ops\": ["), 1, "invalid_json");
}

TEST_F(CliTest, StatusReportsTheServer) {
  const std::uint64_t rev = revision_of(ok({"put", "c", "k", "1"}));
  const json::value status = ok({"status"});
  EXPECT_EQ(revision_of(status), rev);
  EXPECT_TRUE(status.at("epoch").is_string());
  EXPECT_TRUE(status.at("version").is_string());
  EXPECT_EQ(status.at("storage"), "memory");
}

TEST_F(CliTest, UsageErrorsExitTwoAndSendNothing) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"put", "c", "k"},
      {"put", "c", "k", "1", "extra"},
      {"get", "c"},
      {"status", "now"},
      {"put", "c", "k", "1", "--if-revision", "abc"},
      {"put", "c", "k", "1", "--if-revision", "-1"},
      {"put", "c", "k", "1", "--if-revision"},
      {"put", "c", "k", "1", "--bogus"},
      {"get", "c", "k", "--prefix", "p"},
      {"ls", "c", "--limit", "0"},
      {"ls", "c", "--if-revision", "1"},
      {"put", "c", "k", "1", "--url", "https://127.0.0.1:1", "--ca-file", "/nonexistent/ca.pem"},
      {"put", "c", "k", "1", "--url", "127.0.0.1:7700"},
      {"txn", "/nonexistent/dir/txn.json"},
  };
  for (const auto& args : bad) {
    SCOPED_TRACE(join(args));
    expect_failure(cli(args), 2, "usage");
  }
  expect_failure(cli({"get", "c", "k"}), 3, "not_found");
}

// Sets HOTSTATE_URL for the CLI processes this test starts, and always unsets it again.
class ScopedUrlEnv {
 public:
  explicit ScopedUrlEnv(const std::string& url) { set(url); }
  ~ScopedUrlEnv() { ::unsetenv("HOTSTATE_URL"); }
  ScopedUrlEnv(const ScopedUrlEnv&) = delete;
  ScopedUrlEnv& operator=(const ScopedUrlEnv&) = delete;
  void set(const std::string& url) { ::setenv("HOTSTATE_URL", url.c_str(), 1); }
};

TEST_F(CliTest, UrlComesFromTheEnvironmentUnlessGiven) {
  ScopedUrlEnv env(server_.url());
  const CommandResult from_env = run_cli({"status"});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;

  env.set("http://127.0.0.1:1");
  const CommandResult overridden = run_cli({"--url", server_.url(), "status"});
  EXPECT_EQ(overridden.exit_code, 0) << overridden.err;
  const CommandResult dead = run_cli({"status"});
  expect_failure(dead, 5, "cannot_connect");
  EXPECT_NE(dead.err.find("http://127.0.0.1:1"), std::string::npos) << dead.err;

  env.set("ftp://127.0.0.1:1");
  const CommandResult bad = run_cli({"status"});
  expect_failure(bad, 2, "usage");
  EXPECT_NE(bad.err.find("HOTSTATE_URL"), std::string::npos) << bad.err;
}

TEST(CliNetwork, UnreachableServerExitsFiveAndNamesTheUrl) {
  std::string url;
  {
    ServerProcess gone;
    url = gone.url();
    gone.stop();
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status"}, {"get", "c", "k"}, {"ls", "c"}}) {
    std::vector<std::string> argv{"--url", url};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_cli(argv);
    expect_failure(r, 5, "cannot_connect");
    EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  }
}

// A loopback socket that is listened on; nothing answers unless a test does.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 8) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on loopback");
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackListener() { close(); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  int fd() const { return fd_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Wakes a thread blocked in accept() (it then gets an error); the descriptor stays
  // valid, so that thread may still read fd() until it has been joined.
  void wake_accept() const {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  void close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

// A scripted stand-in for hotstated: answers the n-th request with the n-th canned
// response and records the exact request bytes, so tests can check what goes on the
// wire and how the CLI copes with answers a healthy server would not give.
class ScriptedServer {
 public:
  struct Reply {
    std::string raw;             // the whole HTTP response
    bool close_after = false;    // drop the connection after sending, without saying so
  };

  explicit ScriptedServer(std::vector<Reply> replies)
      : replies_(std::move(replies)), thread_([this] { serve(); }) {}
  ~ScriptedServer() {
    {
      std::lock_guard lock(mutex_);
      if (client_fd_ >= 0) ::shutdown(client_fd_, SHUT_RDWR);
    }
    listener_.wake_accept();  // closed by its destructor, after the join: serve() reads fd()
    thread_.join();
  }

  std::string url() const { return listener_.url(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections() {
    std::lock_guard lock(mutex_);
    return connections_;
  }

  static Reply json(int status, const std::string& body) {
    return {"HTTP/1.1 " + std::to_string(status) + " Scripted\r\nContent-Type: application/json\r\n" +
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body,
            false};
  }

 private:
  void serve() {
    std::size_t next = 0;
    while (next < replies_.size()) {
      const int client = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      {
        std::lock_guard lock(mutex_);
        client_fd_ = client;
        ++connections_;
      }
      std::string request;
      while (next < replies_.size() && read_request(client, request)) {
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(request);
        }
        const Reply& reply = replies_[next++];
        if (::send(client, reply.raw.data(), reply.raw.size(), MSG_NOSIGNAL) < 0 ||
            reply.close_after)
          break;
      }
      std::lock_guard lock(mutex_);
      ::close(client);
      client_fd_ = -1;
    }
  }

  // Reads one request (head and Content-Length body). False when the peer is gone.
  bool read_request(int fd, std::string& request) {
    request.clear();
    std::size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(fd)) return false;
    std::size_t length = 0;
    std::string head = pending_.substr(0, head_end);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) {
      return static_cast<char>(std::tolower(c));
    });
    if (const auto at = head.find("\r\ncontent-length:"); at != std::string::npos)
      length = std::stoul(head.substr(at + 17));
    while (pending_.size() < head_end + 4 + length)
      if (!fill(fd)) return false;
    request = pending_.substr(0, head_end + 4 + length);
    pending_.erase(0, request.size());
    return true;
  }

  bool fill(int fd) {
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      pending_.clear();
      return false;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  LoopbackListener listener_;
  std::vector<Reply> replies_;
  std::string pending_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
  int connections_ = 0;
  int client_fd_ = -1;
  std::thread thread_;
};

bool has_header(const std::string& request, const std::string& line) {
  return request.find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(CliWire, PutSendsAnEncodedTargetAndTheDocumentedHeaders) {
  ScriptedServer server({ScriptedServer::json(200, R"({"revision":8})")});
  const std::string body = "{\"v\": [1, 2]}";
  const CommandResult r = run_cli({"--url", server.url(), "put", "c.1", "a b/%?#+\xC3\xA9~._-",
                                   body, "--if-revision", "7"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"revision\":8}\n");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& req = requests[0];
  EXPECT_EQ(req.rfind("PUT /v1/c/c.1/a%20b%2F%25%3F%23%2B%C3%A9~._- HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_TRUE(has_header(req, "Host: " + server.url().substr(7))) << req;
  EXPECT_TRUE(has_header(req, "Content-Type: application/json")) << req;
  EXPECT_TRUE(has_header(req, "If-Match: 7")) << req;
  EXPECT_EQ(req.substr(req.size() - body.size()), body);
}

TEST(CliWire, GetDeleteStatusAndTxnUseTheDocumentedRequests) {
  ScriptedServer server({ScriptedServer::json(200, "{}"), ScriptedServer::json(200, "{}"),
                         ScriptedServer::json(200, "{}"), ScriptedServer::json(200, "{}")});
  const std::string url = server.url();
  EXPECT_EQ(run_cli({"--url", url, "get", "c", "k/1"}).exit_code, 0);
  EXPECT_EQ(run_cli({"--url", url, "del", "c", "k/1", "--if-revision", "0"}).exit_code, 0);
  EXPECT_EQ(run_cli({"--url", url, "status"}).exit_code, 0);
  EXPECT_EQ(run_cli({"--url", url, "txn", "-"}, R"({"ops":[]})").exit_code, 0);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].rfind("GET /v1/c/c/k%2F1 HTTP/1.1\r\n", 0), 0u) << requests[0];
  EXPECT_EQ(requests[1].rfind("DELETE /v1/c/c/k%2F1 HTTP/1.1\r\n", 0), 0u) << requests[1];
  EXPECT_TRUE(has_header(requests[1], "If-Match: 0")) << requests[1];
  EXPECT_EQ(requests[2].rfind("GET /v1/status HTTP/1.1\r\n", 0), 0u) << requests[2];
  EXPECT_EQ(requests[3].rfind("POST /v1/txn HTTP/1.1\r\n", 0), 0u) << requests[3];
  EXPECT_TRUE(has_header(requests[3], "Content-Type: application/json")) << requests[3];
  EXPECT_EQ(requests[3].substr(requests[3].size() - 10), R"({"ops":[]})");
}

TEST(CliWire, LsEncodesTheQueryFollowsNextAfterAndKeepsTheFirstRevision) {
  ScriptedServer server({
      ScriptedServer::json(200, R"({"records":[{"key":"a","value":1.5}],"revision":5,)"
                                R"("more":true,"next_after":"a b&"})"),
      ScriptedServer::json(200, R"({"records": [ {"key":"c","value":[0.1, 1e300]} ],)"
                                R"("revision":9,"more":false,"next_after":"c"})"),
  });
  const CommandResult r = run_cli(
      {"--url", server.url(), "ls", "c", "--prefix", "p q/\xC3\xA9&=", "--limit", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Records exactly as the server wrote them; the revision every record is at least as new as.
  EXPECT_EQ(r.out,
            R"({"records":[{"key":"a","value":1.5},{"key":"c","value":[0.1, 1e300]}],"revision":5})"
            "\n");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].rfind("GET /v1/c/c?prefix=p%20q%2F%C3%A9%26%3D&limit=3 HTTP/1.1\r\n", 0),
            0u)
      << requests[0];
  EXPECT_EQ(
      requests[1].rfind("GET /v1/c/c?prefix=p%20q%2F%C3%A9%26%3D&after=a%20b%26&limit=2 HTTP/1.1\r\n",
                        0),
      0u)
      << requests[1];
  EXPECT_EQ(server.connections(), 1) << "pages share one kept-alive connection";
}

TEST(CliWire, LsRetriesAPageOnceWhenTheIdleConnectionWasClosed) {
  ScriptedServer::Reply first = ScriptedServer::json(
      200, R"({"records":[{"key":"a"}],"revision":1,"more":true,"next_after":"a"})");
  first.close_after = true;
  ScriptedServer server(
      {first, ScriptedServer::json(200, R"({"records":[{"key":"b"}],"revision":2,"more":false})")});
  const CommandResult r = run_cli({"--url", server.url(), "ls", "c"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"records":[{"key":"a"},{"key":"b"}],"revision":1})" "\n");
  EXPECT_EQ(server.connections(), 2);
}

TEST(CliWire, LsStopsWhenTheServerDoesNotAdvance) {
  const std::string page = R"({"records":[],"revision":1,"more":true,"next_after":"a"})";
  ScriptedServer server({ScriptedServer::json(200, page), ScriptedServer::json(200, page),
                         ScriptedServer::json(200, page)});
  expect_failure(run_cli({"--url", server.url(), "ls", "c"}), 1, "invalid_response");
}

TEST(CliWire, ErrorsWithoutAHotstateBodyExitOne) {
  ScriptedServer server({
      {"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 25\r\n\r\n"
       "<html>\nbad gateway</html>",
       false},
      ScriptedServer::json(404, R"({"error":{"code":"no_route","message":"nothing here"}})"),
  });
  const CommandResult proxy = run_cli({"--url", server.url(), "status"});
  expect_failure(proxy, 1, "http_502");
  EXPECT_NE(proxy.err.find("bad gateway"), std::string::npos) << proxy.err;
  // 404 means "not found" (exit 3) only with code not_found.
  expect_failure(run_cli({"--url", server.url(), "get", "c", "k"}), 1, "no_route");
}

TEST(CliWire, ATruncatedResponseIsANetworkError) {
  ScriptedServer server(
      {{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"revision\"", true}});
  const CommandResult r = run_cli({"--url", server.url(), "status"});
  expect_failure(r, 5, "network_error");
  EXPECT_NE(r.err.find(server.url()), std::string::npos) << r.err;
}

// Connect succeeds (the kernel queues it) but no reply ever comes.
TEST(CliNetwork, SilentServerTimesOutWithExitFive) {
  LoopbackListener silent;
  const CommandResult r = run_cli({"--url", silent.url(), "status"});
  expect_failure(r, 5, "timeout");
  EXPECT_NE(r.err.find(silent.url()), std::string::npos) << r.err;
}

}  // namespace
