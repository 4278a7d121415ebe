// The production failures of similar systems (docs/architecture.md, "Failures designed
// against"), each reproduced against a real hotstated, through a FaultProxy where
// the link must misbehave. Every test says what it would catch. Figures for the release
// note are printed ("[figure] ..."), never asserted as time limits.
// Case numbers are the rows of the README's "Guarantees" table, which lists them all.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "eventually.hpp"
#include "fault_proxy.hpp"
#include "hotstate/client.hpp"
#include "hotstate/typed_reads.hpp"
#include "hotstate/value.hpp"
#include "http_client.hpp"
#include "scrape_metric.hpp"
#include "server_process.hpp"
#include "test_client_options.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string value_of(const RecordPtr& record) { return record ? flex_to_json(record->value) : "<absent>"; }

class ProductionFailures : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--memory", "--heartbeat-ms", "100"});
    server_ = std::make_unique<ServerProcess>(args);
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  }
  std::uint64_t put(const std::string& c, const std::string& k, const std::string& v) {
    auto r = http_->request("PUT", "/v1/c/" + c + "/" + percent_encode(k), v);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json().at("revision").to_number<std::uint64_t>() : 0;
  }
  // A counter from /metrics (0 when absent).
  double metric(const std::string& name) { return scrape_metric(*http_, name).value_or(0); }
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

// Records every state a client passes through (on the dispatcher thread).
struct StateLog {
  std::mutex mutex;
  std::vector<LinkState> states;
  void attach(Client& client) {
    client.on_status([this](const ClientStatus& s) {
      std::lock_guard lock(mutex);
      states.push_back(s.state);
    });
  }
  bool saw(LinkState state) {
    std::lock_guard lock(mutex);
    return std::find(states.begin(), states.end(), state) != states.end();
  }
};

}  // namespace

// Case 1. Half-open link: the proxy black-holes both directions and closes nothing.
// Catches: a client without a read-idle deadline (it would stay LIVE on a dead socket for
// as long as TCP keeps it open, i.e. forever), one that marks STALE but never drops the
// link, and one that reconnects with a full snapshot instead of resuming by revision.
TEST_F(ProductionFailures, HalfOpenLinkGoesStaleReconnectsAndResumesWithoutASnapshot) {
  start();
  FaultProxy proxy(server_->host(), server_->port());
  for (int i = 0; i < 50; ++i) put("flags", "k" + std::to_string(i), std::to_string(i));
  auto options = test_client_options(proxy.url());
  options.stale_after = 300ms;
  Client client(options);
  ASSERT_TRUE(client.wait_ready(20s));
  const double snapshots = metric("hotstate_snapshots_total");
  const double catchups = metric("hotstate_catchups_total");
  ASSERT_EQ(snapshots, 1.0);

  auto stalled_at = Clock::now();
  proxy.stall(true);
  long long stale_ms = -1, dropped_ms = -1;
  ASSERT_TRUE(eventually([&] {
    auto state = client.status().state;
    if (state == LinkState::Stale && stale_ms < 0) stale_ms = ms_since(stalled_at);
    if ((state == LinkState::Offline || state == LinkState::Connecting) && dropped_ms < 0) {
      dropped_ms = ms_since(stalled_at);
      if (stale_ms < 0) stale_ms = dropped_ms;  // passed through STALE between two polls
    }
    return dropped_ms >= 0;
  }, 20s)) << "the client never dropped the half-open link";
  std::printf("[figure] half-open link: STALE after %lld ms, link dropped after %lld ms (stale_after 300 ms)\n",
              stale_ms, dropped_ms);
  EXPECT_EQ(value_of(client.get("flags", "k7")), "7") << "reads keep answering while the link is dead";

  auto during = put("flags", "k7", "\"written during the stall\"");
  proxy.stall(false);
  ASSERT_TRUE(client.wait_for_revision(during, 20s));
  EXPECT_EQ(value_of(client.get("flags", "k7")), "\"written during the stall\"");
  auto status = client.status();
  EXPECT_GE(status.connects, 2u);
  EXPECT_EQ(status.resets, 0u);
  EXPECT_EQ(metric("hotstate_snapshots_total"), snapshots) << "the reconnect must resume, not snapshot";
  EXPECT_GT(metric("hotstate_catchups_total"), catchups);
}

// Case 1, forced: reconnect_now() on a half-open link, long before any stale timeout, and
// with a backoff so long (1 h) that only "at once" can pass (a client that waits out the
// backoff passes only with the chance 10 s / 1 h). Catches a reconnect_now() that
// waits for the watchdog, or that closes the link and then sits out a backoff delay
// (the app said the network is back: waiting up to backoff_max is what it asked not to).
TEST_F(ProductionFailures, ReconnectNowLeavesAHalfOpenLinkAtOnceAndResumes) {
  start();
  FaultProxy proxy(server_->host(), server_->port());
  for (int i = 0; i < 50; ++i) put("flags", "k" + std::to_string(i), std::to_string(i));
  auto options = test_client_options(proxy.url());
  options.stale_after = 3600s;
  options.backoff_initial = 3600s;  // without "at once", the next attempt waits U[0, 1 h]
  options.backoff_max = 3600s;
  StateLog log;  // before the client: the client's callbacks end before the log goes
  Client client(options);
  log.attach(client);
  ASSERT_TRUE(client.wait_ready(20s));
  const double snapshots = metric("hotstate_snapshots_total");

  proxy.stall(true);
  auto during = put("flags", "k1", "\"during\"");
  auto asked_at = Clock::now();
  client.reconnect_now();
  // The new connection reaches the proxy (which holds it until the stall ends).
  ASSERT_TRUE(eventually([&] { return proxy.accepted() >= 2; }, 10s))
      << "reconnect_now() did not open a new connection";
  std::printf("[figure] reconnect_now: new connection after %lld ms\n", ms_since(asked_at));
  proxy.stall(false);
  ASSERT_TRUE(client.wait_for_revision(during, 20s));
  EXPECT_EQ(value_of(client.get("flags", "k1")), "\"during\"");
  EXPECT_EQ(client.status().connects, 2u);
  EXPECT_EQ(client.status().resets, 0u);
  EXPECT_FALSE(log.saw(LinkState::Stale));
  EXPECT_EQ(metric("hotstate_snapshots_total"), snapshots) << "the reconnect must resume, not snapshot";
}

// Case 7. Typed reads. Catches a typed read that returns false/0/"" (or the caller's
// default) for a value of another type, or that cannot tell an absent key from a wrong
// type.
TEST_F(ProductionFailures, TypedReadsReportATypeMismatchAndNotFoundExplicitly) {
  start();
  put("flags", "b", "true");
  put("flags", "i", "42");
  put("flags", "d", "2.5");
  put("flags", "s", "\"on\"");
  put("flags", "big", "18446744073709551615");
  auto last = put("flags", "n", "null");
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_for_revision(last, 20s));
  EXPECT_TRUE(get_bool(client, "flags", "b"));
  EXPECT_EQ(get_int(client, "flags", "i"), 42);
  EXPECT_EQ(get_double(client, "flags", "d"), 2.5);
  EXPECT_EQ(get_double(client, "flags", "i"), 42.0);  // any number reads as a double
  EXPECT_EQ(get_string(client, "flags", "s"), "on");
  auto code_of = [](auto&& read) -> std::string {
    try {
      read();
    } catch (const ClientError& e) {
      return e.code();
    }
    return "no error";
  };
  // A wrong type is an error, with or without a default.
  EXPECT_EQ(code_of([&] { get_bool(client, "flags", "i"); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_bool(client, "flags", "n", false); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_int(client, "flags", "d"); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_int(client, "flags", "big", 0); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_int(client, "flags", "s"); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_double(client, "flags", "s", 0.0); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_double(client, "flags", "b"); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_string(client, "flags", "b", "x"); }), "type_mismatch");
  EXPECT_EQ(code_of([&] { get_string(client, "flags", "n"); }), "type_mismatch");
  // Absent: not_found, distinct from a mismatch; the default only when the caller gave one.
  EXPECT_EQ(code_of([&] { get_bool(client, "flags", "absent"); }), "not_found");
  EXPECT_EQ(code_of([&] { get_int(client, "flags", "absent"); }), "not_found");
  EXPECT_EQ(code_of([&] { get_double(client, "flags", "absent"); }), "not_found");
  EXPECT_EQ(code_of([&] { get_string(client, "flags", "absent"); }), "not_found");
  EXPECT_TRUE(get_bool(client, "flags", "absent", true));
  EXPECT_EQ(get_int(client, "flags", "absent", -1), -1);
  EXPECT_EQ(get_string(client, "flags", "absent", "given"), "given");
}

// Case 8. Change callbacks that mean something. Catches callbacks that fire per op while
// the transaction is half applied (a read of the other key inside the callback would see
// the old value), that lose the old value, or that fire for a write of an identical value.
TEST_F(ProductionFailures, CallbacksSeeTheWholeTransactionWithOldAndNewValues) {
  start();
  put("flags", "price", "10");
  put("flags", "currency", "\"EUR\"");
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_ready(20s));
  std::mutex mutex;
  std::vector<std::string> seen;  // "old->new (currency inside the callback)"
  std::atomic<int> every_write{0};
  client.on_change({"flags", "", std::string("price"), false}, [&](const ChangeBatch& batch) {
    std::lock_guard lock(mutex);
    for (const auto& c : batch.changes)
      seen.push_back(value_of(c.before) + "->" + value_of(c.after) + " " + value_of(client.get("flags", "currency")));
  });
  client.on_change({"flags", "", std::string("price"), true}, [&](const ChangeBatch&) { ++every_write; });
  client.txn(R"({"ops":[{"op":"put","collection":"flags","key":"price","value":20},)"
             R"({"op":"put","collection":"flags","key":"currency","value":"USD"}]})");
  client.put("flags", "price", "20");  // identical value
  auto last = client.put("flags", "price", "30");
  ASSERT_TRUE(client.wait_for_revision(last, 20s));
  ASSERT_TRUE(eventually([&] { return every_write == 3; })) << every_write;
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return seen.size() >= 2;
  }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, (std::vector<std::string>{"10->20 \"USD\"", "20->30 \"USD\""}));
}

// Case 9. Resync loop: every reconnect is refused a resume (the change log keeps one
// transaction and a writer moves it on), and the link is cut as soon as it is up, over and
// over. Catches a client that resets its backoff when a link comes up (or after a reset
// snapshot) and so reconnects in a tight loop, and resets that are not counted.
TEST_F(ProductionFailures, AClientResetOverAndOverBacksOffAndCountsTheResets) {
  start({"--changelog-retain", "1"});
  FaultProxy proxy(server_->host(), server_->port());
  for (int i = 0; i < 20; ++i) put("flags", "k" + std::to_string(i), std::to_string(i));
  auto options = test_client_options(proxy.url());
  options.backoff_initial = 20ms;
  options.backoff_max = 1000ms;
  options.stable_after = 30s;
  Client client(options);
  ASSERT_TRUE(client.wait_ready(20s));

  std::atomic<bool> stop{false};
  std::thread writer([&] {
    HttpClient http(server_->host(), server_->port());
    for (int i = 0; !stop; ++i) {
      http.request("PUT", "/v1/c/flags/w" + std::to_string(i % 5), std::to_string(i));
      std::this_thread::sleep_for(2ms);
    }
  });
  const auto window = 5s;
  const std::size_t accepted_before = proxy.accepted();
  std::uint64_t connects_seen = 0;  // the first link is cut too
  std::size_t cuts = 0;
  auto started = Clock::now();
  while (Clock::now() - started < window) {
    auto s = client.status();
    if (s.connects != connects_seen && s.state == LinkState::Live) {  // up again: cut it
      connects_seen = s.connects;
      proxy.cut();
      ++cuts;
    }
    std::this_thread::sleep_for(2ms);
  }
  const std::size_t attempts = proxy.accepted() - accepted_before;
  // What full-jitter backoff allows: delays are uniform in [0, cap], the cap doubling from
  // backoff_initial to backoff_max (6 steps here), then staying there; the mean delay at
  // the cap is backoff_max / 2. Three times the expected count at the cap, plus the ramp
  // and slack, is far above what a backing-off client does and far below a spinning one
  // (which reconnects every few milliseconds: hundreds in the window).
  const double ramp = 6, at_cap = std::chrono::duration<double>(window) / (options.backoff_max / 2.0);
  const std::size_t bound = static_cast<std::size_t>(ramp + 3 * at_cap + 5);
  stop = true;
  writer.join();
  auto status = client.status();
  const double server_resets = metric("hotstate_snapshot_resets_total");
  std::printf("[figure] resync loop: %zu connection attempts in %.1f s (%zu cuts), bound from the backoff %zu; "
              "client resets %llu, server hotstate_snapshot_resets_total %.0f\n",
              attempts, std::chrono::duration<double>(window).count(), cuts, bound,
              static_cast<unsigned long long>(status.resets), server_resets);
  EXPECT_GE(cuts, 2u) << "the scenario did not happen: the client never came back";
  EXPECT_LE(attempts, bound) << "the client reconnects faster than its backoff allows";
  EXPECT_GE(status.resets, 1u) << "resets must show in the client's status";
  EXPECT_GE(server_resets, 1.0) << "resets must show in the server's metrics";
  // And it still converges once the link is left alone.
  auto last = put("flags", "final", "1");
  EXPECT_TRUE(client.wait_for_revision(last, 30s));
  EXPECT_EQ(value_of(client.get("flags", "final")), "1");
}

// Case 10. Oversize and slow: a 900 KB record among small ones, for a client whose
// server-side queue limit (4096 bytes, the minimum) is far smaller than the record, through
// a proxy that delays every 64 KiB chunk by 50 ms, so the record takes longer to cross
// than twice the client's stale timeout (300 ms: three 100 ms heartbeats). Catches a
// server that drops the client (or replaces the frame by a catch-up that overflows again,
// forever) because one frame exceeds the queue limit; a client whose watchdog counts only
// whole messages, so a large frame still arriving looks like a dead link: it reconnects,
// resumes, gets the same large frame, and loops (found by this test, fixed in
// client/transport.cpp); and a truncated value.
TEST_F(ProductionFailures, AnOversizeRecordReachesASlowClientExactlyWithoutReconnects) {
  start({"--max-queue-bytes", "4096"});
  FaultProxy proxy(server_->host(), server_->port());
  put("flags", "small0", "0");
  Client client(test_client_options(proxy.url()));
  ASSERT_TRUE(client.wait_ready(20s));
  proxy.set_delay(50ms);

  std::string big(900 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + (i / 97) % 26);
  const std::string big_json = "\"" + big + "\"";
  auto sent_at = Clock::now();
  for (int i = 1; i <= 20; ++i) put("flags", "small" + std::to_string(i), std::to_string(i));
  auto big_revision = put("flags", "big", big_json);
  ASSERT_GT(big_revision, 0u);
  std::uint64_t last = 0;
  for (int i = 21; i <= 40; ++i) last = put("flags", "small" + std::to_string(i), std::to_string(i));
  ASSERT_TRUE(client.wait_for_revision(last, 60s)) << client.status().last_error;
  std::printf("[figure] oversize+slow: 900 KB record and 40 small ones delivered in %lld ms through a 50 ms/chunk "
              "proxy with a 4096-byte queue limit\n", ms_since(sent_at));
  auto record = client.get("flags", "big");
  ASSERT_NE(record, nullptr);
  EXPECT_TRUE(client.get_json("flags", "big") == big_json) << "the big value arrived altered";
  for (int i = 0; i <= 40; ++i)
    EXPECT_EQ(value_of(client.get("flags", "small" + std::to_string(i))), std::to_string(i));
  auto status = client.status();
  EXPECT_EQ(status.connects, 1u) << status.last_error;
  EXPECT_EQ(status.reconnect_attempts, 0u);
  EXPECT_EQ(status.resets, 0u);
  EXPECT_EQ(proxy.accepted(), 1u) << "the client reconnected";
}
