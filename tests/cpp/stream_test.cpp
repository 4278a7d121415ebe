// /v1/stream against a real hotstated: snapshot then deltas, resume, reset, atomicity,
// backpressure, many streams, and the protocol's error handling.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <thread>

#include "http_client.hpp"
#include "scrape_metric.hpp"
#include "server_process.hpp"
#include "stream_client.hpp"

using namespace hotstate;
using namespace hotstate::testing;
namespace json = boost::json;

namespace {

using Replica = std::map<std::pair<std::string, std::string>, ReplicaRecord>;

// The server's records in the given collections, as a replica would hold them.
Replica server_state(HttpClient& http, const std::vector<std::string>& collections) {
  Replica out;
  for (const auto& collection : collections) {
    std::string after;
    for (;;) {
      auto response = http.request("GET", "/v1/c/" + collection + "?limit=1000&after=" + after);
      EXPECT_EQ(response.status, 200);
      auto doc = response.json().as_object();
      for (const auto& r : doc["records"].as_array()) {
        const auto& o = r.as_object();
        ReplicaRecord record;
        record.json = json::serialize(o.at("value"));
        record.create_revision = o.at("create_revision").to_number<std::uint64_t>();
        record.mod_revision = o.at("mod_revision").to_number<std::uint64_t>();
        record.version = o.at("version").to_number<std::uint64_t>();
        out[{collection, std::string(o.at("key").as_string())}] = record;
      }
      if (!doc["more"].as_bool()) break;
      after = std::string(doc["next_after"].as_string());  // test keys need no escaping
    }
  }
  return out;
}

// The replica's values re-serialized the same way as server_state's (key order and number
// formatting as Boost.JSON prints them).
Replica normalized(const Replica& replica) {
  Replica out = replica;
  for (auto& [id, record] : out) record.json = json::serialize(json::parse(record.json));
  return out;
}

std::uint64_t put(HttpClient& http, const std::string& collection, const std::string& key,
                  const std::string& value) {
  auto response = http.request("PUT", "/v1/c/" + collection + "/" + key, value);
  EXPECT_EQ(response.status, 200) << response.body;
  return response.json().at("revision").to_number<std::uint64_t>();
}

std::uint64_t server_revision(HttpClient& http) {
  return http.request("GET", "/v1/status").json().at("revision").to_number<std::uint64_t>();
}

std::uint64_t metric(HttpClient& http, const std::string& name) {
  return static_cast<std::uint64_t>(scrape_metric(http, name).value_or(0));
}

std::vector<protocol::SelectorSpec> whole(const std::string& collection) {
  return {{collection, ""}};
}

class StreamTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {"--memory"}) {
    server_ = std::make_unique<ServerProcess>(std::move(args));
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  }
  std::unique_ptr<StreamClient> connect() {
    return std::make_unique<StreamClient>(server_->host(), server_->port());
  }
  void SetUp() override { start(); }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace

TEST_F(StreamTest, WelcomeNamesTheHistory) {
  put(*http_, "c", "k", "1");
  auto client = connect();
  const auto& welcome = client->hello();
  auto status = http_->request("GET", "/v1/status").json().as_object();
  char epoch[17];
  std::snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(welcome.epoch()));
  EXPECT_EQ(std::string(epoch), status["epoch"].as_string());
  EXPECT_EQ(welcome.revision(), 1u);
  EXPECT_EQ(welcome.protocol(), protocol::kProtocolVersion);
  EXPECT_GT(welcome.heartbeat_ms(), 0u);
}

TEST_F(StreamTest, SnapshotInChunksThenChainedDeltas) {
  std::string big = "\"" + std::string(1000, 'v') + "\"";
  for (int i = 0; i < 1000; ++i) put(*http_, "flags", "k" + std::to_string(i), big);
  put(*http_, "other", "x", "1");

  auto client = connect();
  client->hello();
  client->subscribe(whole("flags"));
  auto begin = client->next_of(wire::Message::SnapshotBegin);
  ASSERT_TRUE(begin);
  EXPECT_FALSE(begin->frame().message_as_SnapshotBegin()->reset());
  EXPECT_EQ(begin->frame().message_as_SnapshotBegin()->revision(), 1001u);
  std::size_t chunks = 0;
  for (;;) {
    auto frame = client->next();
    ASSERT_TRUE(frame);
    client->apply(*frame);
    if (frame->type() == wire::Message::SnapshotChunk) ++chunks;
    if (frame->type() == wire::Message::SnapshotEnd) break;
  }
  EXPECT_GE(chunks, 3u) << "1 MB of records should arrive in several chunks";
  EXPECT_EQ(client->position(), 1001u);
  EXPECT_EQ(client->replica().size(), 1000u);

  put(*http_, "flags", "k1", "{\"on\":true}");
  put(*http_, "other", "y", "2");  // not selected: only moves the position
  ASSERT_EQ(http_->request("DELETE", "/v1/c/flags/k2").status, 200);
  std::uint64_t last = put(*http_, "flags", "new", "[1,2.5,\"x\",null]");
  ASSERT_TRUE(client->sync_to(last));
  EXPECT_EQ(normalized(client->replica()), server_state(*http_, {"flags"}));
  EXPECT_EQ(client->replica().count({"flags", "k2"}), 0u);
}

TEST_F(StreamTest, SelectorsFilterByCollectionAndPrefix) {
  auto client = connect();
  client->hello();
  client->subscribe({{"users", "eu/"}, {"flags", ""}});
  ASSERT_TRUE(client->next_of(wire::Message::SnapshotEnd));
  put(*http_, "users", "us/1", "1");
  put(*http_, "users", "eu/1", "2");
  put(*http_, "config", "x", "3");
  // One transaction touching selected and unselected records: only the selected ops come.
  auto txn = http_->request("POST", "/v1/txn",
                            R"({"ops":[{"op":"put","collection":"users","key":"us/2","value":1},)"
                            R"({"op":"put","collection":"flags","key":"f","value":true}]})");
  ASSERT_EQ(txn.status, 200) << txn.body;
  std::uint64_t last = put(*http_, "users", "eu/2", "4");
  ASSERT_TRUE(client->sync_to(last));
  Replica expected = server_state(*http_, {"flags"});
  for (auto& [id, record] : server_state(*http_, {"users"}))
    if (id.second.starts_with("eu/")) expected[id] = record;
  EXPECT_EQ(normalized(client->replica()), expected);
  EXPECT_EQ(client->replica().size(), 3u);
}

TEST_F(StreamTest, TransactionArrivesAsOneDelta) {
  auto client = connect();
  client->hello();
  client->subscribe(whole("t"));
  ASSERT_TRUE(client->next_of(wire::Message::SnapshotEnd));
  std::string body = R"({"ops":[)";
  for (int i = 0; i < 50; ++i)
    body += std::string(i ? "," : "") + R"({"op":"put","collection":"t","key":"k)" + std::to_string(i) +
            R"(","value":)" + std::to_string(i) + "}";
  body += "]}";
  auto response = http_->request("POST", "/v1/txn", body);
  ASSERT_EQ(response.status, 200) << response.body;
  auto delta = client->next_of(wire::Message::Delta);
  ASSERT_TRUE(delta);
  const auto* d = delta->frame().message_as_Delta();
  ASSERT_EQ(d->txns()->size(), 1u);
  EXPECT_EQ(d->txns()->Get(0)->ops()->size(), 50u);
  EXPECT_EQ(d->txns()->Get(0)->revision(), 1u);
  EXPECT_EQ(d->from_revision(), 0u);
  EXPECT_EQ(d->to_revision(), 1u);
  EXPECT_EQ(client->replica().size(), 50u);
}

TEST_F(StreamTest, ResumeInsideTheLogSendsOnlyWhatWasMissed) {
  for (int i = 0; i < 10; ++i) put(*http_, "c", "k" + std::to_string(i), std::to_string(i));
  std::uint64_t epoch = 0, position = 0;
  Replica kept;
  {
    auto client = connect();
    client->hello();
    client->subscribe(whole("c"));
    ASSERT_TRUE(client->sync_to(10));
    epoch = client->epoch();
    position = client->position();
    kept = client->replica();
  }
  for (int i = 5; i < 15; ++i) put(*http_, "c", "k" + std::to_string(i), "\"changed\"");
  ASSERT_EQ(http_->request("DELETE", "/v1/c/c/k0").status, 200);
  std::uint64_t last = server_revision(*http_);

  auto client = connect();
  client->hello();
  client->seed(epoch, position, kept);
  client->subscribe(whole("c"), protocol::PositionSpec{epoch, position});
  auto first = client->next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type(), wire::Message::Delta) << "resume must not start with a snapshot";
  client->apply(*first);
  ASSERT_TRUE(client->sync_to(last));
  EXPECT_EQ(client->snapshots_seen(), 0u);
  EXPECT_EQ(normalized(client->replica()), server_state(*http_, {"c"}));
  EXPECT_EQ(metric(*http_, "hotstate_catchups_total"), 1u);
}

TEST_F(StreamTest, ResumePastTheHorizonGetsAResetSnapshot) {
  start({"--memory", "--changelog-retain", "10"});
  for (int i = 0; i < 5; ++i) put(*http_, "c", "k" + std::to_string(i), "1");
  auto first = connect();
  first->hello();
  first->subscribe(whole("c"));
  ASSERT_TRUE(first->sync_to(5));
  auto kept = first->replica();
  std::uint64_t epoch = first->epoch(), position = first->position();
  first->close();

  for (int i = 0; i < 40; ++i) put(*http_, "c", "k" + std::to_string(i % 7), std::to_string(i));
  ASSERT_EQ(http_->request("DELETE", "/v1/c/c/k1").status, 200);
  auto status = http_->request("GET", "/v1/status").json().as_object();
  EXPECT_GT(status["changelog"].as_object()["horizon"].to_number<std::uint64_t>(), position);

  auto client = connect();
  client->hello();
  client->seed(epoch, position, kept);
  client->subscribe(whole("c"), protocol::PositionSpec{epoch, position});
  auto begin = client->next_of(wire::Message::SnapshotBegin);
  ASSERT_TRUE(begin);
  EXPECT_TRUE(begin->frame().message_as_SnapshotBegin()->reset());
  ASSERT_TRUE(client->sync_to(server_revision(*http_)));
  EXPECT_EQ(normalized(client->replica()), server_state(*http_, {"c"}));
  EXPECT_EQ(client->replica().count({"c", "k1"}), 0u);
  EXPECT_EQ(metric(*http_, "hotstate_snapshot_resets_total"), 1u);
}

TEST_F(StreamTest, ResumeFromAnotherEpochGetsAResetSnapshot) {
  put(*http_, "c", "k", "1");
  auto client = connect();
  client->hello();
  client->subscribe(whole("c"), protocol::PositionSpec{12345, 1});
  auto begin = client->next_of(wire::Message::SnapshotBegin);
  ASSERT_TRUE(begin);
  EXPECT_TRUE(begin->frame().message_as_SnapshotBegin()->reset());
  ASSERT_TRUE(client->sync_to(1));
  EXPECT_EQ(client->replica().size(), 1u);
}

TEST_F(StreamTest, IdleStreamsGetProgressHeartbeats) {
  start({"--memory", "--heartbeat-ms", "100"});
  put(*http_, "c", "k", "1");
  auto client = connect();
  client->hello();
  client->subscribe(whole("unrelated"));
  ASSERT_TRUE(client->next_of(wire::Message::SnapshotEnd));
  auto progress = client->next_of(wire::Message::Progress, 2s);
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->frame().message_as_Progress()->revision(), 1u);
  // Writes elsewhere move an idle subscriber's position forward through Progress.
  std::uint64_t last = put(*http_, "c", "k2", "2");
  ASSERT_TRUE(client->sync_to(last, 2s));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->next_of(wire::Message::Progress, 2s)) << i;
}

TEST_F(StreamTest, PingGetsPong) {
  auto client = connect();
  client->hello();
  client->send(protocol::encode_ping(77));
  auto pong = client->next_of(wire::Message::Pong);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->frame().message_as_Pong()->nonce(), 77u);
}

TEST_F(StreamTest, UnsubscribeStopsDeltas) {
  auto client = connect();
  client->hello();
  client->subscribe(whole("c"));
  ASSERT_TRUE(client->next_of(wire::Message::SnapshotEnd));
  client->send(protocol::encode_unsubscribe());
  client->send(protocol::encode_ping(1));  // processed after Unsubscribe
  ASSERT_TRUE(client->next_of(wire::Message::Pong));
  put(*http_, "c", "k", "1");
  client->send(protocol::encode_ping(2));
  auto pong = client->next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->type(), wire::Message::Pong) << "no delta after Unsubscribe";
}

TEST_F(StreamTest, SlowConsumerNeverBlocksWritersAndCatchesUpExactly) {
  start({"--memory", "--max-queue-bytes", "65536", "--changelog-retain", "200000"});
  auto watcher = connect();  // a healthy client, to show others are unaffected
  watcher->hello();
  watcher->subscribe(whole("load"));
  ASSERT_TRUE(watcher->next_of(wire::Message::SnapshotEnd));

  auto slow = connect();
  slow->hello();
  slow->subscribe(whole("load"));
  ASSERT_TRUE(slow->next_of(wire::Message::SnapshotEnd));
  // `slow` now reads nothing while up to 100,000 writes happen. The writing stops after
  // 12 s, well inside the server's 30 s idle timeout: a peer silent for longer than that
  // is rightly dropped as dead (sanitizer builds on a busy machine are that slow).
  constexpr int kMaxWrites = 100'000;
  const auto stop_writing = std::chrono::steady_clock::now() + 12s;
  int writes = 0;
  std::uint64_t last = 0;
  for (int i = 0; i < kMaxWrites && std::chrono::steady_clock::now() < stop_writing; ++i, ++writes) {
    std::string value = "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(100, 'p') + "\"}";
    last = put(*http_, "load", "k" + std::to_string(i % 5000), value);
    ASSERT_NE(last, 0u);
    if (i % 1000 == 0) {
      ASSERT_TRUE(watcher->sync_to(last));
    }
  }
  ASSERT_GE(writes, 5000) << "too few writes to fill the slow client's queue";
  EXPECT_EQ(last, std::uint64_t(writes));
  EXPECT_GE(metric(*http_, "hotstate_stream_queue_overflows_total"), 1u);

  ASSERT_TRUE(slow->sync_to(last, 60s));
  ASSERT_TRUE(watcher->sync_to(last, 60s));
  auto expected = server_state(*http_, {"load"});
  EXPECT_EQ(expected.size(), 5000u);
  EXPECT_EQ(normalized(slow->replica()), expected);
  EXPECT_EQ(normalized(watcher->replica()), expected);
  EXPECT_EQ(metric(*http_, "hotstate_stream_lagging_clients"), 0u);
  // The slow client got coalesced catch-ups, not one delta per write.
  EXPECT_LT(slow->deltas_seen(), std::size_t(writes) / 2);
}

TEST_F(StreamTest, TwoHundredConcurrentStreamsConverge) {
  std::vector<std::unique_ptr<StreamClient>> clients;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(connect());
    clients.back()->hello("client-" + std::to_string(i));
    clients.back()->subscribe(whole("shared"));
  }
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    auto response = http_->request(
        "POST", "/v1/txn",
        R"({"ops":[{"op":"put","collection":"shared","key":"a","value":)" + std::to_string(i) +
            R"(},{"op":"put","collection":"shared","key":"b)" + std::to_string(i) + R"(","value":"x"}]})");
    ASSERT_EQ(response.status, 200);
    last = response.json().at("revision").to_number<std::uint64_t>();
  }
  auto expected = server_state(*http_, {"shared"});
  for (auto& client : clients) {
    ASSERT_TRUE(client->sync_to(last));
    EXPECT_EQ(normalized(client->replica()), expected);
  }
  auto status = http_->request("GET", "/v1/status").json().as_object();
  EXPECT_EQ(status["connections"].as_object()["stream"].to_number<int>(), 200);
}

// ---- protocol violations: Error frame, then close with the documented code ----

namespace {

struct Violation {
  const char* name;
  std::function<void(StreamClient&)> act;
  const char* code;
  unsigned close_code;
};

}  // namespace

TEST_F(StreamTest, ProtocolViolationsGetAnErrorAndACloseAndOthersAreUnaffected) {
  auto bystander = connect();
  bystander->hello();
  bystander->subscribe(whole("c"));
  ASSERT_TRUE(bystander->next_of(wire::Message::SnapshotEnd));

  std::vector<Violation> cases{
      {"text message", [](StreamClient& c) { c.send_bytes({'h', 'i'}, false); }, "text_frame", 1003},
      {"garbage", [](StreamClient& c) { c.send_bytes({1, 2, 3, 4, 5, 6, 7, 8, 9}); }, "bad_frame", 1007},
      {"size prefix past the end", [](StreamClient& c) { c.send_bytes({200, 0, 0, 0, 1, 2}); }, "bad_frame", 1007},
      {"message over 1 MiB",
       [](StreamClient& c) { c.send_bytes(std::vector<std::uint8_t>((1u << 20) + 1, 0)); },
       "frame_too_large", 1009},
      {"wrong identifier",
       [](StreamClient& c) {
         auto frame = protocol::encode_hello("x", "");
         auto bytes = frame->bytes();
         std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
         copy[8] = 'X';
         c.send_bytes(copy);
       },
       "bad_frame", 1007},
      {"Subscribe before Hello", [](StreamClient& c) { c.send(protocol::encode_subscribe(std::vector<protocol::SelectorSpec>{{"c", ""}}, std::nullopt)); },
       "protocol_error", 1002},
      {"Hello twice",
       [](StreamClient& c) {
         c.hello();
         c.send(protocol::encode_hello("again", ""));
       },
       "protocol_error", 1002},
      {"server-only frame",
       [](StreamClient& c) {
         c.hello();
         c.send(protocol::encode_progress(1));
       },
       "protocol_error", 1002},
      {"unsupported protocol", [](StreamClient& c) { c.send(protocol::encode_hello("x", "", 99)); },
       "unsupported_protocol", 1002},
      {"invalid selector",
       [](StreamClient& c) {
         c.hello();
         c.subscribe({{"bad name!", ""}});
       },
       "invalid_selector", 1008},
      {"no selectors",
       [](StreamClient& c) {
         c.hello();
         c.subscribe({});
       },
       "invalid_selector", 1008},
      {"subscribe twice",
       [](StreamClient& c) {
         c.hello();
         c.subscribe({{"c", ""}});
         c.subscribe({{"c", ""}});
       },
       "protocol_error", 1002},
  };
  for (const auto& violation : cases) {
    SCOPED_TRACE(violation.name);
    auto client = connect();
    violation.act(*client);
    auto error = client->next_of(wire::Message::Error);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->frame().message_as_Error()->code()->str(), violation.code);
    EXPECT_EQ(error->frame().message_as_Error()->close_code(), violation.close_code);
    EXPECT_EQ(client->wait_closed(), violation.close_code);
  }
  std::uint64_t last = put(*http_, "c", "after", "1");
  ASSERT_TRUE(bystander->sync_to(last));
  EXPECT_EQ(bystander->replica().size(), 1u);
  EXPECT_EQ(metric(*http_, "hotstate_stream_protocol_errors_total"), cases.size());
}

TEST_F(StreamTest, ShutdownSaysGoingAwayAndExitsZero) {
  auto client = connect();
  client->hello();
  client->subscribe(whole("c"));
  ASSERT_TRUE(client->next_of(wire::Message::SnapshotEnd));
  std::thread stopper([&] { EXPECT_EQ(server_->stop(), 0); });
  auto error = client->next_of(wire::Message::Error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->frame().message_as_Error()->code()->str(), "going_away");
  EXPECT_EQ(client->wait_closed(), 1001u);
  stopper.join();
}

// A client that stopped reading holds its stream open through the whole shutdown grace
// period (the server's close frame waits behind a full socket). Catches a server that ends
// the grace period by stopping its event loop: the sessions still in it were destroyed
// after the server they refer to (a use after free, found by review; ASan reports it, a
// normal build may crash), instead of being cut off and exiting cleanly.
TEST_F(StreamTest, ShutdownCutsOffAClientThatStoppedReadingAndExitsCleanly) {
  std::string big = "\"" + std::string(900'000, 'v') + "\"";
  for (int i = 0; i < 24; ++i) put(*http_, "flags", "k" + std::to_string(i), big);  // ~21 MB
  auto stuck = connect();
  stuck->hello();
  stuck->subscribe(whole("flags"));  // and never reads again
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the snapshot fills both socket buffers
  // ServerProcess::stop() waits 10 s (the grace period is 5 s), then kills: exit code 0
  // means the server ended by itself, cleanly.
  EXPECT_EQ(server_->stop(), 0) << "hotstated did not exit cleanly after the grace period";
}
