// Guarantee 3 of the README (docs/architecture.md, "Failures designed against": restart herds): "After a server restart clients resume by
// revision, not by snapshot." 500 real clients LIVE on a durable hotstated; the server
// restarts on the same port and data directory (SIGTERM, or kill -9); every client must
// come back by catch-up from its revision, and their reconnects must be spread by the
// client's full-jitter backoff. The spread is printed ("[figure] ..."), never asserted as
// a time limit.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <thread>

#include "eventually.hpp"
#include "herd.hpp"
#include "hotstate/value.hpp"
#include "server_process.hpp"
#include "stable_port.hpp"
#include "temp_dir.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kRecords = 200;
constexpr std::size_t kValueBytes = 100;
// Backoff the herd uses, chosen so the spread is visible: the first reconnect attempt
// after the drop comes at a uniformly random moment within 1 s, a second one (when the
// first found the server still down) within 2 s, and so on up to 4 s.
constexpr auto kBackoffInitial = 1000ms;
constexpr auto kBackoffMax = 4000ms;

enum class StopKind { Graceful, KillNine };
const char* name_of(StopKind kind) { return kind == StopKind::Graceful ? "Sigterm" : "KillNine"; }
void PrintTo(StopKind kind, std::ostream* out) { *out << name_of(kind); }

// When each client's reconnect reached the new server (its connection count went up),
// in milliseconds after `since`, sampled every millisecond or so.
std::vector<long long> watch_reconnects(const std::vector<std::unique_ptr<Client>>& clients, Clock::time_point since,
                                        std::chrono::milliseconds timeout) {
  std::vector<long long> at(clients.size(), -1);
  std::size_t seen = 0;
  auto deadline = Clock::now() + timeout;
  while (seen < clients.size() && Clock::now() < deadline) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (at[i] >= 0 || clients[i]->status().connects < 2) continue;
      at[i] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
      ++seen;
    }
    std::this_thread::sleep_for(1ms);
  }
  return at;
}

void print_spread(const char* how, std::vector<long long> at, long long down_ms) {
  std::sort(at.begin(), at.end());
  auto pick = [&](double q) { return at[std::min(at.size() - 1, static_cast<std::size_t>(q * double(at.size())))]; };
  std::printf("[figure] restart herd (%s): %zu clients; server down %lld ms; reconnects reached the new server "
              "first %lld ms, median %lld ms, p99 %lld ms, last %lld ms after the stop (backoff full jitter, "
              "initial %lld ms, max %lld ms)\n",
              how, at.size(), down_ms, at.front(), pick(0.5), pick(0.99), at.back(),
              static_cast<long long>(kBackoffInitial.count()), static_cast<long long>(kBackoffMax.count()));
  std::vector<std::size_t> buckets(static_cast<std::size_t>(at.back() / 100 + 1));
  for (long long t : at) ++buckets[static_cast<std::size_t>(t / 100)];
  std::size_t most = *std::max_element(buckets.begin(), buckets.end());
  for (std::size_t b = 0; b < buckets.size(); ++b)
    std::printf("[figure]   %5zu-%5zu ms %4zu %s\n", b * 100, b * 100 + 99, buckets[b],
                std::string(buckets[b] * 50 / std::max<std::size_t>(most, 1), '#').c_str());
}

class RestartHerd : public ::testing::TestWithParam<StopKind> {};

// Catches: a restart that sends every client a snapshot (a resume the new process does
// not recognise: change log not reloaded, epoch not kept, horizon past the clients), a
// client that gives up or resyncs, and a herd that reconnects all at once (no jitter).
TEST_P(RestartHerd, EveryClientResumesByRevisionWithoutASnapshot) {
  raise_fd_limit();
  const std::size_t herd = herd_size(500);
  TempDir dir(std::string("restart-herd-") + name_of(GetParam()));
  // The same port before and after the restart, out of reach of the herd's own sockets.
  const std::vector<std::string> server_args{"--data-dir", dir.str(), "--listen",
                                             "127.0.0.1:" + std::to_string(stable_port())};
  auto server = std::make_unique<ServerProcess>(server_args);
  auto http = std::make_unique<HttpClient>(server->host(), server->port());

  ClientOptions options;
  options.urls = {server->url()};
  options.backoff_initial = kBackoffInitial;
  options.backoff_max = kBackoffMax;
  auto clients = start_herd(herd, options, [](std::size_t) { return std::vector<Selector>{{"flags", ""}}; });
  ASSERT_TRUE(eventually([&] { return live_count(clients) == herd; }, 60s)) << live_count(clients) << " LIVE";
  // A few writes while everyone is connected, as deltas.
  const std::uint64_t revision = load_records(*http, "flags", "f", kRecords, kValueBytes, 50);
  ASSERT_GT(revision, 0u);
  for (auto& c : clients) ASSERT_TRUE(c->wait_for_revision(revision, 30s));
  const std::uint64_t epoch = clients[0]->status().epoch;

  auto stopped = Clock::now();
  if (GetParam() == StopKind::Graceful)
    EXPECT_EQ(server->stop(), 0);
  else
    server->kill_hard();
  http.reset();
  // Nothing is written while the server is down; it comes back on the same port and data.
  server = std::make_unique<ServerProcess>(server_args);
  const long long down_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped).count();
  http = std::make_unique<HttpClient>(server->host(), server->port());

  auto reconnected_at = watch_reconnects(clients, stopped, 60s);
  ASSERT_TRUE(std::none_of(reconnected_at.begin(), reconnected_at.end(), [](long long t) { return t < 0; }))
      << "some clients never reconnected";
  ASSERT_TRUE(eventually([&] { return live_count(clients) == herd; }, 60s)) << live_count(clients) << " LIVE";

  for (std::size_t i = 0; i < clients.size(); ++i) {
    SCOPED_TRACE("client " + std::to_string(i));
    auto status = clients[i]->status();
    EXPECT_EQ(status.state, LinkState::Live);
    EXPECT_EQ(status.epoch, epoch);
    EXPECT_EQ(status.revision, revision);
    EXPECT_EQ(status.resets, 0u);
    EXPECT_EQ(status.keys, kRecords);
  }
  for (std::size_t n = 0; n < kRecords; n += 37) {
    char key[32];
    std::snprintf(key, sizeof key, "f%05zu", n);
    auto json = clients[herd - 1]->get_json("flags", key);
    ASSERT_TRUE(json) << key;
    EXPECT_EQ(boost::json::parse(*json), boost::json::parse(loaded_value("f", n, kValueBytes))) << key;
  }
  // The new process served the whole herd from its change log: no snapshot at all.
  EXPECT_EQ(metric(*http, "hotstate_snapshots_total"), 0);
  EXPECT_EQ(metric(*http, "hotstate_snapshot_builds_total"), 0);
  EXPECT_EQ(metric(*http, "hotstate_snapshot_resets_total"), 0);
  EXPECT_EQ(metric(*http, "hotstate_catchups_total"), double(herd));

  // And the links are really live: a write after the restart reaches everyone.
  auto r = http->request("PUT", "/v1/c/flags/after-restart", "true");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::uint64_t after = r.json().at("revision").to_number<std::uint64_t>();
  for (auto& c : clients) EXPECT_TRUE(c->wait_for_revision(after, 30s));

  print_spread(name_of(GetParam()), reconnected_at, down_ms);
}

INSTANTIATE_TEST_SUITE_P(StopKinds, RestartHerd, ::testing::Values(StopKind::Graceful, StopKind::KillNine),
                         [](const auto& info) { return std::string(name_of(info.param)); });

}  // namespace
