#pragma once
// Bad input for a running hotstated, each on a connection of its own: WebSocket messages
// the protocol forbids (garbage, truncated or oversized frames, frames that fail
// verification, frames out of order) and HTTP requests the API refuses (malformed,
// oversized, invalid JSON, wrong methods, unknown paths). Each case checks that the answer
// is the documented one (docs/protocol.md "Errors and close codes", docs/http-api.md
// "Error codes"). Bad writes aim at kAbuseCollection, which must stay empty.

#include <atomic>
#include <cstdint>
#include <random>
#include <string>

#include "problems.hpp"
#include "stop_signal.hpp"

namespace hotstate::soak {

struct AbuseTarget {
  std::string host;
  unsigned short port = 0;
  std::size_t max_value_bytes = 0;    // the server's --max-value-bytes
  std::size_t max_request_bytes = 0;  // the server's effective request limit
};

struct AbuseCounts {
  std::atomic<std::uint64_t> bad_frames{0};
  std::atomic<std::uint64_t> bad_requests{0};
};

// Sends bad frames and bad requests, picked at random, until `stop` is raised; what was
// answered wrongly goes to `problems`.
void send_abuse(const AbuseTarget& target, std::mt19937_64 random, const StopSignal& stop, AbuseCounts& counts,
                Problems& problems);

}  // namespace hotstate::soak
