#pragma once
// CLI commands that run the C++ client (a local replica) instead of one HTTP request.

#include <chrono>
#include <optional>
#include <string>

namespace hotstate::cli {

struct ReplicaArguments {
  std::string url;
  std::string collection;
  std::string prefix;
  std::optional<std::string> cache_path;
  std::string ca_file;  // --ca-file; empty: the system's trust store
};

// Prints the replica's records as JSON lines, then {"event":"live","revision":R}, then a
// line per change and per status change, until SIGINT/SIGTERM (exit 0).
int watch(const ReplicaArguments& args);

// Waits until the replica is LIVE, prints its records as JSON lines sorted by key, exits.
int snapshot(const ReplicaArguments& args, std::chrono::milliseconds timeout);

}  // namespace hotstate::cli
