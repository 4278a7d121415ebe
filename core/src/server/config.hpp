#pragma once
// Everything hotstated can be told on its command line (see apps/hotstated --help).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "access.hpp"
#include "hotstate/value.hpp"
#include "log.hpp"

namespace hotstate::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7700;  // 0 = pick a free port
  bool memory = false;        // --memory: keep nothing on disk
  std::string data_dir = "./hotstate-data";
  std::uint32_t heartbeat_ms = 1000;
  std::size_t changelog_retain = 100'000;   // revisions a client can resume across
  std::uint64_t changelog_retain_seconds = 0;  // and none older than this (0: no age limit)
  std::size_t max_value_bytes = kDefaultMaxValueBytes;
  std::size_t max_request_bytes = 16u << 20;
  std::size_t max_import_bytes = std::size_t{1} << 30;  // POST /v1/import
  std::size_t max_connections = 10'000;
  std::size_t max_queue_bytes = 8u << 20;   // per stream connection, before catch-up
  std::size_t max_selectors = 64;           // per Subscribe
  // Distinct snapshots built and sent at once (each holds one encoded copy of what it
  // selects); sessions needing another wait in a FIFO queue. Sessions needing the same
  // snapshot share one and never wait.
  std::size_t max_concurrent_snapshots = 8;
  std::size_t max_txn_ops = 10'000;
  // Writes accepted and waiting to become durable; more get 503 too_many_pending_writes.
  // Each holds its staged values in memory until its group commit ends.
  std::size_t max_pending_writes = 1024;
  // An HTTP request must arrive whole within this (slow senders, slowloris); an idle
  // keep-alive connection is closed after it too.
  std::chrono::milliseconds request_timeout{30'000};
  // A stream must send Hello and Subscribe within this after its WebSocket handshake.
  std::chrono::milliseconds subscribe_timeout{10'000};
  std::chrono::milliseconds shutdown_grace{5000};
  // --tls-cert / --tls-key (PEM): both set = the port speaks TLS only (https, wss).
  std::string tls_cert_file;
  std::string tls_key_file;
  // A connection that has not finished its TLS handshake by then is dropped.
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  bool tls() const { return !tls_cert_file.empty(); }
  // Collections whose records are flag definitions, checked at write time (--flag-collection).
  std::vector<std::string> flag_collections;
  LogLevel log_level = LogLevel::Info;
  // API tokens (--auth-file, --token). Open when empty: then only a loopback --listen is allowed.
  AccessPolicy access;
};

}  // namespace hotstate::server
