// hotstate_loadgen: network benchmarks for hotstated beside Redis pub/sub and NATS core.
//   hotstate_loadgen fanout   --system hotstate|redis|nats --port P --server-pid PID --conns N
//                             [--runs 3 --seconds 2 --window 128 --rate 200000 --modes max,paced
//                              --payload 200 --http-conns 8 --http-depth 4]
//   hotstate_loadgen idle     --system S --port P --server-pid PID --conns N [--settle-ms 1500 --run K]
//   hotstate_loadgen recovery --port P --conns N [--records 1000 --run K] -- SERVER COMMAND...
// Each measured run is one JSON line on stdout; errors go to stderr with exit status 1.
// One io_context on one thread drives every connection.

#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <string>

#include "scenarios.hpp"

namespace {

// Thousands of sockets: lift the soft descriptor limit to the hard one.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: hotstate_loadgen fanout|idle|recovery --option value ... (see main.cpp)\n");
    return 2;
  }
  raise_fd_limit();
  std::string scenario = argv[1];
  try {
    loadgen::Options options(argc, argv, 2);
    if (scenario == "fanout") loadgen::fanout_scenario(options);
    else if (scenario == "idle") loadgen::idle_scenario(options);
    else if (scenario == "recovery") loadgen::recovery_scenario(options);
    else throw std::invalid_argument("unknown scenario " + scenario);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hotstate_loadgen %s: error: %s\n", scenario.c_str(), e.what());
    return 1;
  }
  return 0;
}
