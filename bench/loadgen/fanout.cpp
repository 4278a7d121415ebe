// Fan-out: one writer, N subscribers, every message to every subscriber.
//   max:   the writer sends as fast as the window allows (window = messages not yet
//          delivered to every subscriber).
//   paced: the writer sends at a fixed delivery rate; each message is stamped with the
//          time it was due, not the time it left, so a system that falls behind pays for
//          it in latency (no coordinated omission).
// Subscribers are connected once per process; each run then sends for `seconds` and waits
// (bounded) until every subscriber has every message.

#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <stdexcept>

#include "payload.hpp"
#include "proc_stats.hpp"
#include "pubsub.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"
#include "tracker.hpp"

namespace loadgen {

namespace asio = boost::asio;
using namespace std::chrono_literals;

void run_until(asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds timeout,
               const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("timed out: " + what);
    io.restart();
    io.run_one_for(20ms);
  }
}

namespace {

struct FanoutRun {
  bool paced = false;
  double seconds = 2;
  double rate = 0;  // deliveries/s when paced
  std::size_t window = 0;
  std::size_t payload = 200;
};

struct Measured {
  std::uint64_t messages = 0, deliveries = 0;
  double seconds = 0, server_cpu = 0, loadgen_cpu = 0, max_lag_ms = 0;
};

class Fanout {
 public:
  Fanout(asio::io_context& io, PubSub& system, Tracker& tracker, std::size_t subscribers, pid_t server)
      : io_(io), system_(system), tracker_(tracker), subscribers_(subscribers), server_(server), timer_(io) {}

  Measured run(const FanoutRun& cfg) {
    cfg_ = cfg;
    std::uint64_t first = next_seq_;
    std::uint64_t deliveries_before = tracker_.deliveries();
    tracker_.latency().clear();
    double server_cpu = cpu_seconds(server_), own_cpu = cpu_seconds(getpid());
    start_ns_ = now_ns();
    stop_ns_ = start_ns_ + static_cast<std::uint64_t>(cfg.seconds * 1e9);
    interval_ns_ = cfg.paced ? static_cast<double>(subscribers_) * 1e9 / cfg.rate : 0;
    max_lag_ns_ = 0;
    sending_ = true;
    tracker_.on_advance = [this] { pump(); };
    pump();
    auto timeout = std::chrono::milliseconds(static_cast<long>(cfg.seconds * 1000) + 60000);
    run_until(io_, [&] {
      if (sending_ && now_ns() >= stop_ns_) sending_ = false;
      return !sending_ && tracker_.all_delivered() == next_seq_;
    }, timeout, "waiting for every subscriber to get every message");
    timer_.cancel();
    Measured m;
    m.messages = next_seq_ - first;
    m.deliveries = tracker_.deliveries() - deliveries_before;
    if (m.deliveries != m.messages * subscribers_)
      throw std::runtime_error("delivery count " + std::to_string(m.deliveries) + " != messages × subscribers");
    m.seconds = static_cast<double>(tracker_.last_delivery_ns() - start_ns_) / 1e9;
    m.server_cpu = cpu_seconds(server_) - server_cpu;
    m.loadgen_cpu = cpu_seconds(getpid()) - own_cpu;
    m.max_lag_ms = static_cast<double>(max_lag_ns_) / 1e6;
    return m;
  }

  // Sends whatever may go now; called at start, on every window advance, on every freed
  // publisher slot and from the pacing timer.
  void pump() {
    while (sending_ && system_.can_publish() && next_seq_ - tracker_.all_delivered() < cfg_.window) {
      std::uint64_t now = now_ns();
      if (now >= stop_ns_) {
        sending_ = false;
        return;
      }
      std::uint64_t stamp = now;
      if (cfg_.paced) {
        auto due = start_ns_ + static_cast<std::uint64_t>(static_cast<double>(next_seq_ - first_of_run()) * interval_ns_);
        if (due > now) return arm(due);
        stamp = due;
        max_lag_ns_ = std::max(max_lag_ns_, now - due);
      }
      system_.publish(next_seq_, make_payload({next_seq_, stamp}, cfg_.payload));
      ++next_seq_;
    }
  }

  void begin_run() { run_first_ = next_seq_; }

 private:
  std::uint64_t first_of_run() const { return run_first_; }
  void arm(std::uint64_t due) {
    if (armed_) return;
    armed_ = true;
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
    timer_.async_wait([this](auto ec) {
      armed_ = false;
      if (!ec) pump();
    });
  }

  asio::io_context& io_;
  PubSub& system_;
  Tracker& tracker_;
  std::size_t subscribers_;
  pid_t server_;
  asio::steady_timer timer_;
  FanoutRun cfg_;
  std::uint64_t next_seq_ = 0, run_first_ = 0, start_ns_ = 0, stop_ns_ = 0, max_lag_ns_ = 0;
  double interval_ns_ = 0;
  bool sending_ = false, armed_ = false;
};

}  // namespace

void fanout_scenario(Options& options) {
  std::string system_name = options.str("system");
  Target target;
  target.endpoint = {asio::ip::make_address(options.str("host", "127.0.0.1")),
                     static_cast<unsigned short>(options.count("port", 0))};
  std::size_t subscribers = options.count("conns", 100);
  target.channel = options.str("channel", "fanout" + std::to_string(subscribers));
  target.http_connections = options.count("http-conns", 8);
  target.http_depth = options.count("http-depth", 4);
  auto server = static_cast<pid_t>(options.count("server-pid", 0));
  std::size_t runs = options.count("runs", 3);
  FanoutRun cfg;
  cfg.seconds = options.num("seconds", 2);
  cfg.window = options.count("window", 128);
  cfg.payload = options.count("payload", 200);
  double rate = options.num("rate", 200000);
  std::string modes = options.str("modes", "max,paced");
  std::string placement = options.str("placement", "");
  options.check_all_used();
  if (server <= 0 || target.endpoint.port() == 0) throw std::invalid_argument("--port and --server-pid are required");

  asio::io_context io;
  Tracker tracker(subscribers, cfg.window);
  std::unique_ptr<PubSub> system;
  std::unique_ptr<Fanout> fanout;
  Hooks hooks;
  hooks.delivered = [&](std::size_t sub, std::string_view payload) { tracker.deliver(sub, payload); };
  hooks.writable = [&] {
    if (fanout) fanout->pump();
  };
  system = make_system(system_name, io, target, hooks);
  bool ready = false;
  system->start(subscribers, [&] { ready = true; });
  run_until(io, [&] { return ready; }, 120s, "connecting " + std::to_string(subscribers) + " subscribers");
  fanout = std::make_unique<Fanout>(io, *system, tracker, subscribers, server);

  auto one = [&](bool paced, double seconds) {
    FanoutRun c = cfg;
    c.paced = paced;
    c.seconds = seconds;
    c.rate = rate;
    fanout->begin_run();
    return fanout->run(c);
  };
  // Warm-up (not reported): first-touch allocations, TCP windows, server caches.
  one(false, std::min(0.5, cfg.seconds));

  for (std::string mode : {std::string("max"), std::string("paced")}) {
    if (modes.find(mode) == std::string::npos) continue;
    for (std::size_t run = 1; run <= runs; ++run) {
      Measured m = one(mode == "paced", cfg.seconds);
      auto& h = tracker.latency();
      double achieved = static_cast<double>(m.deliveries) / m.seconds;
      std::string notes = "window " + std::to_string(cfg.window) + " messages (" +
                          std::to_string(cfg.window * subscribers) + " deliveries) in flight; " +
                          std::to_string(m.messages) + " messages x " + std::to_string(subscribers) +
                          " subscribers, each delivered exactly once to every subscriber (verified)";
      if (mode == "paced") {
        char buf[160];
        std::snprintf(buf, sizeof buf, "; paced at %.0f deliveries/s, latency from due time; max send lag %.2f ms",
                      rate, m.max_lag_ms);
        notes += buf;
        // A paced run that could not keep the pace measured queueing, not latency.
        if (achieved < 0.95 * rate) notes += "; DID NOT KEEP UP";
      }
      if (system_name == "hotstate")
        notes += "; writer: " + std::to_string(target.http_connections) + " HTTP connections x " +
                 std::to_string(target.http_depth) + " pipelined PUTs";
      ResultLine()
          .text("case", "fanout." + std::to_string(subscribers) + "." + mode)
          .text("system", system_name)
          .text("unit", "deliveries/s")
          .number("run", static_cast<double>(run))
          .number("value", achieved)
          .number("p50_ms", h.quantile_ns(0.50) / 1e6)
          .number("p99_ms", h.quantile_ns(0.99) / 1e6)
          .number("p999_ms", h.quantile_ns(0.999) / 1e6)
          .number("server_cpu_s", m.server_cpu)
          .number("loadgen_cpu_s", m.loadgen_cpu)
          .number("seconds", m.seconds)
          .text("placement", placement)
          .text("notes", notes)
          .print();
    }
  }
  system->stop();
  io.restart();
  io.poll();  // let closed connections' handlers see the close
}

}  // namespace loadgen
