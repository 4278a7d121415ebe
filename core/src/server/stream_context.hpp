#pragma once
// What a StreamSession uses of the server, and nothing more: a session never sees Server.
//
// Lifetime: the Server owns everything referred to here (and this struct) and outlives
// every session: Server::stop() closes every stream and waits for the connections to
// drain before io.run() returns (docs/architecture.md, "Server objects"). A session
// unregisters from the hub and the snapshot pool when it dies or is destroyed, so neither
// holds a pointer to a session that is gone. All of it runs on the server's one
// io_context thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config.hpp"

namespace hotstate {
class Store;
}

namespace hotstate::server {

class Hub;
class SnapshotPool;
struct Metrics;

// The command-line limits a stream obeys (see ServerConfig).
struct StreamLimits {
  std::uint32_t heartbeat_ms = 1000;
  std::chrono::milliseconds subscribe_timeout{10'000};
  std::size_t max_selectors = 64;
  std::size_t max_queue_bytes = 8u << 20;

  static StreamLimits from(const ServerConfig& config) {
    return {config.heartbeat_ms, config.subscribe_timeout, config.max_selectors, config.max_queue_bytes};
  }
};

struct StreamContext {
  const Store& store;       // epoch, revision, change log (read only)
  Hub& hub;                 // live sessions: fan-out, flushes, heartbeats, shutdown
  SnapshotPool& snapshots;  // shared snapshots and their admission queue
  Metrics& metrics;
  const AccessPolicy& access;  // who may read what (Hello.token)
  StreamLimits limits;
  std::string_view server_id;  // for Welcome
};

}  // namespace hotstate::server
