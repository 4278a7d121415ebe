#pragma once
// The soak test's hotstate::Clients: spread over the fault proxies (and a few straight to
// the server), each selecting a random mix of whole collections and nested key prefixes,
// so their selections overlap. Some also keep a mirror of their replica built from change
// callbacks alone (a few of those callbacks slow, with a short callback queue, so batches
// get merged), which must end up equal to the replica.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "hotstate/client.hpp"
#include "server_export.hpp"

namespace hotstate::soak {

struct ChangeMirror {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, std::string> values;  // value JSON by (collection, key)
  std::uint64_t batches = 0;
  std::uint64_t resets = 0;
};

struct FleetMember {
  int proxy = -1;  // index into the proxies; -1: straight to the server
  std::vector<Selector> selectors;
  std::unique_ptr<ChangeMirror> mirror;  // null: no change callback; outlives the client
  std::unique_ptr<Client> client;
};

enum class MirrorKind {
  None,
  Fast,
  Slow,  // a callback that takes milliseconds, behind a callback queue of a few batches
};

// Random selectors over key_space.hpp: one to three of whole collections, writer, group
// and key prefixes, and now and then the collection nobody writes.
std::vector<Selector> random_selectors(std::mt19937_64& random, int writers);

// A client of `url` (with its mirror's callback attached, when it gets one). The callback
// sees everything only if the client cannot have received anything before it was attached:
// the caller holds its proxies in refuse mode while it builds the fleet.
FleetMember make_member(int proxy, const std::string& url, std::vector<Selector> selectors, MirrorKind mirror,
                        std::chrono::milliseconds stale_after);

// What the member's replica gets wrong against the server's state, or nullopt when it
// holds exactly the selected records (values and revisions) at the export's revision.
std::optional<std::string> replica_difference(const FleetMember& member, const testing::ExportedState& exported);
// What the mirror gets wrong against the replica, or nullopt (also when there is none).
std::optional<std::string> mirror_difference(const FleetMember& member);

}  // namespace hotstate::soak
