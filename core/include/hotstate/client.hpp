#pragma once
// hotstate::Client — a local replica of the collections an application selects, kept up
// to date over one stream to hotstated. Reads are lookups in process memory: no network,
// no lock shared with the I/O thread, and they keep answering (with the last state
// received) while the server is unreachable. See docs/cpp-client.md.
//
// Threads: the client runs one I/O thread (connection, replica updates) and one
// dispatcher thread (your change and status callbacks, in revision order). Every public
// method is safe to call from any thread.
//
// fork() (gunicorn, uWSGI, Celery pre-fork): a client opened before fork() keeps working in
// the child. Its first use there serves the inherited replica at once and starts the
// child's own threads and connection, which resumes from the inherited revision (a
// catch-up, not a full snapshot); change callbacks carry over. The parent is unaffected.
// A child that never uses the client starts nothing. See docs/cpp-client.md.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hotstate/error_code.hpp"
#include "hotstate/flags.hpp"
#include "hotstate/record.hpp"

namespace hotstate {

struct Selector {
  std::string collection{};
  std::string prefix{};  // empty: the whole collection
};

struct ClientOptions {
  // Servers to try in turn: "http://host:port" or, with TLS, "https://host:port" (ws://
  // and wss:// mean the same; the stream path is added). Without a port: 80, or 443 for
  // https. At least one.
  std::vector<std::string> urls{};
  // What the replica holds. At least one, unless flag_collections names one.
  std::vector<Selector> selectors{};
  // Collections of flag definitions (flagd's format, docs/flags.md) to evaluate with
  // evaluate_*(). Each is replicated whole (a selector is added for it) and its flags are
  // compiled as their records arrive, on the I/O thread, never at evaluation time.
  std::vector<std::string> flag_collections{};
  // No frame for this long marks the link STALE; twice this drops and reconnects it.
  // 0: three times the server's heartbeat interval.
  std::chrono::milliseconds stale_after{0};
  // Reconnection: full-jitter exponential backoff between initial and max; the delay
  // resets once a link has stayed up for `stable_after`.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10'000};
  std::chrono::milliseconds stable_after{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  // HTTP writes (put/del/txn).
  std::chrono::milliseconds request_timeout{10'000};
  // Offline cache: empty = none. Written atomically every `cache_interval` and at close;
  // read at start so reads work before (and without) any connection.
  std::string cache_path{};
  std::chrono::milliseconds cache_interval{10'000};
  // https:// servers must present a certificate for the URL's host name or IP address
  // that chains to a trusted CA: the system's trust store when this is empty, else only
  // the CAs in this PEM file. Verification cannot be turned off. See docs/tls.md.
  std::string ca_file{};
  std::string client_name = "hotstate-cpp";
  // API token (the server's --auth-file/--token): sent in Hello and as a Bearer token on
  // writes. Empty: none (an open server).
  std::string token{};
  // Change batches waiting for the dispatcher before they are merged into one.
  std::size_t callback_queue_limit = 10'000;
};

enum class LinkState { Connecting, Syncing, Live, Stale, Offline, Closed };
enum class DataSource { None, Cache, Server };

const char* to_string(LinkState state);
const char* to_string(DataSource source);

struct ClientStatus {
  LinkState state = LinkState::Connecting;
  DataSource source = DataSource::None;
  std::uint64_t epoch = 0;
  std::uint64_t revision = 0;         // the replica's revision
  std::uint64_t server_revision = 0;  // latest the server told us about
  // Time since the last frame from the server (nullopt: never heard from one).
  std::optional<std::chrono::milliseconds> since_last_contact;
  std::uint64_t connects = 0;       // successful connections so far
  std::uint64_t reconnect_attempts = 0;  // failed or dropped attempts since the last LIVE
  std::uint64_t resets = 0;         // times the replica was replaced by a reset snapshot
  std::string last_error;
  std::string server_url;           // the URL of the current or last link
  std::size_t keys = 0;
  std::size_t bytes = 0;            // value bytes held
  std::size_t flag_errors = 0;      // flags of flag_collections that do not compile (flag_problems())
};

// One record that changed: before and after (null when absent on that side).
struct RecordChange {
  std::string_view collection;
  std::string_view key;
  RecordPtr before;
  RecordPtr after;
};

// What one callback receives: every change of one transaction (or, after a reset or a
// merged backlog, of one step between two states), already applied to the replica.
struct ChangeBatch {
  std::uint64_t revision = 0;
  bool reset = false;   // the replica was replaced (new history or too far behind)
  bool merged = false;  // several transactions merged (callback backlog or reset)
  std::vector<RecordChange> changes;
};

struct ChangeFilter {
  std::string collection{};          // empty: every collection
  std::string prefix{};              // keys starting with this
  std::optional<std::string> key{};  // exactly this key
  // Deliver writes that left the value byte-for-byte the same (default: skip them).
  bool include_unchanged_values = false;
};

using ChangeCallback = std::function<void(const ChangeBatch&)>;
using StatusCallback = std::function<void(const ClientStatus&)>;
using SubscriptionId = std::uint64_t;

// A consistent view of the replica at one revision. Records found through it stay valid
// (zero-copy) for as long as the ReadTxn lives.
class ReadTxn {
 public:
  std::uint64_t revision() const;
  std::uint64_t epoch() const;
  const Record* get(std::string_view collection, std::string_view key) const;
  // Records of `collection` whose key starts with `prefix`, sorted by key.
  std::vector<const Record*> scan(std::string_view collection, std::string_view prefix = {}) const;
  // The same, as owning pointers (for handles that outlive this ReadTxn's scope).
  RecordPtr get_shared(std::string_view collection, std::string_view key) const;
  std::vector<RecordPtr> scan_shared(std::string_view collection, std::string_view prefix = {}) const;
  std::size_t size() const;

  struct State;
  explicit ReadTxn(std::shared_ptr<const State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<const State> state_;
};

// Errors from writes, waits and a closed client. `kind()` is what failed, as the C ABI's
// hs_status reports it; `code()` is the server's error code for a refusal
// (condition_failed, not_found, invalid_json, ...), else the kind's name (unavailable,
// timeout, closed, invalid_argument, ...: to_string(ErrorCode)).
class ClientError : public std::runtime_error {
 public:
  ClientError(ErrorCode kind, const std::string& message)
      : std::runtime_error(message), kind_(kind), code_(to_string(kind)) {}
  // A server's answer: its own code and HTTP status.
  ClientError(ErrorCode kind, std::string code, const std::string& message, int http_status)
      : std::runtime_error(message), kind_(kind), code_(std::move(code)), http_status_(http_status) {}
  ErrorCode kind() const { return kind_; }
  const std::string& code() const { return code_; }
  int http_status() const { return http_status_; }

 private:
  ErrorCode kind_;
  std::string code_;
  int http_status_ = 0;
};

class Client {
 public:
  // Starts the I/O and dispatcher threads and returns at once (loading the offline
  // cache first when there is one). Throws ClientError("invalid_argument") for bad
  // options.
  explicit Client(ClientOptions options);
  ~Client();  // close()
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Stops both threads, writes the offline cache, releases everything. Idempotent. Safe
  // from a callback (the dispatcher thread then finishes on its own).
  // After close (the same rule as the C ABI's hs_client_close): reads, scans, read(),
  // writes, waits, reconnect_now and on_* throw ClientError kind Closed and change nothing;
  // evaluate*() return the fallback with FlagErrorCode::General ("the client is closed").
  // status() (state Closed), close(), unsubscribe() and wipe_cache() keep working, and what
  // was read before (RecordPtr, ReadTxn) stays valid.
  void close();

  // ---- local reads (never touch the network) ----
  RecordPtr get(std::string_view collection, std::string_view key) const;
  // Renders the value as JSON; nullopt when absent.
  std::optional<std::string> get_json(std::string_view collection, std::string_view key) const;
  std::vector<RecordPtr> scan(std::string_view collection, std::string_view prefix = {}) const;
  ReadTxn read() const;

  // ---- flags, evaluated locally (hotstate/flags.hpp, docs/flags.md) ----
  // The flag `key` of `collection` (one of ClientOptions::flag_collections) for `context`.
  // Never throws for a missing, broken or mistyped flag: the result carries the error and
  // the typed forms return `fallback`. Wait-free, like get().
  FlagEvaluation evaluate(std::string_view collection, std::string_view key,
                          const EvalContext& context = EvalContext::empty(),
                          ExpectedType expected = ExpectedType::Any) const;
  FlagDetails<bool> evaluate_bool(std::string_view collection, std::string_view key, bool fallback,
                                  const EvalContext& context = EvalContext::empty()) const;
  FlagDetails<std::string> evaluate_string(std::string_view collection, std::string_view key, std::string fallback,
                                           const EvalContext& context = EvalContext::empty()) const;
  // Integer flags: a number variant without an exact int64 value is a TypeMismatch.
  FlagDetails<std::int64_t> evaluate_int(std::string_view collection, std::string_view key, std::int64_t fallback,
                                         const EvalContext& context = EvalContext::empty()) const;
  FlagDetails<double> evaluate_double(std::string_view collection, std::string_view key, double fallback,
                                      const EvalContext& context = EvalContext::empty()) const;
  // Object flags (JSON object variants): the value as JSON text (details.flex() has it as
  // FlexBuffers); `fallback_json` when the default applies.
  FlagDetails<std::string> evaluate_object(std::string_view collection, std::string_view key,
                                           std::string fallback_json,
                                           const EvalContext& context = EvalContext::empty()) const;
  // Calls `callback` (dispatcher thread) whenever the flag's evaluation for `context`
  // gives another variant, value or error than it last did — after record changes, not
  // merely because time passed. The result at subscription is the starting point (no
  // call for it). Unsubscribe with unsubscribe().
  SubscriptionId on_flag_change(std::string collection, std::string key, EvalContext context,
                                FlagChangeCallback callback);
  // Flags of the flag collections that do not compile (they evaluate to the default with
  // PARSE_ERROR), sorted by collection and key.
  std::vector<FlagProblem> flag_problems() const;

  // ---- state of the link and the replica ----
  ClientStatus status() const;
  // True once the replica is LIVE (first sync done), false on timeout.
  bool wait_ready(std::chrono::milliseconds timeout) const;
  // True once the replica reached `revision` (read-your-writes after put()).
  bool wait_for_revision(std::uint64_t revision, std::chrono::milliseconds timeout) const;
  // Drops the current link and reconnects now (network back, laptop woke up).
  void reconnect_now();

  // ---- callbacks (run on the dispatcher thread, in revision order) ----
  SubscriptionId on_change(ChangeFilter filter, ChangeCallback callback);
  SubscriptionId on_status(StatusCallback callback);
  // After it returns, the callback is not running and will not run again (unless called
  // from that callback itself).
  void unsubscribe(SubscriptionId id);

  // ---- writes (HTTP to the same servers; return the committed revision) ----
  // if_revision: only when the record's mod_revision equals it (0 = absent).
  std::uint64_t put(std::string_view collection, std::string_view key, std::string_view json,
                    std::optional<std::uint64_t> if_revision = std::nullopt);
  std::uint64_t del(std::string_view collection, std::string_view key,
                    std::optional<std::uint64_t> if_revision = std::nullopt);
  // `txn_json` as for POST /v1/txn. Returns the revision (the current one when the
  // transaction changed nothing).
  std::uint64_t txn(std::string_view txn_json);

  // ---- offline cache ----
  // Removes this client's cache file (and temporary files of interrupted writes). The
  // replica and reads are untouched. The file is not written again for the state the
  // replica holds now (that would undo the wipe at the next interval); it comes back with
  // the replica's next change, or never if the client is closed. To be rid of it for good,
  // close() first, then wipe. Throws ClientError "invalid_argument" without a cache_path,
  // "io_error" when a file is there but cannot be removed (the message says why).
  void wipe_cache();

  struct Core;

 private:
  // This process's core. In a child of fork(), the first call replaces the inherited one
  // (whose threads are gone); `start` false (close) only retires it.
  Core& core() const;
  Core& adopt_after_fork(bool start) const;

  mutable std::shared_ptr<Core> core_;  // replaced only under the rebirth lock
  mutable std::atomic<Core*> live_{nullptr};  // core_.get(), for lock-free entry points
  // Set by close() only: a child of fork() whose restart failed still reads the inherited
  // replica (its core is retired, not closed by the caller).
  std::atomic<bool> closed_{false};
  // Throws ClientError kind Closed after close().
  void check_open() const;
};

// Removes the offline cache file at `path` (and temporary files of interrupted writes next
// to it), e.g. before opening a client that must not start from it. Succeeds when there is
// nothing to remove; never removes a directory. Throws ClientError "invalid_argument" for
// an empty path, "io_error" when a file is there but cannot be removed. A client open on
// the same path writes it again at its next interval: use Client::wipe_cache() for that.
void wipe_offline_cache(const std::string& path);

}  // namespace hotstate
