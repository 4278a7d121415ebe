#include "fault_schedule.hpp"

#include <array>

namespace hotstate::soak {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const char* to_string(ProxyRole role) {
  switch (role) {
    case ProxyRole::Cuts: return "cuts";
    case ProxyRole::Stalls: return "stalls";
    case ProxyRole::SlowLinks: return "slow links";
    case ProxyRole::Outages: return "outages";
    case ProxyRole::Mixed: return "mixed";
  }
  return "?";
}

namespace {

class FaultRound {
 public:
  FaultRound(testing::FaultProxy& proxy, milliseconds stale_after, std::mt19937_64& random,
             const StopSignal& stop, FaultCounts& counts)
      : proxy_(proxy), stale_after_(stale_after), random_(random), stop_(stop), counts_(counts) {}

  void run(ProxyRole role) {
    switch (role) {
      case ProxyRole::Cuts: return cut();
      case ProxyRole::Stalls: return stall();
      case ProxyRole::SlowLinks: return slow_link();
      case ProxyRole::Outages: return outage();
      case ProxyRole::Mixed: {
        constexpr std::array kRoles{ProxyRole::Cuts, ProxyRole::Stalls, ProxyRole::SlowLinks, ProxyRole::Outages};
        return run(kRoles[between(0, kRoles.size() - 1)]);
      }
    }
  }

 private:
  std::size_t between(std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(random_);
  }
  milliseconds ms_between(milliseconds low, milliseconds high) {
    return milliseconds(between(low.count(), high.count()));
  }

  // Each fault starts after a quiet spell, unless the soak is over by then.
  void cut() {
    if (!stop_.sleep_for(ms_between(500ms, 2500ms))) return;
    if (between(0, 3) == 0) {
      // Cuts one connection mid-frame (a snapshot, a delta, a heartbeat), whichever
      // writes the n-th byte from now.
      proxy_.cut_after_bytes_to_client(between(0, 64 * 1024));
      ++counts_.cuts_after_bytes;
    } else {
      proxy_.cut();
      ++counts_.cuts;
    }
  }

  void stall() {
    if (!stop_.sleep_for(ms_between(1000ms, 3000ms))) return;
    // Short: a hiccup the link must ride out. Long: a half-open link the clients must
    // detect (STALE at stale_after, dropped at twice that) and leave; it lasts over twice
    // as long as that takes, so even a client starved of CPU for a while notices.
    bool long_stall = between(0, 4) < 2;
    auto length = long_stall ? ms_between(4 * stale_after_, 5 * stale_after_)
                             : ms_between(stale_after_ / 5, stale_after_ * 3 / 5);
    proxy_.stall(true);
    bool lasted = stop_.sleep_for(length);  // counted only if the soak did not cut it short
    proxy_.stall(false);
    if (lasted) ++(long_stall ? counts_.long_stalls : counts_.short_stalls);
  }

  void slow_link() {
    if (!stop_.sleep_for(ms_between(500ms, 2000ms))) return;
    proxy_.set_delay(ms_between(5ms, 150ms));
    ++counts_.slow_periods;
    stop_.sleep_for(ms_between(2000ms, 6000ms));
    proxy_.set_delay(0ms);
  }

  void outage() {
    if (!stop_.sleep_for(ms_between(1000ms, 4000ms))) return;
    proxy_.refuse(true);
    proxy_.cut();
    ++counts_.outages;
    stop_.sleep_for(ms_between(1000ms, 6000ms));
    proxy_.refuse(false);
  }

  testing::FaultProxy& proxy_;
  milliseconds stale_after_;
  std::mt19937_64& random_;
  const StopSignal& stop_;
  FaultCounts& counts_;
};

}  // namespace

void inject_faults(testing::FaultProxy& proxy, ProxyRole role, milliseconds stale_after, std::mt19937_64 random,
                   const StopSignal& stop, FaultCounts& counts) {
  FaultRound round(proxy, stale_after, random, stop, counts);
  while (!stop.raised()) round.run(role);
  // Heal, so the clients behind this proxy can converge.
  proxy.stall(false);
  proxy.refuse(false);
  proxy.set_delay(0ms);
}

}  // namespace hotstate::soak
