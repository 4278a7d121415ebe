// The client against a scripted stream server, for what a real server never does on
// purpose: a gap in the delta chain, and a server that is behind the replica.

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "eventually.hpp"
#include "hotstate/client.hpp"
#include "flag_record.hpp"
#include "hotstate/protocol.hpp"
#include "hotstate/value.hpp"

using namespace hotstate;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto record = hotstate::testing::flag_record;

constexpr std::uint64_t kEpoch = 0x1234;

protocol::FramePtr delta(std::uint64_t from, std::uint64_t to, const std::vector<std::pair<std::uint64_t, RecordPtr>>& puts) {
  std::vector<ChangeOp> ops;
  for (const auto& [revision, r] : puts) ops.push_back({OpKind::Put, r});
  std::vector<protocol::TxnView> txns;
  for (std::size_t i = 0; i < puts.size(); ++i) txns.push_back({puts[i].first, {&ops[i]}});
  return protocol::encode_delta(from, to, txns);
}

// Serves one scripted conversation per connection, on a thread of its own.
class ScriptedServer {
 public:
  using Script = std::function<void(websocket::stream<asio::ip::tcp::socket>&, const wire::Subscribe&)>;

  explicit ScriptedServer(std::vector<Script> scripts) : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, scripts = std::move(scripts)] {
      for (const auto& script : scripts) {
        try {
          websocket::stream<asio::ip::tcp::socket> ws(io_);
          acceptor_.accept(ws.next_layer());
          ws.accept();
          ws.binary(true);
          beast::flat_buffer buffer;
          ws.read(buffer);  // Hello
          send(ws, protocol::encode_welcome(kEpoch, 8, "scripted", 100));
          buffer.clear();
          ws.read(buffer);  // Subscribe
          std::vector<std::uint8_t> bytes(static_cast<const std::uint8_t*>(buffer.cdata().data()),
                                          static_cast<const std::uint8_t*>(buffer.cdata().data()) + buffer.size());
          const wire::Frame* frame = protocol::verify_frame(bytes);
          ASSERT_NE(frame, nullptr);
          const auto* subscribe = frame->message_as_Subscribe();
          ASSERT_NE(subscribe, nullptr);
          if (subscribe->resume()) {
            std::lock_guard lock(mutex_);
            resumes_.push_back(subscribe->resume()->revision());
          }
          script(ws, *subscribe);
          held_.push_back(std::move(ws));  // keep it open until the test ends
        } catch (const std::exception&) {
          return;
        }
      }
    });
  }
  ~ScriptedServer() {
    // A thread still waiting in accept() gets a connection that closes at once, fails
    // its handshake and ends.
    {
      asio::io_context io;
      asio::ip::tcp::socket poke(io);
      boost::system::error_code ignored;
      poke.connect(acceptor_.local_endpoint(), ignored);
    }
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  static void send(websocket::stream<asio::ip::tcp::socket>& ws, const protocol::FramePtr& frame) {
    ws.write(asio::buffer(frame->bytes().data(), frame->size()));
  }
  // The revisions each resuming Subscribe named, in order.
  std::vector<std::uint64_t> resumes() const {
    std::lock_guard lock(mutex_);
    return resumes_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> resumes_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<websocket::stream<asio::ip::tcp::socket>> held_;
};

ClientOptions options_for(const std::string& url) {
  ClientOptions options;
  options.urls = {url};
  options.selectors = {{"flags", ""}};
  options.backoff_initial = 10ms;
  options.backoff_max = 50ms;
  return options;
}

}  // namespace

TEST(ClientProtocol, AGapInTheDeltaChainIsResumedFromTheReplicaPosition) {
  using Ws = websocket::stream<asio::ip::tcp::socket>;
  ScriptedServer server({
      [](Ws& ws, const wire::Subscribe&) {
        ScriptedServer::send(ws, protocol::encode_snapshot_begin(kEpoch, 5, false));
        std::vector<RecordPtr> records{record("a", "1", 5)};
        ScriptedServer::send(ws, protocol::encode_snapshot_chunk(records));
        ScriptedServer::send(ws, protocol::encode_snapshot_end(5));
        // Revisions 6 and 7 never arrive: this delta does not chain.
        ScriptedServer::send(ws, delta(7, 8, {{8, record("c", "3", 8)}}));
      },
      [](Ws& ws, const wire::Subscribe&) {
        ScriptedServer::send(ws, delta(5, 8, {{6, record("b", "2", 6)}, {8, record("c", "3", 8)}}));
      },
  });
  Client client(options_for(server.url()));
  ASSERT_TRUE(client.wait_for_revision(8, 10s));
  EXPECT_NE(client.get("flags", "a"), nullptr);
  EXPECT_NE(client.get("flags", "b"), nullptr) << "the missed revision was fetched on resume";
  EXPECT_NE(client.get("flags", "c"), nullptr);
  EXPECT_EQ(client.status().connects, 2u);
  ASSERT_EQ(server.resumes().size(), 1u);
  EXPECT_EQ(server.resumes()[0], 5u) << "resumed from the last revision it really had";
}

TEST(ClientProtocol, OldOpsInADeltaAreSkipped) {
  using Ws = websocket::stream<asio::ip::tcp::socket>;
  ScriptedServer server({[](Ws& ws, const wire::Subscribe&) {
    ScriptedServer::send(ws, protocol::encode_snapshot_begin(kEpoch, 5, false));
    std::vector<RecordPtr> records{record("a", "\"new\"", 5)};
    ScriptedServer::send(ws, protocol::encode_snapshot_chunk(records));
    ScriptedServer::send(ws, protocol::encode_snapshot_end(5));
    // Overlaps what the snapshot already holds: revision 4 must not roll "a" back.
    ScriptedServer::send(ws, delta(3, 6, {{4, record("a", "\"old\"", 4)}, {6, record("b", "1", 6)}}));
  }});
  Client client(options_for(server.url()));
  ASSERT_TRUE(client.wait_for_revision(6, 10s));
  EXPECT_EQ(client.get_json("flags", "a"), "\"new\"");
  EXPECT_EQ(client.get_json("flags", "b"), "1");
}

// Transactions that share one message each get their own step between two states, so when
// a backlog of callbacks is merged into one of them, the merged batch still reports every
// difference from what the callback saw last.
TEST(ClientProtocol, ABacklogMergedIntoATransactionThatSharedAMessageMissesNothing) {
  using Ws = websocket::stream<asio::ip::tcp::socket>;
  std::promise<void> go_snapshot, go_rest, entered_6, release_6;
  std::shared_future<void> snapshot_may_go = go_snapshot.get_future().share(), rest_may_go = go_rest.get_future().share();
  std::shared_future<void> released = release_6.get_future().share();
  ScriptedServer server({[=](Ws& ws, const wire::Subscribe&) {
    snapshot_may_go.wait();  // the callback is attached before anything arrives
    ScriptedServer::send(ws, protocol::encode_snapshot_begin(kEpoch, 5, false));
    std::vector<RecordPtr> records{record("a", "1", 5)};
    ScriptedServer::send(ws, protocol::encode_snapshot_chunk(records));
    ScriptedServer::send(ws, protocol::encode_snapshot_end(5));
    ScriptedServer::send(ws, delta(5, 6, {{6, record("s", "0", 6)}}));
    rest_may_go.wait();  // the dispatcher is busy with revision 6
    // One message: revision 7 adds "k", revision 8 adds "x". Then 9 deletes "k".
    ScriptedServer::send(ws, delta(6, 8, {{7, record("k", "2", 7)}, {8, record("x", "3", 8)}}));
    auto tombstone = std::make_shared<Record>();
    tombstone->collection = "flags";
    tombstone->key = "k";
    tombstone->mod_revision = 9;
    ChangeOp erase{OpKind::Delete, tombstone};
    protocol::TxnView txn{9, {&erase}};
    ScriptedServer::send(ws, protocol::encode_delta(8, 9, std::span<const protocol::TxnView>(&txn, 1)));
    ScriptedServer::send(ws, protocol::encode_progress(10));  // 9 has been handed to the dispatcher
  }});
  auto options = options_for(server.url());
  // With 6 in its callback and 7 and 8 waiting, 9 is merged into 8 (diffed from the
  // state before 8, which must be the state after 7).
  options.callback_queue_limit = 3;
  Client client(options);
  std::mutex mutex;
  std::map<std::string, std::string> told;  // what the callbacks reported
  client.on_change({}, [&](const ChangeBatch& batch) {
    if (batch.revision == 6) {
      entered_6.set_value();
      released.wait();
    }
    std::lock_guard lock(mutex);
    for (const auto& change : batch.changes) {
      if (change.after)
        told[std::string(change.key)] = flex_to_json(change.after->value);
      else
        told.erase(std::string(change.key));
    }
  });
  go_snapshot.set_value();
  entered_6.get_future().wait();
  go_rest.set_value();
  ASSERT_TRUE(client.wait_for_revision(10, 10s));
  release_6.set_value();
  const std::map<std::string, std::string> replica{{"a", "1"}, {"s", "0"}, {"x", "3"}};
  EXPECT_TRUE(hotstate::testing::eventually([&] {
    std::lock_guard lock(mutex);
    return told == replica;
  }, 10s)) << "the delete of k at revision 9 never reached the callback";
  EXPECT_EQ(client.get("flags", "k"), nullptr);
}

// Never back in time: a server that ignores the resume position and offers a snapshot older
// than the replica, in the same epoch (a restored older copy that does not refuse the resume
// itself). Catches a client that installs it (the replica would go back from 8 to 5 and
// "a" from 1 to 0), that counts it as a reset, or that stops retrying.
TEST(ClientProtocol, AnOlderSnapshotOfTheSameEpochIsRefusedAndTheNewerStateKept) {
  using Ws = websocket::stream<asio::ip::tcp::socket>;
  auto older = [](Ws& ws, const wire::Subscribe&) {
    try {
      ScriptedServer::send(ws, protocol::encode_snapshot_begin(kEpoch, 5, true));
      std::vector<RecordPtr> records{record("a", "0", 5)};
      ScriptedServer::send(ws, protocol::encode_snapshot_chunk(records));
      ScriptedServer::send(ws, protocol::encode_snapshot_end(5));
    } catch (const std::exception&) {
      // The client drops the link at SnapshotBegin: the rest may meet a closed socket,
      // and the scripted server must still take the next connection.
    }
  };
  ScriptedServer server({
      [](Ws& ws, const wire::Subscribe&) {
        ScriptedServer::send(ws, protocol::encode_snapshot_begin(kEpoch, 8, false));
        std::vector<RecordPtr> records{record("a", "1", 8)};
        ScriptedServer::send(ws, protocol::encode_snapshot_chunk(records));
        ScriptedServer::send(ws, protocol::encode_snapshot_end(8));
        ws.close(websocket::close_code::going_away);
      },
      older, older, older,
  });
  Client client(options_for(server.url()));
  ASSERT_TRUE(client.wait_for_revision(8, 10s));
  ASSERT_TRUE(hotstate::testing::eventually([&] { return server.resumes().size() == 3; }));
  ASSERT_TRUE(hotstate::testing::eventually(
      [&] { return client.status().last_error.find("server is behind this replica") != std::string::npos; }));
  auto status = client.status();
  EXPECT_EQ(status.revision, 8u);
  EXPECT_EQ(status.resets, 0u);
  EXPECT_NE(status.state, LinkState::Live);
  EXPECT_EQ(client.get_json("flags", "a"), "1") << "the newer state is kept";
  for (auto resumed_from : server.resumes()) EXPECT_EQ(resumed_from, 8u) << "every retry resumes from the newer state";
}
