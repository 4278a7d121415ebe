// hotstate: command-line client for hotstated's HTTP API (docs/cli.md).

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "hotstate/client.hpp"
#include "exit_code.hpp"
#include "flag_commands.hpp"
#include "net/http_client.hpp"
#include "input.hpp"
#include "replica_commands.hpp"
#include "report.hpp"
#include "net/tls_client.hpp"
#include "net/url.hpp"


namespace hotstate::cli {
namespace {

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:7700";
constexpr auto kTimeout = std::chrono::seconds(10);
constexpr auto kBulkTimeout = std::chrono::minutes(10);  // export and import of a whole store

constexpr std::string_view kUsage = R"(Usage: hotstate [--url URL] <command> [arguments]

Sends one request to a hotstated server and prints the server's JSON answer on stdout.

Commands:
  put C K JSON [--if-revision N]  store JSON at key K of collection C ('-' reads it from stdin)
  get C K                         print the record at key K of collection C
  del C K [--if-revision N]       delete the record at key K of collection C
  ls C [--prefix P] [--limit N]   list the records of C in key order, following every page
  txn FILE                        run the transaction in FILE ('-' reads it from stdin)
  status                          print the server's status
  export FILE                     write a consistent snapshot (one revision) to FILE as
                                  JSON lines ('-' for stdout); prints its header line
  import FILE                     load an export into an empty server ('-' reads stdin)
  watch --collection C [--prefix P] [--cache FILE]
                                  keep a local replica; print its records as JSON lines,
                                  then {"event":"live",...}, then every change and status
                                  change as it streams in (until Ctrl-C)
  snapshot --collection C [--prefix P]
                                  wait until the local replica is live, print its records
                                  as JSON lines sorted by key, and exit
  flag-import C FILE              load a flagd flag file into collection C in one
                                  transaction (each flag a record; "$evaluators" and
                                  "$metadata" too), after checking that every flag compiles
  flag-check FILE                 ask the server whether a flagd flag file is valid;
                                  prints the problems (exit 1 when there are any)
  flag-eval C KEY [--context JSON]
                                  evaluate flag KEY of collection C locally, as a service
                                  would, for the context (a JSON object), and print the
                                  value, variant, reason and error (docs/flags.md)

Options:
  --url URL          server to talk to (default: $HOTSTATE_URL, else http://127.0.0.1:7700)
                     The API token, if the server needs one, is read from $HOTSTATE_TOKEN.
  --if-revision N    only if the record's mod_revision is N; 0 means only if absent
  --prefix P         only keys that start with P
  --collection C     the collection a replica holds (watch, snapshot)
  --cache FILE       offline cache for watch: start from it, keep it up to date
  --ca-file FILE     for https:// URLs: trust only the CA certificates in FILE (PEM)
                     instead of the system's trust store; the server's certificate is
                     always verified, for the URL's host name or IP address
  --limit N          at most N records
  --context JSON     the evaluation context of flag-eval, e.g. '{"targetingKey":"u1"}'
  -h, --help         print this help
  --version          print the version
  --                 end of options, for arguments that start with --

Exit status: 0 ok, 1 other error, 2 usage error, 3 not found, 4 condition failed,
5 cannot connect, network error or timeout, 6 token missing, invalid or not allowed
(HTTP 401/403).
)";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Arguments {
  std::optional<std::string> url;
  std::optional<std::string> if_revision;
  std::optional<std::string> prefix;
  std::optional<std::string> limit;
  std::optional<std::string> collection;
  std::optional<std::string> cache;
  std::optional<std::string> ca_file;
  std::optional<std::string> context;
  bool help = false;
  bool version = false;
  std::vector<std::string> positional;  // the command and its operands
};

// Options may appear anywhere so that `hotstate get c k --url ...` works too. Only
// "--..." and "-h" are options: a lone "-" means stdin and "-5" is a JSON value.
Arguments parse_arguments(int argc, char** argv) {
  Arguments args;
  bool options_ended = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (options_ended || !(arg == "-h" || arg.rfind("--", 0) == 0)) {
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      args.help = true;
      continue;
    }
    if (arg == "--version") {
      args.version = true;
      continue;
    }

    const auto equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    std::optional<std::string>* slot = name == "--url"           ? &args.url
                                       : name == "--if-revision" ? &args.if_revision
                                       : name == "--prefix"      ? &args.prefix
                                       : name == "--limit"       ? &args.limit
                                       : name == "--collection"  ? &args.collection
                                       : name == "--cache"       ? &args.cache
                                       : name == "--ca-file"     ? &args.ca_file
                                       : name == "--context"     ? &args.context
                                                                 : nullptr;
    if (!slot) throw UsageError("unknown option '" + name + "'");
    if (slot->has_value()) throw UsageError(name + " given more than once");
    if (equals != std::string::npos) {
      *slot = arg.substr(equals + 1);
    } else if (i + 1 < argc) {
      *slot = argv[++i];
    } else {
      throw UsageError(name + " needs a value");
    }
  }
  return args;
}

std::uint64_t parse_count(const std::string& text, std::string_view option, std::uint64_t min) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min)
    throw UsageError(std::string(option) + " needs an integer >= " + std::to_string(min) +
                     ", got '" + text + "'");
  return value;
}

struct CommandShape {
  std::string_view name;
  std::size_t operands;
  std::string_view operand_names;
  bool takes_if_revision;
  bool takes_list_options;
  bool runs_a_replica = false;  // watch, snapshot: --collection, --prefix, --cache
};

constexpr CommandShape kCommands[] = {
    {"put", 3, "C K JSON", true, false}, {"get", 2, "C K", false, false},
    {"del", 2, "C K", true, false},      {"ls", 1, "C", false, true},
    {"txn", 1, "FILE", false, false},    {"status", 0, "", false, false},
    {"export", 1, "FILE", false, false}, {"import", 1, "FILE", false, false},
    {"watch", 0, "", false, false, true}, {"snapshot", 0, "", false, false, true},
    {"flag-import", 2, "C FILE", false, false}, {"flag-check", 1, "FILE", false, false},
    {"flag-eval", 2, "C KEY", false, false},
};

const CommandShape& check_shape(const Arguments& args) {
  if (args.positional.empty()) throw UsageError("no command given");
  const std::string& command = args.positional.front();
  for (const CommandShape& shape : kCommands) {
    if (shape.name != command) continue;
    const std::size_t got = args.positional.size() - 1;
    if (got != shape.operands)
      throw UsageError(command + " takes " +
                       (shape.operands == 0 ? std::string("no arguments")
                                            : std::string(shape.operand_names)) +
                       " (got " + std::to_string(got) + " argument" + (got == 1 ? "" : "s") + ")");
    if (args.if_revision && !shape.takes_if_revision)
      throw UsageError("--if-revision applies only to put and del");
    if (args.limit && !shape.takes_list_options) throw UsageError("--limit applies only to ls");
    if (args.prefix && !shape.takes_list_options && !shape.runs_a_replica)
      throw UsageError("--prefix applies only to ls, watch and snapshot");
    if ((args.collection || args.cache) && !shape.runs_a_replica)
      throw UsageError(std::string(args.collection ? "--collection" : "--cache") +
                       " applies only to watch and snapshot");
    if (shape.runs_a_replica && !args.collection) throw UsageError(command + " needs --collection C");
    if (args.cache && command != "watch") throw UsageError("--cache applies only to watch");
    if (args.context && command != "flag-eval") throw UsageError("--context applies only to flag-eval");
    return shape;
  }
  throw UsageError("unknown command '" + command + "'");
}

ServerUrl choose_server(const Arguments& args) {
  try {
    if (args.url) return parse_server_url(*args.url);
    const char* env = std::getenv("HOTSTATE_URL");
    if (env && *env) {
      try {
        return parse_server_url(env);
      } catch (const UrlError& e) {
        throw UsageError(std::string("HOTSTATE_URL: ") + e.what());
      }
    }
    return parse_server_url(kDefaultUrl);
  } catch (const UrlError& e) {
    throw UsageError(e.what());
  }
}

// Whom an https:// server must prove itself to; null for http:// without --ca-file.
std::shared_ptr<boost::asio::ssl::context> tls_context_for(const Arguments& args, const ServerUrl& server) {
  if (!server.tls && !args.ca_file) return nullptr;
  try {
    return make_client_tls_context(args.ca_file.value_or(""));
  } catch (const TlsSetupError& e) {
    throw UsageError(std::string("--ca-file: ") + e.what());
  }
}

int run(int argc, char** argv) {
  const Arguments args = parse_arguments(argc, argv);
  if (args.help) {
    std::cout << kUsage;
    return std::cout.flush() ? kExitOk : kExitError;
  }
  if (args.version) return print_output("hotstate " HOTSTATE_VERSION_STRING);

  const CommandShape& shape = check_shape(args);
  std::optional<std::uint64_t> if_revision;
  if (args.if_revision) if_revision = parse_count(*args.if_revision, "--if-revision", 0);
  std::optional<std::uint64_t> limit;
  if (args.limit) limit = parse_count(*args.limit, "--limit", 1);

  if (shape.runs_a_replica) {
    // A bad --ca-file makes the client refuse its options: a usage error, as below.
    ReplicaArguments replica{choose_server(args).text, *args.collection, args.prefix.value_or(""), args.cache,
                             args.ca_file.value_or("")};
    if (shape.name == "watch") return watch(replica);
    return snapshot(replica, std::chrono::seconds(30));
  }

  if (shape.name == "flag-eval") {
    const std::vector<std::string>& op = args.positional;
    return evaluate_flag(choose_server(args).text, args.ca_file.value_or(""), op[1], op[2], args.context);
  }

  bool bulk = shape.name == "export" || shape.name == "import";
  const ServerUrl server = choose_server(args);
  HttpClient client(server, bulk ? kBulkTimeout : kTimeout, tls_context_for(args, server));
  if (const char* token = std::getenv("HOTSTATE_TOKEN")) client.set_bearer_token(token);
  const std::vector<std::string>& op = args.positional;
  if (shape.name == "put")
    return put_record(client, op[1], op[2], op[3] == "-" ? read_input("-") : op[3], if_revision);
  if (shape.name == "get") return get_record(client, op[1], op[2]);
  if (shape.name == "del") return delete_record(client, op[1], op[2], if_revision);
  if (shape.name == "ls") return list_records(client, op[1], args.prefix, limit);
  if (shape.name == "txn") return run_txn(client, read_input(op[1]));
  if (shape.name == "export") return export_state(client, op[1]);
  if (shape.name == "import") return import_state(client, read_input(op[1]));
  if (shape.name == "flag-import") return import_flags(client, op[1], read_input(op[2]));
  if (shape.name == "flag-check") return check_flags(client, read_input(op[1]));
  return get_status(client);
}

}  // namespace
}  // namespace hotstate::cli

int main(int argc, char** argv) {
  using namespace hotstate::cli;
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    print_error("usage", std::string(e.what()) + " (see hotstate --help)");
    return kExitUsage;
  } catch (const InputError& e) {
    print_error("usage", e.what());
    return kExitUsage;
  } catch (const NetworkError& e) {
    switch (e.kind()) {
      case NetworkError::Kind::cannot_connect: print_error("cannot_connect", e.what()); break;
      case NetworkError::Kind::timeout: print_error("timeout", e.what()); break;
      case NetworkError::Kind::broken_connection: print_error("network_error", e.what()); break;
    }
    return kExitNetwork;
  } catch (const hotstate::ClientError& e) {
    print_error(e.code(), e.what());
    return e.code() == "invalid_argument" ? kExitUsage : kExitError;
  } catch (const std::exception& e) {
    print_error("error", e.what());
    return kExitError;
  }
}
