#include "abuse.hpp"

#include "abuse_cases.hpp"

namespace hotstate::soak {

using namespace std::chrono_literals;

void send_abuse(const AbuseTarget& target, std::mt19937_64 random, const StopSignal& stop, AbuseCounts& counts,
                Problems& problems) {
  testing::HttpClient http(target.host, target.port);
  http.set_timeout(20s);
  std::uniform_int_distribution<int> pause_ms(20, 150), coin(0, 1);
  while (stop.sleep_for(std::chrono::milliseconds(pause_ms(random)))) {
    bool frame = coin(random) == 0;
    AbuseOutcome outcome = frame ? send_bad_frame(target, random) : send_bad_request(target, http, random);
    ++(frame ? counts.bad_frames : counts.bad_requests);
    if (outcome.problem) problems.add((frame ? "bad frame: " : "bad request: ") + outcome.name, *outcome.problem);
  }
}

}  // namespace hotstate::soak
