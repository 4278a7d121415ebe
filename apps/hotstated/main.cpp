// hotstated: the hotstate server. See `hotstated --help` and docs/server.md.

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "hotstate/names.hpp"
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

// A numeric flag: --help states its range and default, and a value outside the range (or
// not a plain decimal integer) is refused at start-up, naming the flag and the range.
struct NumericFlag {
  const char* name;
  std::uint64_t min;
  std::uint64_t max;
  std::uint64_t default_value;
  bool bytes;  // shown with a KiB/MiB/GiB reading in --help
  std::string help;
  std::function<void(std::uint64_t)> store;
};

std::string with_unit(std::uint64_t value, bool bytes) {
  std::string text = std::to_string(value);
  if (!bytes || value < 1024) return text;
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  std::uint64_t scaled = value;
  int unit = -1;
  while (scaled >= 1024 && scaled % 1024 == 0 && unit < 3) {
    scaled /= 1024;
    ++unit;
  }
  return unit < 0 ? text : text + " (" + std::to_string(scaled) + " " + kUnits[unit] + ")";
}

std::string range_text(const NumericFlag& flag) {
  return std::to_string(flag.min) + ".." + std::to_string(flag.max);
}

std::string help_text(const NumericFlag& flag) {
  return flag.help + ". Range " + std::to_string(flag.min) + ".." + with_unit(flag.max, flag.bytes) + ", default " +
         with_unit(flag.default_value, flag.bytes);
}

// Only digits: no sign (program_options would take "-1" for an unsigned flag and wrap it),
// no spaces, no exponent; and nothing out of range.
std::uint64_t parse_numeric_flag(const NumericFlag& flag, const std::string& text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || ec != std::errc() || end != text.data() + text.size() || value < flag.min || value > flag.max)
    throw UsageError(std::string("--") + flag.name + " must be an integer in " + range_text(flag) + ", got \"" +
                     text + "\"");
  return value;
}

template <typename T>
std::function<void(std::uint64_t)> store_into(T& target) {
  return [&target](std::uint64_t value) { target = static_cast<T>(value); };
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
  // clang-format off
  const std::vector<NumericFlag> numeric_flags = {
    {"heartbeat-ms", 10, 600'000, config.heartbeat_ms, false,
     "an idle stream gets a Progress frame at least this often; clients use it to tell a "
     "live link from a dead one", store_into(config.heartbeat_ms)},
    {"changelog-retain", 1, 100'000'000, config.changelog_retain, false,
     "transactions kept in the change log; a client further behind than this gets a "
     "snapshot reset instead of deltas", store_into(config.changelog_retain)},
    {"changelog-retain-seconds", 0, 315'360'000, config.changelog_retain_seconds, false,
     "also forget change-log entries older than this (0: keep --changelog-retain entries "
     "whatever their age; at most 10 years)", store_into(config.changelog_retain_seconds)},
    {"max-value-bytes", 1, 8u << 20, config.max_value_bytes, true,
     "largest value accepted, in bytes of JSON text", store_into(config.max_value_bytes)},
    {"max-request-bytes", 1, 1u << 30, config.max_request_bytes, true,
     "largest HTTP request body accepted (transactions); raised to --max-value-bytes + 65536 "
     "when below, so that one request can carry the largest value", store_into(config.max_request_bytes)},
    {"max-import-bytes", 1, std::uint64_t{16} << 30, config.max_import_bytes, true,
     "largest body of POST /v1/import (hotstate import), held in memory while it loads",
     store_into(config.max_import_bytes)},
    {"max-connections", 1, 1'000'000, config.max_connections, false,
     "open connections (HTTP and stream) above which new ones get 503", store_into(config.max_connections)},
    {"max-queue-bytes", 4096, std::uint64_t{4} << 30, config.max_queue_bytes, true,
     "bytes queued for one slow stream client before its pending deltas are replaced by a "
     "catch-up", store_into(config.max_queue_bytes)},
    {"max-selectors", 1, 10'000, config.max_selectors, false,
     "selectors allowed in one Subscribe", store_into(config.max_selectors)},
    {"max-concurrent-snapshots", 1, 10'000, config.max_concurrent_snapshots, false,
     "distinct snapshots built and sent at once (each holds one encoded copy of what it "
     "selects); a client needing another waits in line, with heartbeats. Clients needing the "
     "same snapshot (same selectors, same revision) share one and never wait",
     store_into(config.max_concurrent_snapshots)},
    {"max-pending-writes", 1, 1'000'000, config.max_pending_writes, false,
     "writes waiting to become durable above which new writes get 503 (each holds its values "
     "in memory until then)", store_into(config.max_pending_writes)},
    {"request-timeout-ms", 100, 3'600'000, static_cast<std::uint64_t>(config.request_timeout.count()), false,
     "an HTTP request must arrive whole within this (slow or stuck senders are cut off); idle "
     "keep-alive connections are closed after it too",
     [&config](std::uint64_t ms) { config.request_timeout = std::chrono::milliseconds(ms); }},
    {"subscribe-timeout-ms", 100, 3'600'000, static_cast<std::uint64_t>(config.subscribe_timeout.count()), false,
     "a stream must send Hello and Subscribe within this after connecting",
     [&config](std::uint64_t ms) { config.subscribe_timeout = std::chrono::milliseconds(ms); }},
    {"tls-handshake-timeout-ms", 1, 600'000, static_cast<std::uint64_t>(config.tls_handshake_timeout.count()), false,
     "a connection that has not completed its TLS handshake within this is dropped",
     [&config](std::uint64_t ms) { config.tls_handshake_timeout = std::chrono::milliseconds(ms); }},
  };
  // clang-format on
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
    ("flag-collection", po::value(&config.flag_collections)->composing()->value_name("NAME"),
     "a collection of flag definitions (flagd's format, docs/flags.md): a write that would "
     "leave one of its flags not compiling is refused with 400 invalid_flag (repeatable)")
    ("log-level", po::value(&log_level)->default_value(log_level), "debug, info, warn, error or off");
  // clang-format on
  po::options_description limits("Limits and timings (whole numbers; a value outside the range is refused)");
  for (const auto& flag : numeric_flags)
    limits.add_options()(flag.name, po::value<std::string>()->value_name("N"), help_text(flag).c_str());
  options.add(limits);

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
    for (const auto& flag : numeric_flags)
      if (vm.count(flag.name)) flag.store(parse_numeric_flag(flag, vm[flag.name].as<std::string>()));
    for (const auto& name : config.flag_collections)
      if (!valid_collection(name)) throw UsageError("--flag-collection \"" + name + "\" is not a valid collection name");
    if (config.tls_cert_file.empty() != config.tls_key_file.empty())
      throw UsageError("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
    // A request must be able to carry the largest value.
    config.max_request_bytes = std::max(config.max_request_bytes, config.max_value_bytes + 64 * 1024);
    if (!vm["data-dir"].defaulted() && config.memory)
      throw UsageError("--memory and --data-dir exclude each other");
    if (config.data_dir.empty()) throw UsageError("--data-dir must name a directory");
    if (renew_epoch && config.memory) throw UsageError("--renew-epoch needs a --data-dir (every --memory start is a new epoch)");
    config.access = AccessPolicy::load(auth_file, token_flags);
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
