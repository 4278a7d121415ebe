// Recovery: `conns` resuming stream clients on a durable hotstated; the server is stopped
// (SIGTERM) and started again on the same port and data directory. Measured: from the new
// server printing "listening" to every client live again at the revision it had. Clients
// reconnect like the real client (full-jitter backoff, 100 ms initial, 2 s cap) and
// resume with {epoch, revision}; the new server's /metrics says how many it served from
// the change log (catch-ups) and how many needed a snapshot.

#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

#include "http_get.hpp"
#include "http_writer.hpp"
#include "launcher.hpp"
#include "payload.hpp"
#include "process.hpp"
#include "result_line.hpp"
#include "scenarios.hpp"
#include "stream_sub.hpp"

namespace loadgen {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A started server and its stdout, read asynchronously so the clients keep running
// while we wait for the "listening" line.
class Server {
 public:
  Server(asio::io_context& io, const std::vector<std::string>& command)
      : child_(spawn(command)), out_(io, child_.stdout_fd) {
    read();
  }
  // A run that fails part-way must not leave a server behind.
  ~Server() {
    if (!reaped_) {
      kill(child_.pid, SIGKILL);
      waitpid(child_.pid, nullptr, 0);
    }
  }
  void reaped() { reaped_ = true; }
  pid_t pid() const { return child_.pid; }
  std::uint64_t listening_ns() const { return listening_ns_; }
  void stop() { kill(child_.pid, SIGTERM); }
  void close() {
    boost::system::error_code ignored;
    out_.close(ignored);
  }

 private:
  void read() {
    out_.async_read_some(asio::buffer(chunk_), [this](auto ec, std::size_t n) {
      if (ec) return;  // the server exited (EOF) or we closed the pipe
      text_.append(chunk_, n);
      if (listening_ns_ == 0 && text_.find("listening on") != std::string::npos) listening_ns_ = now_ns();
      if (text_.size() > 4096) text_.erase(0, text_.size() - 64);  // keep the tail only
      read();
    });
  }
  Child child_;
  asio::posix::stream_descriptor out_;
  char chunk_[512];
  std::string text_;
  std::uint64_t listening_ns_ = 0;
  bool reaped_ = false;
};

std::uint64_t status_revision(const asio::ip::tcp::endpoint& endpoint) {
  std::string body = http_get(endpoint, "/v1/status");
  auto pos = body.find("\"revision\":");
  if (pos == std::string::npos) throw std::runtime_error("/v1/status has no revision");
  return std::stoull(body.substr(pos + 11));
}

void wait_exit(asio::io_context& io, Server& server) {
  std::optional<int> status;
  run_until(io, [&] { return (status = try_reap(server.pid())).has_value(); }, 15s, "the server to exit after SIGTERM");
  server.reaped();
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error("the server did not exit cleanly (status " + std::to_string(*status) + ")");
}

}  // namespace

void recovery_scenario(Options& options) {
  asio::ip::tcp::endpoint endpoint{asio::ip::make_address(options.str("host", "127.0.0.1")),
                                   static_cast<unsigned short>(options.count("port", 0))};
  std::size_t conns = options.count("conns", 200);
  std::size_t records = options.count("records", 1000);
  std::size_t run = options.count("run", 1);
  std::string placement = options.str("placement", "");
  options.check_all_used();
  if (endpoint.port() == 0) throw std::invalid_argument("--port is required");

  asio::io_context io;
  auto server = std::make_unique<Server>(io, options.command());
  run_until(io, [&] { return server->listening_ns() != 0; }, 30s, "the server to print 'listening'");

  // Clients first, then writes: they follow by deltas, so each holds a real position.
  StreamOptions stream_options;
  stream_options.endpoint = endpoint;
  stream_options.collection = "recovery";
  stream_options.reconnect = true;
  std::size_t live_count = 0;
  std::uint64_t last_live_ns = 0;
  StreamEvents events;
  events.value = [](std::size_t, std::string_view) {};
  events.live = [&](std::size_t) {
    ++live_count;
    last_live_ns = now_ns();
  };
  std::vector<std::shared_ptr<StreamSub>> clients;
  for (std::size_t i = 0; i < conns; ++i) {
    clients.push_back(std::make_shared<StreamSub>(io, i, stream_options, events));
    clients.back()->start();
  }
  run_until(io, [&] { return live_count == conns; }, 120s, "clients to subscribe");

  std::size_t answered = 0;
  HttpWriter writer(io, endpoint, 4, 16, [&] { ++answered; });
  bool connected = false;
  writer.connect([&] { connected = true; });
  run_until(io, [&] { return connected; }, 10s, "the writer to connect");
  std::string value = "\"" + std::string(200, 'v') + "\"";
  std::size_t sent = 0;
  run_until(io, [&] {
    while (sent < records && writer.can_put()) writer.put("recovery", "k" + std::to_string(sent++), value);
    return answered == records;
  }, 120s, "the writes to be committed");
  writer.close();
  std::uint64_t revision = status_revision(endpoint);
  auto all_at = [&] {
    for (const auto& c : clients)
      if (c->position() < revision) return false;
    return true;
  };
  run_until(io, all_at, 60s, "clients to reach the last revision before the restart");

  // Restart: SIGTERM, wait for a clean exit, start again on the same port and directory.
  live_count = 0;
  server->stop();
  wait_exit(io, *server);
  server->close();
  server = std::make_unique<Server>(io, options.command());
  run_until(io, [&] { return server->listening_ns() != 0; }, 30s, "the restarted server to print 'listening'");
  run_until(io, [&] { return live_count >= conns && all_at(); }, 120s, "every client to come back");
  double seconds = static_cast<double>(last_live_ns - server->listening_ns()) / 1e9;

  std::string metrics = http_get(endpoint, "/metrics");
  double snapshots = metric(metrics, "hotstate_snapshots_total");
  double catchups = metric(metrics, "hotstate_catchups_total");
  std::size_t client_snapshots = 0, client_resumes = 0;
  for (const auto& c : clients) {
    client_resumes += c->resumes();
    client_snapshots += c->snapshots() - 1;  // minus the first subscription's snapshot
  }
  char notes[400];
  std::snprintf(notes, sizeof notes,
                "%zu clients, %zu records (revision %llu), durable server (--data-dir); clients reconnect with "
                "full-jitter backoff (100 ms initial, 2 s cap) and resume{epoch, revision}; new server: "
                "hotstate_catchups_total=%.0f hotstate_snapshots_total=%.0f; clients saw %zu resumes, %zu snapshots",
                conns, records, static_cast<unsigned long long>(revision), catchups, snapshots, client_resumes,
                client_snapshots);
  ResultLine()
      .text("case", "recovery." + std::to_string(conns))
      .text("system", "hotstate")
      .text("unit", "s")
      .number("run", static_cast<double>(run))
      .number("value", seconds)
      .number("catchups", catchups)
      .number("snapshots", snapshots)
      .text("placement", placement)
      .text("notes", notes)
      .print();

  for (auto& c : clients) c->close();
  server->stop();
  wait_exit(io, *server);
  server->close();
  io.restart();
  io.poll();
}

}  // namespace loadgen
