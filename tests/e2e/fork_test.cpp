// fork() with an open hotstate::Client, the cases the C test (e2e_fork_test.c) leaves out:
// many threads of a child racing to the first use of the inherited client, a child that
// forks again (a grandchild of the process that opened the client), and a fork in the
// middle of the parent's host-name lookup. Children report
// through their exit code; the parent asserts. Figures are printed, never asserted.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "hotstate/client.hpp"
#include "hotstate/value.hpp"
#include "http_client.hpp"
#include "scrape_metric.hpp"
#include "server_process.hpp"
#include "slow_lookup.hpp"
#include "test_client_options.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kWait = 20s;

std::string value_of(const RecordPtr& record) { return record ? flex_to_json(record->value) : "<absent>"; }

// What a child found wrong (its exit code).
enum ChildFailure : int {
  kOk = 0,
  kWrongFirstRead = 10,  // a thread read something else than the inherited value
  kNotLive = 11,         // the child's own link never became LIVE
  kWriteMissed = 12,     // its own write never came back through its stream
  kBadStatus = 13,       // more than one connection (a rebirth per thread), or a reset
  kGrandchildFailed = 14,
  kThrew = 15,
  kLookupLockHeld = 16,  // the child inherited a lookup's lock held: its own would hang
};

class ForkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--memory", "--heartbeat-ms", "100"});
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
    client_ = std::make_unique<Client>(test_client_options(server_->url(), {{"forked", ""}}));
    ASSERT_TRUE(client_->wait_ready(kWait));
    ASSERT_TRUE(client_->wait_for_revision(client_->put("forked", "k", "\"inherited\""), kWait));
  }

  long long metric(const std::string& name) {
    return static_cast<long long>(scrape_metric(*http_, name).value_or(-1));  // -1: a missing metric fails
  }

  // Runs `child` in a forked process and returns its exit code.
  template <typename Body>
  static int in_child(Body child) {
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      int code = kThrew;
      try {
        code = child();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
      }
      ::_exit(code);
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // In a child: its own write comes back through its own stream, on one fresh connection.
  static int follows_its_own_stream(Client& client, const std::string& value) {
    if (!client.wait_ready(kWait)) return kNotLive;
    if (!client.wait_for_revision(client.put("forked", "k", value), kWait)) return kWriteMissed;
    if (value_of(client.get("forked", "k")) != value) return kWriteMissed;
    auto s = client.status();
    if (s.connects != 1 || s.resets != 0) return kBadStatus;
    return kOk;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Client> client_;
};

// Catches a rebirth that is not thread-safe: several threads of a worker (a threaded
// gunicorn worker) touching the inherited client at once must all read the inherited
// replica, and only one new core (one connection, one catch-up) may come of it.
TEST_F(ForkTest, ThreadsOfAChildRaceToTheFirstUse) {
  long long catchups = metric("hotstate_catchups_total");
  long long snapshots = metric("hotstate_snapshots_total");
  int code = in_child([&]() -> int {
    constexpr int kThreads = 8;
    std::atomic<int> waiting{kThreads}, wrong{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&] {
        --waiting;
        while (waiting.load() > 0) {
        }  // all at once
        if (value_of(client_->get("forked", "k")) != "\"inherited\"") ++wrong;
      });
    for (auto& t : threads) t.join();
    if (wrong) return kWrongFirstRead;
    return follows_its_own_stream(*client_, "\"child\"");
  });
  EXPECT_EQ(code, kOk) << "see enum ChildFailure";
  EXPECT_EQ(metric("hotstate_catchups_total"), catchups + 1);
  EXPECT_EQ(metric("hotstate_snapshots_total"), snapshots);
  EXPECT_EQ(client_->status().connects, 1u);
  EXPECT_TRUE(client_->wait_for_revision(client_->put("forked", "k", "\"parent\""), kWait));
}

// Catches a client that survives one fork but not the next: a worker that forks again
// (a pre-fork server run under a supervisor that forks, a multiprocessing pool in a
// worker) must hand its reborn client on in the same way, the child staying unaffected.
TEST_F(ForkTest, AChildThatForksAgain) {
  long long catchups = metric("hotstate_catchups_total");
  auto forked = Clock::now();
  int code = in_child([&]() -> int {
    if (int failed = follows_its_own_stream(*client_, "\"child\"")) return failed;
    int grandchild = in_child([&]() -> int {
      if (value_of(client_->get("forked", "k")) != "\"child\"") return kWrongFirstRead;
      return follows_its_own_stream(*client_, "\"grandchild\"");
    });
    if (grandchild != kOk) {
      std::fprintf(stderr, "grandchild exited with %d\n", grandchild);
      return kGrandchildFailed;
    }
    // The child's own link is unaffected by the grandchild, and saw its write.
    if (!client_->wait_for_revision(client_->put("forked", "k", "\"child again\""), kWait)) return kWriteMissed;
    return client_->status().connects == 1 ? kOk : kBadStatus;
  });
  EXPECT_EQ(code, kOk) << "see enum ChildFailure";
  std::printf("[figure] fork, child and grandchild: both done %lld ms after the first fork\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - forked).count()));
  EXPECT_EQ(metric("hotstate_catchups_total"), catchups + 2);
  EXPECT_EQ(client_->status().connects, 1u);
  EXPECT_TRUE(client_->wait_for_revision(client_->put("forked", "k", "\"parent\""), kWait));
  EXPECT_EQ(value_of(client_->get("forked", "k")), "\"parent\"");
}

// Catches a fork() taken in the middle of the parent's host-name lookup: glibc holds
// process-wide locks inside getaddrinfo() (slow_lookup.hpp plays one), and a child that
// inherits one held never connects. fork() must wait for a lookup of the client's to end.
TEST_F(ForkTest, AChildForkedDuringAHostNameLookupConnects) {
  Client named(test_client_options("http://localhost:" + std::to_string(server_->port()), {{"forked", ""}}));
  ASSERT_TRUE(named.wait_ready(kWait));

  set_slow_localhost_lookups(true);
  named.reconnect_now();
  auto deadline = Clock::now() + kWait;
  while (!localhost_lookup_in_progress() && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(localhost_lookup_in_progress()) << "the reconnect never looked the host up";
  auto forking = Clock::now();
  int code = in_child([&]() -> int {
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - forking).count();
    std::printf("[figure] fork() during a 300 ms host-name lookup returned after %lld ms\n",
                static_cast<long long>(waited));
    std::fflush(stdout);  // _exit below does not flush
    if (!lookup_lock_is_free()) return kLookupLockHeld;
    if (value_of(named.get("forked", "k")) != "\"inherited\"") return kWrongFirstRead;
    return follows_its_own_stream(named, "\"looked up\"");
  });
  set_slow_localhost_lookups(false);
  EXPECT_EQ(code, kOk) << "see enum ChildFailure";
  EXPECT_TRUE(named.wait_ready(kWait));
  EXPECT_TRUE(named.wait_for_revision(named.put("forked", "k", "\"parent\""), kWait));
}

}  // namespace
