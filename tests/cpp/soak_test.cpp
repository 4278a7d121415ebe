// The soak test, bounded: the faults last a minute by default, the whole test a few
// seconds more, and every wait has a deadline. 250 hotstate::Clients, most of them behind
// fault proxies that cut, stall, slow down and refuse their links, while four writers
// commit over HTTP and bad frames and bad requests arrive on connections of their own. At
// the end every replica equals the server's state for its selectors, no acknowledged
// write is missing, the server's memory stayed under a bound and it never crashed. The
// parts are in tests/cpp/soak/.
//
// Environment:
//   HOTSTATE_SOAK_SEED     the random seed (printed first; set it to replay the same
//                          choices; thread timing still differs from run to run)
//   HOTSTATE_SOAK_SECONDS  how long the faults last (default 60; 20 in sanitizer builds,
//                          which run several times slower)
//
// The server is durable (--data-dir), as it runs by default: "acknowledged" then means
// "synced", replies wait for the group committer, and the memory bound covers RocksDB's
// share. Its limits are small so that the rare paths are the common ones here: a 16 KiB
// stream queue overflows on any burst of commits (coalesced catch-ups), and a change log
// of at most 1,000 transactions and 5 seconds is outrun during an outage or a long stall
// (reset snapshots; the age limit keeps them coming in slow sanitizer builds too).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "eventually.hpp"
#include "fault_proxy.hpp"
#include "http_client.hpp"
#include "sanitized_build.hpp"
#include "server_export.hpp"
#include "server_process.hpp"
#include "soak/abuse.hpp"
#include "soak/client_fleet.hpp"
#include "soak/fault_schedule.hpp"
#include "soak/key_space.hpp"
#include "soak/problems.hpp"
#include "soak/process_watch.hpp"
#include "soak/thread_group.hpp"
#include "soak/writer.hpp"

using namespace hotstate;
using namespace hotstate::soak;
using namespace hotstate::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kWriters = 4;
constexpr std::array kProxyRoles{ProxyRole::Cuts, ProxyRole::Stalls, ProxyRole::SlowLinks, ProxyRole::Outages,
                                 ProxyRole::Mixed};
// Under a sanitizer (an -O0 build in ci/test.sh) each client costs several times more CPU:
// half the fleet, the same faults and checks.
constexpr int kClientsPerProxy = kSanitized ? 24 : 48;
constexpr int kDirectClients = 10;  // no proxy: the control group
constexpr auto kStaleAfter = 1000ms;
constexpr std::size_t kMaxValueBytes = 64 * 1024;
constexpr std::size_t kMaxRequestBytes = 128 * 1024;
// Ample for the clients to converge once the faults stop (the slowest waits out a
// backoff of at most a second, then resumes); only a failing run waits this long.
constexpr auto kSettleTimeout = 120s;

// The server's resident memory may not pass this (sampled every 200 ms). What it holds
// is bounded by the setup: about 20 MiB of code and runtime; RocksDB's 3 x 16 MiB of
// memtables and 8 MiB block cache (docs/storage.md); at most 768 keys of at most 4 KiB and
// a change log of 1,000 transactions of at most 8 such values (under 40 MiB together, a
// few MiB in practice); 250 stream queues of 16 KiB of deltas plus one snapshot chunk
// (256 KiB) or one catch-up each. Runs peak at about 45 MiB. Sanitizers add shadow memory
// and a quarantine of up to 256 MiB of freed blocks.
constexpr std::uint64_t kMaxServerRssBytes = (kSanitized ? 768ull : 160ull) << 20;

struct SoakSettings {
  std::uint64_t seed = 0;
  int seconds = 0;
};

std::uint64_t number_from_environment(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  char* end = nullptr;
  std::uint64_t value = std::strtoull(text, &end, 10);
  if (*end != '\0') throw std::invalid_argument(std::string(name) + " must be a whole number, not \"" + text + "\"");
  return value;
}

SoakSettings settings_from_environment() {
  SoakSettings settings;
  settings.seed = number_from_environment("HOTSTATE_SOAK_SEED", std::random_device{}());
  settings.seconds = static_cast<int>(number_from_environment("HOTSTATE_SOAK_SECONDS", kSanitized ? 20 : 60));
  return settings;
}

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() / ("hotstate-soak-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Unlabelled samples of /metrics by name.
std::map<std::string, double> read_metrics(HttpClient& http) {
  std::map<std::string, double> out;
  std::istringstream lines(http.request("GET", "/metrics").body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.find('{') != std::string::npos) continue;
    auto space = line.find(' ');
    if (space != std::string::npos) out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::string describe(const ClientStatus& s) {
  return std::string(to_string(s.state)) + " at revision " + std::to_string(s.revision) + " (server " +
         std::to_string(s.server_revision) + "), connects " + std::to_string(s.connects) + ", resets " +
         std::to_string(s.resets) + ", last error: " + s.last_error;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Proxy faults after which every client that was connected through it has to reconnect.
std::uint64_t disconnecting_faults(const FaultCounts& counts) {
  return counts.cuts + counts.long_stalls + counts.outages;
}

// Reconnects a client may make beyond one per fault that took its link: a client starved
// of CPU for over twice its stale timeout (a loaded, sanitized CI machine) drops a link
// that was fine. More than this is a reconnect or resync loop.
constexpr std::uint64_t kSpareReconnects = 5;

// The soak, step by step. Members are declared in the order they are needed, so they are
// destroyed in reverse: every thread stops before what it uses goes away, and the clients
// close before the proxies and the server.
class Soak : public ::testing::Test {
 protected:
  void start_server() {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--data-dir", data_dir_.str(), "--heartbeat-ms", "250", "--max-queue-bytes", "16384", "--changelog-retain",
        "1000", "--changelog-retain-seconds", "5", "--max-value-bytes", std::to_string(kMaxValueBytes),
        "--max-request-bytes", std::to_string(kMaxRequestBytes)});
    watch_ = std::make_unique<ProcessWatch>(server_->pid(), 200ms);
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  }

  void start_writers() {
    for (int w = 0; w < kWriters; ++w)
      writers_.push_back(std::make_unique<Writer>(w, server_->host(), server_->port(), seeds_(), problems_));
    for (auto& writer : writers_)
      writer_threads_.start([&writer = *writer](const StopSignal& stop) { writer.run(stop); });
  }

  // Every client, connected and ready. The proxies refuse connections until every client
  // has its callbacks attached, so the callbacks see everything from the start.
  void connect_fleet() {
    for (std::size_t p = 0; p < kProxyRoles.size(); ++p) {
      proxies_.push_back(std::make_unique<FaultProxy>(server_->host(), server_->port()));
      proxies_.back()->refuse(true);
    }
    std::mt19937_64 random(seeds_());
    for (int p = 0; p < static_cast<int>(proxies_.size()); ++p)
      for (int i = 0; i < kClientsPerProxy; ++i) {
        MirrorKind mirror = i % 4 != 0 ? MirrorKind::None : i % 16 == 0 ? MirrorKind::Slow : MirrorKind::Fast;
        fleet_.push_back(
            make_member(p, proxies_[p]->url(), random_selectors(random, kWriters), mirror, kStaleAfter));
      }
    for (int i = 0; i < kDirectClients; ++i)
      fleet_.push_back(
          make_member(-1, server_->url(), random_selectors(random, kWriters), MirrorKind::None, kStaleAfter));
    for (auto& proxy : proxies_) proxy->refuse(false);
    for (auto& member : fleet_)
      ASSERT_TRUE(member.client->wait_ready(60s)) << "never ready: " << describe(member.client->status());
  }

  // Faults on every proxy and bad input on connections of its own, for the set time; then
  // the proxies are healed and the writers stop.
  void run_faults() {
    for (std::size_t p = 0; p < proxies_.size(); ++p)
      chaos_threads_.start([&proxy = *proxies_[p], role = kProxyRoles[p], random = std::mt19937_64(seeds_()),
                            &counts = faults_[p]](const StopSignal& stop) {
        inject_faults(proxy, role, kStaleAfter, random, stop, counts);
      });
    chaos_threads_.start([this, target = AbuseTarget{server_->host(), server_->port(), kMaxValueBytes,
                                                     kMaxRequestBytes},
                          random = std::mt19937_64(seeds_())](const StopSignal& stop) {
      send_abuse(target, random, stop, abuse_, problems_);
    });
    chaos_started_ = Clock::now();
    while (Clock::now() - chaos_started_ < std::chrono::seconds(settings_.seconds) && watch_->death().empty())
      std::this_thread::sleep_for(100ms);
    chaos_threads_.stop();
    writer_threads_.stop();
    chaos_ended_ = Clock::now();
  }

  void expect_fleet_converged(const ExportedState& exported) {
    auto converged = [&](const ClientStatus& s) {
      return s.state == LinkState::Live && s.revision == exported.revision;
    };
    auto settle_started = Clock::now();
    bool all = eventually(
        [&] {
          return std::all_of(fleet_.begin(), fleet_.end(),
                             [&](const FleetMember& m) { return converged(m.client->status()); });
        },
        kSettleTimeout);
    settle_seconds_ = seconds_since(settle_started);
    int shown = 0;
    for (std::size_t i = 0; !all && i < fleet_.size() && shown < 10; ++i) {
      auto s = fleet_[i].client->status();
      if (converged(s)) continue;
      ADD_FAILURE() << "client " << i << " (proxy " << fleet_[i].proxy << ") did not converge to revision "
                    << exported.revision << ": " << describe(s);
      ++shown;
    }
  }

  void expect_replicas_equal(const ExportedState& exported) {
    int wrong = 0;
    for (std::size_t i = 0; i < fleet_.size(); ++i)
      if (auto difference = replica_difference(fleet_[i], exported); difference && ++wrong <= 10)
        ADD_FAILURE() << "client " << i << " (proxy " << fleet_[i].proxy << "): " << *difference;
    EXPECT_EQ(wrong, 0) << "replicas differ from the server's state";
  }

  // The dispatcher may still be working through a backlog: wait for it.
  void expect_mirrors_match() {
    bool match = eventually([&] {
      return std::none_of(fleet_.begin(), fleet_.end(), [](const FleetMember& m) { return mirror_difference(m); });
    }, 30s);
    for (std::size_t i = 0; !match && i < fleet_.size(); ++i)
      if (auto difference = mirror_difference(fleet_[i])) ADD_FAILURE() << "client " << i << ": " << *difference;
  }

  void expect_ledgers_hold(const ExportedState& exported) {
    for (const auto& writer : writers_) {
      auto contradictions = writer->contradictions(exported);
      for (std::size_t i = 0; i < contradictions.size() && i < 10; ++i)
        ADD_FAILURE() << "writer " << writer->id() << ": " << contradictions[i];
      EXPECT_TRUE(contradictions.empty())
          << contradictions.size() << " keys of writer " << writer->id() << " contradict its ledger";
    }
    // Bad requests aimed at kAbuseCollection; nothing but the writers' collections exists.
    for (const auto& [id, record] : exported.records)
      EXPECT_NE(std::find(kWriterCollections.begin(), kWriterCollections.end(), id.first), kWriterCollections.end())
          << id.first << "/" << id.second << " was stored by a request that should have been refused";
  }

  // Clients behind a proxy that cut, stalled for long or refused every link had to
  // reconnect (a long stall is noticed only by the client's own stale timeout), about
  // once per such fault; clients straight to the server never needed a reset snapshot.
  void expect_reconnects_fit_the_faults() {
    for (std::size_t i = 0; i < fleet_.size(); ++i) {
      const auto status = fleet_[i].client->status();
      std::uint64_t link_losses = 0;
      if (fleet_[i].proxy < 0) {
        EXPECT_EQ(status.resets, 0u) << "direct client " << i << ": " << describe(status);
      } else {
        const FaultCounts& proxy_faults = faults_[fleet_[i].proxy];
        link_losses = disconnecting_faults(proxy_faults) + proxy_faults.cuts_after_bytes;
        if (disconnecting_faults(proxy_faults) > 0) {
          EXPECT_GE(status.connects, 2u) << "client " << i << " behind the "
                                         << to_string(kProxyRoles[fleet_[i].proxy]) << " proxy never reconnected";
        }
      }
      EXPECT_LE(status.connects, 1 + link_losses + kSpareReconnects)
          << "client " << i << " (proxy " << fleet_[i].proxy
          << ") reconnected more often than its link was lost: " << describe(status);
    }
  }

  // The server's per-connection state drains: one stream per client, nothing queued.
  std::map<std::string, double> expect_server_drained() {
    std::map<std::string, double> metrics;
    bool drained = eventually([&] {
      metrics = read_metrics(*http_);
      return metrics["hotstate_stream_connections"] == static_cast<double>(fleet_.size()) &&
             metrics["hotstate_stream_lagging_clients"] == 0 && metrics["hotstate_stream_queue_bytes"] == 0;
    }, 30s);
    EXPECT_TRUE(drained) << "streams " << metrics["hotstate_stream_connections"] << " (clients " << fleet_.size()
                         << "), lagging " << metrics["hotstate_stream_lagging_clients"] << ", queued bytes "
                         << metrics["hotstate_stream_queue_bytes"];
    return metrics;
  }

  void print_summary(const ExportedState& exported, std::map<std::string, double> metrics) const {
    WriterTotals w;
    for (const auto& writer : writers_) {
      const auto& t = writer->totals();
      w.puts += t.puts + t.conditional_puts, w.deletes += t.deletes, w.txns += t.txns;
      w.refused += t.refused, w.unknown += t.unknown, w.read_backs += t.read_backs;
    }
    std::uint64_t cuts = 0, cuts_after_bytes = 0, short_stalls = 0, long_stalls = 0, slow = 0, outages = 0;
    for (const auto& f : faults_) {
      cuts += f.cuts, cuts_after_bytes += f.cuts_after_bytes, short_stalls += f.short_stalls;
      long_stalls += f.long_stalls, slow += f.slow_periods, outages += f.outages;
    }
    std::uint64_t connects = 0, resets = 0, batches = 0, reset_batches = 0;
    for (const auto& member : fleet_) {
      auto s = member.client->status();
      connects += s.connects, resets += s.resets;
      if (member.mirror) {
        std::lock_guard lock(member.mirror->mutex);
        batches += member.mirror->batches, reset_batches += member.mirror->resets;
      }
    }
    auto count = [&](const std::string& metric) { return static_cast<std::uint64_t>(metrics[metric]); };
    auto mib = [](std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; };
    const auto third = (chaos_ended_ - chaos_started_) / 3;
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << "soak summary: seed " << settings_.seed << ", " << fleet_.size() << " clients (" << kDirectClients
        << " direct, the rest behind " << proxies_.size() << " fault proxies), final revision " << exported.revision
        << ", " << exported.records.size() << " records\n"
        << "  writes acknowledged: " << w.puts << " puts, " << w.deletes << " deletes, " << w.txns << " txns; "
        << w.refused << " refused as expected, " << w.unknown << " unanswered, " << w.read_backs << " read back\n"
        << "  faults: " << cuts << " cuts, " << cuts_after_bytes << " cuts after n bytes, " << short_stalls
        << " short + " << long_stalls << " long stalls, " << slow << " slow periods, " << outages << " outages\n"
        << "  bad input: " << abuse_.bad_frames << " bad frames, " << abuse_.bad_requests << " bad requests\n"
        << "  server: " << count("hotstate_catchups_total") << " resumes, " << count("hotstate_snapshots_total")
        << " snapshots (" << count("hotstate_snapshot_resets_total") << " resets), "
        << count("hotstate_stream_queue_overflows_total") << " queue overflows, "
        << count("hotstate_stream_protocol_errors_total") << " protocol errors\n"
        << "  clients: " << connects << " connects, " << resets << " resets; mirrors applied " << batches
        << " change batches (" << reset_batches << " after a reset)\n"
        << "  server RSS: max " << mib(watch_->max_rss_bytes()) << " (first third of the faults "
        << mib(watch_->max_rss_bytes_between(chaos_started_, chaos_started_ + third)) << ", last third "
        << mib(watch_->max_rss_bytes_between(chaos_ended_ - third, chaos_ended_)) << "; bound "
        << mib(kMaxServerRssBytes) << ")\n"
        << "  seconds: " << setup_seconds_ << " setup, " << settings_.seconds << " faults, " << settle_seconds_
        << " settle, " << seconds_since(started_) << " in all\n";
    std::fputs(out.str().c_str(), stdout);
    std::fflush(stdout);
  }

  const SoakSettings settings_ = settings_from_environment();
  const Clock::time_point started_ = Clock::now();
  std::mt19937_64 seeds_{settings_.seed};  // every thread's generator is drawn from it, in a fixed order
  TempDir data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ProcessWatch> watch_;
  std::unique_ptr<HttpClient> http_;
  Problems problems_;
  std::vector<std::unique_ptr<Writer>> writers_;
  ThreadGroup writer_threads_;
  std::vector<std::unique_ptr<FaultProxy>> proxies_;
  std::vector<FleetMember> fleet_;
  std::vector<FaultCounts> faults_ = std::vector<FaultCounts>(kProxyRoles.size());
  AbuseCounts abuse_;
  ThreadGroup chaos_threads_;
  Clock::time_point chaos_started_, chaos_ended_;
  double setup_seconds_ = 0, settle_seconds_ = 0;
};

}  // namespace

TEST_F(Soak, ClientsConvergeAndNoAcknowledgedWriteIsLostUnderFaults) {
  std::printf("soak: seed %llu, %d s of faults (replay: HOTSTATE_SOAK_SEED=%llu HOTSTATE_SOAK_SECONDS=%d)\n",
              static_cast<unsigned long long>(settings_.seed), settings_.seconds,
              static_cast<unsigned long long>(settings_.seed), settings_.seconds);
  std::fflush(stdout);
  start_server();
  start_writers();  // the clients make their first sync while writes flow
  ASSERT_NO_FATAL_FAILURE(connect_fleet());
  setup_seconds_ = seconds_since(started_);
  run_faults();
  ASSERT_EQ(watch_->death(), "") << "the server died during the soak";

  // With the faults healed and nothing left to write, everything must add up.
  const ExportedState exported = read_export(*http_);
  expect_fleet_converged(exported);
  expect_replicas_equal(exported);
  expect_mirrors_match();
  expect_ledgers_hold(exported);
  for (const auto& line : problems_.report()) ADD_FAILURE() << line;  // what the background threads saw
  expect_reconnects_fit_the_faults();
  auto metrics = expect_server_drained();
  EXPECT_LE(watch_->max_rss_bytes(), kMaxServerRssBytes) << "the server's memory passed its bound";
  EXPECT_EQ(watch_->death(), "");
  print_summary(exported, metrics);

  fleet_.clear();  // the clients close before the server stops
  EXPECT_EQ(server_->stop(), 0) << "hotstated did not exit cleanly on SIGTERM";
}
