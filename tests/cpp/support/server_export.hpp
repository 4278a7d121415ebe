#pragma once
// GET /v1/export read into memory: the server's whole state at one revision, in the same
// shape as a StreamClient replica, for tests that compare replicas or write logs with what
// the server holds.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "http_client.hpp"
#include "stream_client.hpp"

namespace hotstate::testing {

struct ExportedState {
  std::uint64_t epoch = 0;
  std::uint64_t revision = 0;
  // By (collection, key); ReplicaRecord::json is the value as Boost.JSON serializes it.
  std::map<std::pair<std::string, std::string>, ReplicaRecord> records;
};

// Throws std::runtime_error when the answer is not a 200 with a whole export.
ExportedState read_export(HttpClient& http);

}  // namespace hotstate::testing
