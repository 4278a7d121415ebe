#pragma once
// Counters and gauges for /metrics. The server runs on one thread, so plain integers do.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace hotstate::server {

// Cumulative histogram in Prometheus' shape (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  void observe(double seconds);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::uint64_t, kBounds.size()> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

struct Metrics {
  std::map<unsigned, std::uint64_t> http_responses;  // by status code
  std::uint64_t commits = 0;
  std::uint64_t http_connections = 0;    // open now
  std::uint64_t stream_connections = 0;  // open now
  std::uint64_t rejected_connections = 0;
  std::uint64_t tls_handshake_failures = 0;  // incl. plain HTTP sent to a TLS port
  std::uint64_t stream_queue_bytes = 0;  // sum over connections, now
  std::uint64_t lagging_clients = 0;     // connections waiting to catch up, now
  std::uint64_t queue_overflows = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t snapshot_resets = 0;
  std::uint64_t catchups = 0;
  // Snapshot sharing and admission (SnapshotPool).
  std::uint64_t snapshot_builds = 0;        // snapshots selected and encoded
  std::uint64_t snapshot_shares = 0;        // snapshots sent from another session's build
  std::uint64_t snapshot_waits = 0;         // sessions that waited for a snapshot slot
  std::uint64_t snapshot_queue_length = 0;  // sessions waiting now
  std::uint64_t snapshots_in_progress = 0;  // distinct snapshots being sent now
  std::uint64_t snapshot_chunk_reencodes = 0;  // chunks encoded again (past SharedSnapshot's budget)
  std::uint64_t protocol_errors = 0;
  // Requests, frames and connections refused by a limit or by access control, by reason
  // (the error code the peer was given: unauthorized, forbidden, value_too_large, ...).
  std::map<std::string, std::uint64_t, std::less<>> refusals;
  void count_refusal(std::string_view reason);
  std::uint64_t frames_sent = 0;
  std::uint64_t bytes_sent = 0;
  Histogram fanout_latency;  // commit -> frame written to the socket
};

}  // namespace hotstate::server
