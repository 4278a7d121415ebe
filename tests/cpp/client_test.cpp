// hotstate::Client against a real hotstated (through a fault-injecting proxy where the
// link must misbehave): local reads, callbacks, status, reconnection, resume, cache.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
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

std::string value_of(const RecordPtr& record) { return record ? flex_to_json(record->value) : "<absent>"; }

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("hotstate-client-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--memory", "--heartbeat-ms", "100"});
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  }
  std::uint64_t put(const std::string& c, const std::string& k, const std::string& v) {
    auto r = http_->request("PUT", "/v1/c/" + c + "/" + percent_encode(k), v);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("revision").to_number<std::uint64_t>();
  }
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace

TEST_F(ClientTest, SyncsThenReadsLocally) {
  put("flags", "beta", R"({"on":true,"pct":12.5})");
  put("flags", "dark", "false");
  put("other", "x", "1");
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  auto status = client.status();
  EXPECT_EQ(status.state, LinkState::Live);
  EXPECT_EQ(status.source, DataSource::Server);
  EXPECT_EQ(status.revision, 3u);
  EXPECT_EQ(status.keys, 2u);
  EXPECT_EQ(value_of(client.get("flags", "beta")), R"({"on":true,"pct":12.5})");
  EXPECT_EQ(client.get_json("flags", "dark"), "false");
  EXPECT_EQ(client.get("flags", "nope"), nullptr);
  EXPECT_EQ(client.get("other", "x"), nullptr) << "not selected";
  auto all = client.scan("flags");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->key, "beta");
  auto txn = client.read();
  EXPECT_EQ(txn.revision(), 3u);
  ASSERT_NE(txn.get("flags", "beta"), nullptr);
  EXPECT_EQ(txn.get("flags", "beta")->version, 1u);
}

TEST_F(ClientTest, WritesAndReadsItsOwnWrites) {
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  auto revision = client.put("flags", "new flag/é", R"({"a":[1,2]})");
  ASSERT_TRUE(client.wait_for_revision(revision, 10s));
  EXPECT_EQ(value_of(client.get("flags", "new flag/é")), R"({"a":[1,2]})");
  auto again = client.put("flags", "new flag/é", "2", revision);
  EXPECT_GT(again, revision);
  try {
    client.put("flags", "new flag/é", "3", revision);  // stale condition
    FAIL() << "expected condition_failed";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "condition_failed");
    EXPECT_EQ(e.http_status(), 412);
  }
  auto deleted = client.del("flags", "new flag/é");
  ASSERT_TRUE(client.wait_for_revision(deleted, 10s));
  EXPECT_EQ(client.get("flags", "new flag/é"), nullptr);
  auto t = client.txn(R"({"ops":[{"op":"put","collection":"flags","key":"a","value":1},)"
                      R"({"op":"put","collection":"flags","key":"b","value":2}]})");
  ASSERT_TRUE(client.wait_for_revision(t, 10s));
  EXPECT_EQ(client.read().revision(), t);
  try {
    client.put("flags", "x", "{bad");
    FAIL() << "expected invalid_json";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), "invalid_json");
  }
}

TEST_F(ClientTest, ChangeCallbacksCarryWholeTransactionsWithOldAndNewValues) {
  put("flags", "a", "1");
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  std::mutex mutex;
  std::vector<ChangeBatch> batches;
  std::vector<std::string> keys_seen;
  client.on_change({"flags", "", std::nullopt, false}, [&](const ChangeBatch& batch) {
    std::lock_guard lock(mutex);
    batches.push_back(batch);
  });
  std::vector<std::string> only_b;
  client.on_change({"flags", "", std::string("b"), false}, [&](const ChangeBatch& batch) {
    std::lock_guard lock(mutex);
    for (const auto& c : batch.changes) only_b.emplace_back(c.key);
  });
  auto r1 = client.txn(R"({"ops":[{"op":"put","collection":"flags","key":"a","value":2},)"
                       R"({"op":"put","collection":"flags","key":"b","value":3},)"
                       R"({"op":"put","collection":"other","key":"z","value":3}]})");
  auto r2 = client.put("flags", "a", "2");  // same value: no value-change callback
  auto r3 = client.del("flags", "b");
  ASSERT_TRUE(client.wait_for_revision(r3, 10s));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return batches.size() >= 2;
  }));
  std::this_thread::sleep_for(100ms);
  std::lock_guard lock(mutex);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].revision, r1);
  ASSERT_EQ(batches[0].changes.size(), 2u);
  for (const auto& c : batches[0].changes) {
    if (c.key == "a") {
      EXPECT_EQ(value_of(c.before), "1");
      EXPECT_EQ(value_of(c.after), "2");
    } else {
      EXPECT_EQ(c.key, "b");
      EXPECT_EQ(c.before, nullptr);
      EXPECT_EQ(value_of(c.after), "3");
    }
  }
  EXPECT_EQ(batches[1].revision, r3);
  ASSERT_EQ(batches[1].changes.size(), 1u);
  EXPECT_EQ(value_of(batches[1].changes[0].before), "3");
  EXPECT_EQ(batches[1].changes[0].after, nullptr);
  EXPECT_EQ(only_b, (std::vector<std::string>{"b", "b"}));
  (void)r2;
}

TEST_F(ClientTest, UnchangedWritesAreDeliveredWhenAskedFor) {
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  std::atomic<int> calls{0};
  client.on_change({"flags", "", std::nullopt, true}, [&](const ChangeBatch&) { ++calls; });
  client.put("flags", "a", "1");
  auto last = client.put("flags", "a", "1");
  ASSERT_TRUE(client.wait_for_revision(last, 10s));
  EXPECT_TRUE(eventually([&] { return calls == 2; }));
}

TEST_F(ClientTest, SurvivesServerLossAndConvergesThroughAProxy) {
  FaultProxy proxy(server_->host(), server_->port());
  put("flags", "a", "1");
  auto options = test_client_options(proxy.url());
  Client client(options);
  ASSERT_TRUE(client.wait_ready(10s));
  std::atomic<int> resets{0};
  client.on_change({}, [&](const ChangeBatch& batch) {
    if (batch.reset) ++resets;
  });

  // The server goes away: reads keep answering from the last state, status says so.
  server_->stop();
  proxy.refuse(true);
  proxy.cut();
  ASSERT_TRUE(eventually([&] { return client.status().state == LinkState::Offline; }));
  EXPECT_EQ(value_of(client.get("flags", "a")), "1");
  EXPECT_FALSE(client.status().last_error.empty());

  // A new server (a new history: --memory) comes up behind the proxy.
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--memory", "--heartbeat-ms", "100"});
  http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  put("flags", "a", "1");   // same value as before
  put("flags", "b", "2");   // new
  proxy.set_target(server_->host(), server_->port());
  proxy.refuse(false);
  ASSERT_TRUE(eventually([&] {
    return client.status().state == LinkState::Live && client.get("flags", "b") != nullptr;
  }));
  EXPECT_EQ(value_of(client.get("flags", "b")), "2");
  EXPECT_EQ(client.status().resets, 1u);
  EXPECT_TRUE(eventually([&] { return resets == 1; }));
}

TEST_F(ClientTest, ResumesWithoutASnapshotAfterACut) {
  FaultProxy proxy(server_->host(), server_->port());
  for (int i = 0; i < 100; ++i) put("flags", "k" + std::to_string(i), std::to_string(i));
  Client client(test_client_options(proxy.url()));
  ASSERT_TRUE(client.wait_ready(10s));
  auto snapshots_before = http_->request("GET", "/metrics").body;
  proxy.cut();
  auto last = put("flags", "k1", "\"changed\"");
  ASSERT_TRUE(client.wait_for_revision(last, 10s));
  EXPECT_EQ(value_of(client.get("flags", "k1")), "\"changed\"");
  EXPECT_GE(client.status().connects, 2u);
  auto metrics = http_->request("GET", "/metrics").body;
  EXPECT_NE(metrics.find("\nhotstate_snapshots_total 1\n"), std::string::npos) << "resume must not snapshot";
  EXPECT_EQ(metrics.find("\nhotstate_catchups_total 0\n"), std::string::npos) << "the reconnect resumed";
}

TEST_F(ClientTest, CutInTheMiddleOfASnapshotConverges) {
  FaultProxy proxy(server_->host(), server_->port());
  std::string big = "\"" + std::string(2000, 'x') + "\"";
  for (int i = 0; i < 1000; ++i) put("flags", "k" + std::to_string(i), big);
  proxy.cut_after_bytes_to_client(500'000);
  Client client(test_client_options(proxy.url()));
  ASSERT_TRUE(client.wait_ready(20s));
  EXPECT_EQ(client.status().keys, 1000u);
  EXPECT_GE(client.status().connects, 2u);
  EXPECT_EQ(client.status().resets, 0u) << "the half-received snapshot was never installed";
}

TEST_F(ClientTest, GoesStaleWhenTheLinkStallsThenReconnects) {
  FaultProxy proxy(server_->host(), server_->port());
  auto options = test_client_options(proxy.url());
  options.stale_after = 300ms;
  options.connect_timeout = 500ms;
  Client client(options);
  ASSERT_TRUE(client.wait_ready(10s));
  put("flags", "before", "1");
  ASSERT_TRUE(eventually([&] { return client.get("flags", "before") != nullptr; }));
  proxy.stall(true);  // a black hole: nothing arrives, nothing is closed
  ASSERT_TRUE(eventually([&] { return client.status().state == LinkState::Stale; }, 5s));
  EXPECT_EQ(value_of(client.get("flags", "before")), "1") << "reads go on while stale";
  // The client drops the dead link by itself and keeps trying.
  ASSERT_TRUE(eventually([&] {
    auto s = client.status();
    return s.state == LinkState::Offline || s.state == LinkState::Connecting;
  }, 5s));
  EXPECT_NE(client.status().last_error.find("no frame"), std::string::npos) << client.status().last_error;
  put("flags", "during", "1");
  proxy.stall(false);
  ASSERT_TRUE(eventually([&] { return client.get("flags", "during") != nullptr; }, 10s));
  EXPECT_TRUE(eventually([&] { return client.status().state == LinkState::Live; }));
}

TEST_F(ClientTest, ReconnectNowDropsTheLinkAtOnce) {
  FaultProxy proxy(server_->host(), server_->port());
  Client client(test_client_options(proxy.url()));
  ASSERT_TRUE(client.wait_ready(10s));
  auto connects = client.status().connects;
  client.reconnect_now();
  ASSERT_TRUE(eventually([&] { return client.status().connects > connects; }));
  auto last = put("flags", "after", "1");
  EXPECT_TRUE(client.wait_for_revision(last, 10s));
  EXPECT_GE(proxy.accepted(), 2u);  // a slow machine may also hit the stale timeout
}

TEST_F(ClientTest, StartsFromTheOfflineCacheWithTheServerDown) {
  std::string cache = temp_path("cache-start.bin");
  std::filesystem::remove(cache);
  put("flags", "a", "\"cached\"");
  {
    auto options = test_client_options(server_->url());
    options.cache_path = cache;
    Client client(options);
    ASSERT_TRUE(client.wait_ready(10s));
  }  // close() writes the cache
  ASSERT_TRUE(std::filesystem::exists(cache));

  FaultProxy proxy(server_->host(), server_->port());
  proxy.refuse(true);
  auto options = test_client_options(proxy.url());
  options.cache_path = cache;
  Client client(options);
  EXPECT_EQ(value_of(client.get("flags", "a")), "\"cached\"") << "served at once, before any connection";
  EXPECT_EQ(client.status().source, DataSource::Cache);
  ASSERT_TRUE(eventually([&] { return client.status().state == LinkState::Offline; }));
  EXPECT_EQ(value_of(client.get("flags", "a")), "\"cached\"");

  auto later = put("flags", "b", "2");
  proxy.refuse(false);
  ASSERT_TRUE(client.wait_for_revision(later, 10s));
  EXPECT_EQ(client.status().source, DataSource::Server);
  EXPECT_EQ(client.status().resets, 0u) << "resumed from the cache's position";
  std::filesystem::remove(cache);
}

TEST_F(ClientTest, CorruptOrForeignCacheFilesAreIgnored) {
  put("flags", "a", "1");
  std::string cache = temp_path("cache-bad.bin");
  std::vector<std::string> contents{"", "garbage", std::string("HSCACHE1") + std::string(100, '\0'),
                                    std::string(4096, '\xff')};
  for (const auto& bytes : contents) {
    {
      std::ofstream(cache, std::ios::binary) << bytes;
    }
    // Port 1 answers nothing: what the client serves can only come from the file. (With a
    // live server a loaded machine may see the snapshot arrive before status() is read.)
    auto offline = test_client_options("http://127.0.0.1:1");
    offline.cache_path = cache;
    {
      Client client(offline);
      EXPECT_EQ(client.status().source, DataSource::None);
      EXPECT_EQ(client.status().keys, 0u);
    }
    auto options = test_client_options(server_->url());
    options.cache_path = cache;
    Client client(options);  // ignores the file again, and syncs
    ASSERT_TRUE(client.wait_ready(10s));
    EXPECT_EQ(value_of(client.get("flags", "a")), "1");
  }
  // A good file written for other selectors is foreign too.
  {
    auto options = test_client_options(server_->url());
    options.cache_path = cache;
    Client client(options);
    ASSERT_TRUE(client.wait_ready(10s));
  }
  auto other = test_client_options(server_->url(), {{"other", ""}});
  other.cache_path = cache;
  Client client(other);
  // None, or Server once the snapshot came (a loaded machine may be that slow to read it).
  EXPECT_NE(client.status().source, DataSource::Cache);
  EXPECT_NE(client.status().last_error.find("other selectors"), std::string::npos);
  std::filesystem::remove(cache);
}

TEST_F(ClientTest, ManyReadersDuringResetsSeeWholeStates) {
  // A change log of one entry: every reconnect after a few writes is a reset snapshot.
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--memory", "--heartbeat-ms", "100", "--changelog-retain", "1"});
  http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  FaultProxy proxy(server_->host(), server_->port());
  // Every state the server goes through has a == b: readers must never see them differ.
  auto pair_txn = [&](int i) {
    auto r = http_->request("POST", "/v1/txn",
                            R"({"ops":[{"op":"put","collection":"flags","key":"a","value":)" + std::to_string(i) +
                                R"(},{"op":"put","collection":"flags","key":"b","value":)" + std::to_string(i) + "}]}");
    EXPECT_EQ(r.status, 200);
  };
  pair_txn(0);
  Client client(test_client_options(proxy.url()));
  ASSERT_TRUE(client.wait_ready(10s));
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      while (!stop) {
        auto txn = client.read();
        const Record* a = txn.get("flags", "a");
        const Record* b = txn.get("flags", "b");
        if (!a || !b || a->value != b->value) ++torn;
        auto ra = client.get("flags", "a");
        if (!ra) ++torn;
        ++reads;
      }
    });
  for (int i = 1; i <= 200; ++i) {
    if (i % 50 == 10) proxy.stall(true);  // writes pile up while the link is held...
    pair_txn(i);
    if (i % 50 == 20) {
      proxy.stall(false);
      proxy.cut();  // ...then it breaks: the resume is past the horizon, so a reset follows
    }
  }
  auto last = http_->request("GET", "/v1/status").json().at("revision").to_number<std::uint64_t>();
  EXPECT_TRUE(client.wait_for_revision(last, 10s))
      << to_string(client.status().state) << " at " << client.status().revision << ": " << client.status().last_error;
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(value_of(client.get("flags", "a")), "200");
  EXPECT_GE(client.status().resets, 1u);
}

TEST_F(ClientTest, TriesEveryServerUrlInTurn) {
  ServerProcess gone;
  std::string dead = gone.url();
  gone.stop();
  put("flags", "a", "1");
  auto options = test_client_options(dead);
  options.urls.push_back(server_->url());
  Client client(options);
  ASSERT_TRUE(client.wait_ready(10s));
  EXPECT_EQ(client.status().server_url, server_->url());
  EXPECT_EQ(value_of(client.get("flags", "a")), "1");
  // Writes skip the unreachable server too.
  auto revision = client.put("flags", "b", "2");
  EXPECT_TRUE(client.wait_for_revision(revision, 10s));
}

TEST_F(ClientTest, CloseFromInsideACallbackAndWhileConnecting) {
  {
    auto client = std::make_unique<Client>(test_client_options(server_->url()));
    std::atomic<bool> closed{false};
    client->on_change({}, [&](const ChangeBatch&) {
      client->close();
      closed = true;
    });
    put("flags", "x", "1");
    ASSERT_TRUE(eventually([&] { return closed.load(); }));
    EXPECT_EQ(client->status().state, LinkState::Closed);
    client.reset();
  }
  {
    ServerProcess gone;
    std::string url = gone.url();
    gone.stop();
    auto start = std::chrono::steady_clock::now();
    {
      Client client(test_client_options(url));
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "close() must not wait for backoff";
  }
}

// The after-close rule, the same as hs_client_close's (tests/capi use_after_close):
// catches a call that still reads, writes or subscribes on a closed client, or one that
// stops answering that should not (status, unsubscribe, what was read before).
TEST_F(ClientTest, AfterCloseEverythingButStatusFailsClosedAndChangesNothing) {
  Client client(test_client_options(server_->url()));
  ASSERT_TRUE(client.wait_ready(10s));
  auto revision = client.put("flags", "kept", "1");
  ASSERT_TRUE(client.wait_for_revision(revision, 10s));
  RecordPtr before = client.get("flags", "kept");
  ReadTxn txn = client.read();
  auto id = client.on_status([](const ClientStatus&) {});
  client.close();
  client.close();  // idempotent

  auto expect_closed = [](const char* what, auto&& call) {
    try {
      call();
      ADD_FAILURE() << what << " did not throw";
    } catch (const ClientError& e) {
      EXPECT_EQ(e.kind(), ErrorCode::Closed) << what;
      EXPECT_EQ(e.code(), "closed") << what;
    }
  };
  expect_closed("get", [&] { client.get("flags", "kept"); });
  expect_closed("get_json", [&] { client.get_json("flags", "kept"); });
  expect_closed("scan", [&] { client.scan("flags"); });
  expect_closed("read", [&] { client.read(); });
  expect_closed("put", [&] { client.put("flags", "kept", "2"); });
  expect_closed("del", [&] { client.del("flags", "kept"); });
  expect_closed("txn", [&] { client.txn(R"({"ops":[]})"); });
  expect_closed("wait_ready", [&] { client.wait_ready(10ms); });
  expect_closed("wait_for_revision", [&] { client.wait_for_revision(1, 10ms); });
  expect_closed("reconnect_now", [&] { client.reconnect_now(); });
  expect_closed("on_change", [&] { client.on_change({}, [](const ChangeBatch&) {}); });
  expect_closed("on_status", [&] { client.on_status([](const ClientStatus&) {}); });
  expect_closed("on_flag_change", [&] { client.on_flag_change("flags", "f", {}, [](const FlagEvaluation&) {}); });
  expect_closed("flag_problems", [&] { client.flag_problems(); });
  auto evaluated = client.evaluate_bool("flags", "f", true);
  EXPECT_TRUE(evaluated.value);
  EXPECT_EQ(evaluated.details.error, FlagErrorCode::General);
  EXPECT_EQ(evaluated.details.error_message, "the client is closed");

  EXPECT_EQ(client.status().state, LinkState::Closed);
  client.unsubscribe(id);
  EXPECT_EQ(value_of(before), "1");
  EXPECT_EQ(value_of(txn.get_shared("flags", "kept")), "1");
}

TEST(ClientOptionsTest, BadOptionsAreRefused) {
  auto expect_invalid = [](ClientOptions options) {
    try {
      Client client(std::move(options));
      ADD_FAILURE() << "accepted";
    } catch (const ClientError& e) {
      EXPECT_EQ(e.code(), "invalid_argument");
    }
  };
  expect_invalid(ClientOptions{});
  expect_invalid(test_client_options("http://127.0.0.1:1", {}));
  expect_invalid(test_client_options("http://127.0.0.1:1", {{"bad name", ""}}));
  expect_invalid(test_client_options("ftp://127.0.0.1:1"));
  auto backoff = test_client_options("http://127.0.0.1:1");
  backoff.backoff_initial = 0ms;
  expect_invalid(backoff);
}
