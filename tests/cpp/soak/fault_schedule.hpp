#pragma once
// The soak test's chaos: each fault proxy gets a role, and a thread per proxy injects that
// role's faults at random moments until stopped, then heals the proxy (no stall, no
// refusal, no delay).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "fault_proxy.hpp"
#include "stop_signal.hpp"

namespace hotstate::soak {

enum class ProxyRole {
  Cuts,       // closes every connection, or one after N bytes, every second or two
  Stalls,     // black-holes traffic: shorter than the clients' stale timeout, or far longer
  SlowLinks,  // holds each chunk for milliseconds (a slow reader, as the server sees it)
  Outages,    // refuses and cuts everything for seconds (the server looks down)
  Mixed,      // any of the above, picked each round
};

const char* to_string(ProxyRole role);

struct FaultCounts {
  std::atomic<std::uint64_t> cuts{0};
  std::atomic<std::uint64_t> cuts_after_bytes{0};
  std::atomic<std::uint64_t> short_stalls{0};  // shorter than stale_after: the link must survive
  std::atomic<std::uint64_t> long_stalls{0};   // past twice stale_after: clients must reconnect
  std::atomic<std::uint64_t> slow_periods{0};
  std::atomic<std::uint64_t> outages{0};
};

// Runs on the calling thread until `stop` is raised. `stale_after` is the clients'
// (ClientOptions::stale_after); stall lengths are chosen around it.
void inject_faults(testing::FaultProxy& proxy, ProxyRole role, std::chrono::milliseconds stale_after,
                   std::mt19937_64 random, const StopSignal& stop, FaultCounts& counts);

}  // namespace hotstate::soak
