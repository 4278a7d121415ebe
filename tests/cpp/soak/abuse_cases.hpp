#pragma once
// The cases behind send_abuse() (abuse.hpp): one bad frame or one bad request, chosen at
// random, sent and checked against the documented answer.

#include <optional>
#include <random>
#include <string>

#include "abuse.hpp"
#include "http_client.hpp"

namespace hotstate::soak {

struct AbuseOutcome {
  std::string name;                    // which case ran
  std::optional<std::string> problem;  // what the server got wrong; nullopt when nothing
};

// Each on a WebSocket connection of its own.
AbuseOutcome send_bad_frame(const AbuseTarget& target, std::mt19937_64& random);
// On `http` (which the server may close) or on a raw connection of its own.
AbuseOutcome send_bad_request(const AbuseTarget& target, testing::HttpClient& http, std::mt19937_64& random);

}  // namespace hotstate::soak
