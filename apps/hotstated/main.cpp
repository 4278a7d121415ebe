// hotstated: the hotstate server. See `hotstated --help` and docs/server.md.

#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "hotstate/version.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "server/tls_server_context.hpp"
#include "store/rocksdb_storage.hpp"

namespace po = boost::program_options;
using namespace hotstate;
using namespace hotstate::server;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "HOST:PORT" or "[IPv6]:PORT".
void parse_listen(const std::string& text, ServerConfig& config) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw UsageError("--listen wants HOST:PORT, got \"" + text + "\"");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto port_text = std::string_view(text).substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    throw UsageError("--listen port must be 0..65535, got \"" + std::string(port_text) + "\"");
  if (host == "localhost") host = "127.0.0.1";
  config.host = host;
  config.port = static_cast<std::uint16_t>(port);
}

std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  auto address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(endpoint.port());
}

// Each connection is a file descriptor: allow as many as the hard limit permits, since
// the usual soft limit (1024) is far below --max-connections.
void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// hotstated --renew-epoch: a maintenance step, not a way to run. It exits instead of
// serving so that a flag left in a service file cannot reset every client on each restart.
int renew_data_dir_epoch(const ServerConfig& config) {
  try {
    if (!std::filesystem::is_directory(config.data_dir))
      throw std::runtime_error("--renew-epoch: data directory " + config.data_dir + " does not exist");
    RocksDbOptions options;
    options.renew_epoch = true;
    RecoveredState state = make_rocksdb_storage(config.data_dir, options)->open();
    std::printf("%s: epoch %s replaced by %s at revision %llu; clients reset to this state when they connect\n",
                config.data_dir.c_str(), hex64(state.replaced_epoch).c_str(), hex64(state.epoch).c_str(),
                static_cast<unsigned long long>(state.revision));
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "hotstated: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ServerConfig config;
  std::string listen = "127.0.0.1:7700", log_level = "info", auth_file;
  std::vector<std::string> token_flags;
  bool renew_epoch = false;
  std::uint64_t request_timeout_ms = config.request_timeout.count(), subscribe_timeout_ms = config.subscribe_timeout.count();
  std::uint64_t tls_handshake_timeout_ms = config.tls_handshake_timeout.count();
  po::options_description options("hotstated " + std::string(kVersion) +
                                  " - streams JSON state to clients that read it locally\n\nOptions");
  // clang-format off
  options.add_options()
    ("help,h", "show this help and exit")
    ("version", "print the version and exit")
    ("listen", po::value(&listen)->default_value(listen),
     "HOST:PORT for HTTP and /v1/stream; port 0 picks a free port. The address in use is "
     "printed on stdout as \"listening on HOST:PORT\"")
    ("memory", po::bool_switch(&config.memory),
     "keep everything in memory: nothing survives a restart, and each start is a new "
     "history (new epoch), so clients resync")
    ("data-dir", po::value(&config.data_dir)->default_value(config.data_dir),
     "directory of the durable embedded storage (RocksDB), created if missing; locked by one "
     "server at a time. Every write is durable before it is acknowledged")
    ("renew-epoch", po::bool_switch(&renew_epoch),
     "give the data directory a new epoch and exit (after restoring an older copy): clients "
     "that hold newer revisions then reset to its state instead of waiting for it to catch "
     "up. Run once, with the server stopped; see docs/server.md, \"Restoring a backup\"")
    ("heartbeat-ms", po::value(&config.heartbeat_ms)->default_value(config.heartbeat_ms),
     "an idle stream gets a Progress frame at least this often; clients use it to tell a "
     "live link from a dead one")
    ("changelog-retain", po::value(&config.changelog_retain)->default_value(config.changelog_retain),
     "transactions kept in the change log; a client further behind than this gets a "
     "snapshot reset instead of deltas")
    ("changelog-retain-seconds",
     po::value(&config.changelog_retain_seconds)->default_value(config.changelog_retain_seconds),
     "also forget change-log entries older than this (0: keep --changelog-retain entries "
     "whatever their age)")
    ("max-value-bytes", po::value(&config.max_value_bytes)->default_value(config.max_value_bytes),
     "largest value accepted, in bytes of JSON text (at most 8 MiB)")
    ("max-request-bytes", po::value(&config.max_request_bytes)->default_value(config.max_request_bytes),
     "largest HTTP request body accepted (transactions)")
    ("max-import-bytes", po::value(&config.max_import_bytes)->default_value(config.max_import_bytes),
     "largest body of POST /v1/import (hotstate import)")
    ("max-connections", po::value(&config.max_connections)->default_value(config.max_connections),
     "open connections (HTTP and stream) above which new ones get 503")
    ("max-queue-bytes", po::value(&config.max_queue_bytes)->default_value(config.max_queue_bytes),
     "bytes queued for one slow stream client before its pending deltas are replaced by a "
     "catch-up")
    ("max-selectors", po::value(&config.max_selectors)->default_value(config.max_selectors),
     "selectors allowed in one Subscribe")
    ("max-concurrent-snapshots",
     po::value(&config.max_concurrent_snapshots)->default_value(config.max_concurrent_snapshots),
     "distinct snapshots built and sent at once (each holds one encoded copy of what it "
     "selects); a client needing another waits in line, with heartbeats. Clients needing the "
     "same snapshot (same selectors, same revision) share one and never wait")
    ("max-pending-writes", po::value(&config.max_pending_writes)->default_value(config.max_pending_writes),
     "writes waiting to become durable above which new writes get 503 (each holds its values "
     "in memory until then)")
    ("request-timeout-ms", po::value(&request_timeout_ms)->default_value(request_timeout_ms),
     "an HTTP request must arrive whole within this (slow or stuck senders are cut off); idle "
     "keep-alive connections are closed after it too")
    ("subscribe-timeout-ms", po::value(&subscribe_timeout_ms)->default_value(subscribe_timeout_ms),
     "a stream must send Hello and Subscribe within this after connecting")
    ("auth-file", po::value(&auth_file),
     "JSON file of API tokens and their scopes (docs/security.md). With no token configured "
     "the server is open and may only listen on loopback")
    ("token", po::value(&token_flags)->composing(),
     "an API token, NAME=SECRET:SCOPE[;SCOPE] where SCOPE is read|write|admin[+...]@PATTERN[,PATTERN] "
     "or admin, e.g. web=$TOKEN:read@flags,config.*  (repeatable; visible in ps: prefer --auth-file)")
    ("tls-cert", po::value(&config.tls_cert_file)->value_name("FILE"),
     "PEM certificate (chain) to serve TLS with; needs --tls-key. The port then speaks TLS "
     "1.2+ only: clients use https:// (wss://), and plain HTTP gets a 400 telling them so. "
     "See docs/tls.md")
    ("tls-key", po::value(&config.tls_key_file)->value_name("FILE"),
     "PEM private key (unencrypted) of --tls-cert")
    ("tls-handshake-timeout-ms", po::value(&tls_handshake_timeout_ms)->default_value(tls_handshake_timeout_ms),
     "a connection that has not completed its TLS handshake within this is dropped")
    ("log-level", po::value(&log_level)->default_value(log_level), "debug, info, warn, error or off");
  // clang-format on

  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    if (vm.count("version")) {
      std::cout << "hotstated " << kVersion << "\n";
      return 0;
    }
    po::notify(vm);
    parse_listen(listen, config);
    auto level = parse_log_level(log_level);
    if (!level) throw UsageError("--log-level must be debug, info, warn, error or off");
    config.log_level = *level;
    if (config.heartbeat_ms < 10 || config.heartbeat_ms > 600'000)
      throw UsageError("--heartbeat-ms must be 10..600000");
    if (config.max_value_bytes < 1 || config.max_value_bytes > (8u << 20))
      throw UsageError("--max-value-bytes must be 1..8388608");
    if (config.max_connections < 1) throw UsageError("--max-connections must be at least 1");
    if (config.max_selectors < 1) throw UsageError("--max-selectors must be at least 1");
    if (config.max_concurrent_snapshots < 1 || config.max_concurrent_snapshots > 10'000)
      throw UsageError("--max-concurrent-snapshots must be 1..10000");
    if (config.max_queue_bytes < 4096) throw UsageError("--max-queue-bytes must be at least 4096");
    if (config.tls_cert_file.empty() != config.tls_key_file.empty())
      throw UsageError("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
    if (tls_handshake_timeout_ms < 1 || tls_handshake_timeout_ms > 600'000)
      throw UsageError("--tls-handshake-timeout-ms must be 1..600000");
    config.tls_handshake_timeout = std::chrono::milliseconds(tls_handshake_timeout_ms);
    // A request must be able to carry the largest value.
    config.max_request_bytes = std::max(config.max_request_bytes, config.max_value_bytes + 64 * 1024);
    if (!vm["data-dir"].defaulted() && config.memory)
      throw UsageError("--memory and --data-dir exclude each other");
    if (config.data_dir.empty()) throw UsageError("--data-dir must name a directory");
    if (renew_epoch && config.memory) throw UsageError("--renew-epoch needs a --data-dir (every --memory start is a new epoch)");
    config.access = AccessPolicy::load(auth_file, token_flags);
    if (config.max_pending_writes < 1) throw UsageError("--max-pending-writes must be at least 1");
    if (request_timeout_ms < 100 || request_timeout_ms > 3'600'000)
      throw UsageError("--request-timeout-ms must be 100..3600000");
    if (subscribe_timeout_ms < 100 || subscribe_timeout_ms > 3'600'000)
      throw UsageError("--subscribe-timeout-ms must be 100..3600000");
    config.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    config.subscribe_timeout = std::chrono::milliseconds(subscribe_timeout_ms);
  } catch (const std::exception& error) {
    std::cerr << "hotstated: " << error.what() << "\nTry 'hotstated --help'.\n";
    return 2;
  }

  if (renew_epoch) return renew_data_dir_epoch(config);
  set_log_level(config.log_level);
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  try {
    boost::asio::io_context io(1);
    Server server(io, config, config.memory ? make_memory_storage() : make_rocksdb_storage(config.data_dir));
    server.start();
    auto endpoint = server.local_endpoint();
    std::printf("listening on %s\n", format_endpoint(endpoint).c_str());
    std::fflush(stdout);
    log(LogLevel::Info, "hotstated started",
        {{"listen", format_endpoint(endpoint)},
         {"tls", config.tls() ? "on" : "off"},
         {"storage", server.store().storage().engine_name()},
         {"data_dir", config.memory ? std::string("-") : config.data_dir},
         {"epoch", hex64(server.store().epoch())},
         {"revision", std::to_string(server.store().revision())},
         {"version", kVersion}});
    if (auto* tls = server.tls_context()) {
      auto certificate = summarize_certificate(*tls);
      log(certificate.expired ? LogLevel::Warn : LogLevel::Info,
          certificate.expired ? "TLS certificate has expired: clients will refuse it" : "TLS certificate",
          {{"cert", config.tls_cert_file},
           {"subject", certificate.subject},
           {"not_after", certificate.not_after},
           {"min_version", "TLS1.2"}});
    }
    if (!server.store().storage().persistent())
      log(LogLevel::Info, "storage is in memory (--memory): data is lost when the server stops");

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (!ec) server.stop();
    });
    io.run();
    log(LogLevel::Info, "hotstated stopped");
    return 0;
  } catch (const std::exception& error) {
    log(LogLevel::Error, "hotstated failed", {{"error", error.what()}});
    std::cerr << "hotstated: " << error.what() << "\n";
    return 1;
  }
}
