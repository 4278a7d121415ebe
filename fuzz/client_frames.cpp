// Server -> client: what the client does with each WebSocket message from a server
// (client::ReplicaSync::on_message: split, verify, apply to the replica), without a socket.
//
// Input: one byte choosing the replica the client starts from (bit 0: empty, as on a first
// start; or a replica loaded from a cache, epoch 0x77 at revision 5), then the messages of
// one connection (message_stream.hpp). When a message breaks the protocol the client drops
// the link; the target then does what the transport does (ReplicaSync::link_ended: forget a
// half-received snapshot, subscribe again after the next message) and goes on.
//
// Properties after every message:
//  - within one epoch the replica never goes back to an older revision (docs/architecture.md,
//    invariant 6: "Never back in time");
//  - status() reports the published state's epoch, revision, keys and bytes;
//  - the published state's counts match its records, and every record holds a value that
//    verifies (reads hand out zero-copy views and typed reads trust the bytes).

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "client/dispatcher.hpp"
#include "client/replica_sync.hpp"
#include "client/state_cell.hpp"
#include "client/status_board.hpp"
#include "fuzz_check.hpp"
#include "hotstate/value.hpp"
#include "message_stream.hpp"

namespace {

using hotstate::RecordPtr;
using hotstate::fuzz::check;
namespace client = hotstate::client;

constexpr std::uint64_t kCachedEpoch = 0x77;
constexpr std::uint64_t kCachedRevision = 5;

std::shared_ptr<client::State> cached_replica() {
  client::StateBuilder builder(kCachedEpoch, kCachedRevision);
  const char* keys[] = {"checkout", "dark-mode", "beta"};
  std::uint64_t revision = 1;
  for (const char* key : keys) {
    auto record = std::make_shared<hotstate::Record>();
    record->collection = "flags";
    record->key = key;
    record->value = hotstate::json_to_flex(R"({"enabled":true})");
    record->create_revision = record->mod_revision = revision++;
    record->version = 1;
    builder.put(std::move(record));
  }
  return builder.build();
}

hotstate::ClientOptions fuzz_options() {
  hotstate::ClientOptions options;
  options.urls = {"http://127.0.0.1:9"};
  options.selectors = {{"flags", ""}, {"users", "eu/"}};
  // Every record the frames put into "flags" is compiled as a flag definition too: the
  // compiler sees whatever the fuzzer invents, and must only ever report, never crash.
  options.flag_collections = {"flags"};
  return options;
}

// The replica's parts as the client assembles them (client_core.hpp), without a transport.
struct Replica {
  hotstate::ClientOptions options = fuzz_options();
  client::StateCell cell;
  // Not started: change events queue up (and merge) without a thread to deliver them.
  std::shared_ptr<client::Dispatcher> dispatcher = std::make_shared<client::Dispatcher>(16);
  client::StatusBoard board{*dispatcher};
  client::ReplicaSync sync{options, cell, board, *dispatcher};
};

void check_state(const Replica& replica, const client::State& before) {
  const client::State& now = *replica.sync.state();
  if (now.epoch == before.epoch && now.epoch != 0)
    check(now.revision >= before.revision, "the replica went back in time within one epoch",
          std::to_string(before.revision) + " -> " + std::to_string(now.revision));
  hotstate::ClientStatus status = replica.board.snapshot();
  check(status.epoch == now.epoch && status.revision == now.revision && status.keys == now.keys &&
            status.bytes == now.bytes,
        "status() does not describe the published state");
  std::size_t keys = 0, bytes = 0;
  for (const auto& [collection, map] : now.collections) {
    const std::string& name = collection;  // clang 14 cannot capture a structured binding
    map.for_each([&](const RecordPtr& r) {
      check(r->collection == name, "a record sits under another collection's name", r->collection);
      check(hotstate::verify_flex(r->value), "the replica holds a record without a valid value",
            r->collection + "/" + r->key);
      ++keys;
      bytes += r->value.size();
    });
  }
  check(keys == now.keys, "the state's key count is off");
  check(bytes == now.bytes, "the state's byte count is off");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Replica replica;
  if (data[0] & 1) replica.sync.start_from_cache(cached_replica());
  for (auto message : hotstate::fuzz::split_messages({data + 1, size - 1})) {
    client::StatePtr before = replica.sync.state();
    // A message arrives in a buffer of its own (Beast's flat_buffer), so it starts aligned.
    std::vector<std::uint64_t> aligned((message.size() + 7) / 8);
    if (!message.empty()) std::memcpy(aligned.data(), message.data(), message.size());
    try {
      replica.sync.on_message({reinterpret_cast<const std::uint8_t*>(aligned.data()), message.size()});
      replica.sync.take_subscribe();  // the transport subscribes after the first message
    } catch (const std::exception&) {
      // The link is dropped (client::Transport::run): a new one starts without the snapshot.
      replica.sync.link_ended();
    }
    check_state(replica, *before);
  }
  return 0;
}
