// Idle connections: the server's resident memory before and after `conns` subscribers
// that are connected, subscribed (hotstated: to an empty collection, so only heartbeats
// flow) and idle. Run against a freshly started server, one run per process.

#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

#include "proc_stats.hpp"
#include "pubsub.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"

namespace loadgen {

namespace asio = boost::asio;
using namespace std::chrono_literals;

void idle_scenario(Options& options) {
  std::string system_name = options.str("system");
  Target target;
  target.endpoint = {asio::ip::make_address(options.str("host", "127.0.0.1")),
                     static_cast<unsigned short>(options.count("port", 0))};
  target.channel = options.str("channel", "idle");
  target.publisher = false;
  std::size_t conns = options.count("conns", 2000);
  auto server = static_cast<pid_t>(options.count("server-pid", 0));
  auto settle = std::chrono::milliseconds(options.count("settle-ms", 1500));
  std::size_t run = options.count("run", 1);
  std::string placement = options.str("placement", "");
  options.check_all_used();
  if (server <= 0 || target.endpoint.port() == 0) throw std::invalid_argument("--port and --server-pid are required");

  asio::io_context io;
  Hooks hooks;
  hooks.delivered = [](std::size_t sub, std::string_view) {
    throw std::runtime_error("idle subscriber " + std::to_string(sub) + " got a message");
  };
  hooks.writable = [] {};
  auto system = make_system(system_name, io, target, hooks);
  std::uint64_t before = rss_bytes(server);
  bool ready = false;
  system->start(conns, [&] { ready = true; });
  run_until(io, [&] { return ready; }, 180s, "opening " + std::to_string(conns) + " idle connections");
  // Idle for a while (heartbeats flow) so buffers sized at connect time have settled.
  asio::steady_timer timer(io);
  bool settled = false;
  timer.expires_after(settle);
  timer.async_wait([&](auto) { settled = true; });
  run_until(io, [&] { return settled; }, settle + 5s, "settling");
  std::uint64_t after = rss_bytes(server);
  double per = (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(conns);
  char notes[200];
  std::snprintf(notes, sizeof notes, "server VmRSS %.1f MiB before, %.1f MiB with %zu idle subscribed connections",
                static_cast<double>(before) / 1048576.0, static_cast<double>(after) / 1048576.0, conns);
  ResultLine()
      .text("case", "idle." + std::to_string(conns))
      .text("system", system_name)
      .text("unit", "bytes/connection")
      .number("run", static_cast<double>(run))
      .number("value", per)
      .text("placement", placement)
      .text("notes", notes)
      .print();
  system->stop();
  io.restart();
  io.poll();
}

}  // namespace loadgen
