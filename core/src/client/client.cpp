// hotstate::Client's public methods: validation, local reads, waits and callbacks. The
// stream lives in transport.cpp and replica_sync.cpp (assembled in client_core.cpp), writes in client_writes.cpp.

#include <algorithm>
#include <boost/json.hpp>

#include "client_core.hpp"
#include "fork_guard.hpp"
#include "hotstate/names.hpp"
#include "hotstate/value.hpp"

namespace hotstate {

const char* to_string(LinkState state) {
  switch (state) {
    case LinkState::Connecting: return "CONNECTING";
    case LinkState::Syncing: return "SYNCING";
    case LinkState::Live: return "LIVE";
    case LinkState::Stale: return "STALE";
    case LinkState::Offline: return "OFFLINE";
    case LinkState::Closed: return "CLOSED";
  }
  return "?";
}

const char* to_string(DataSource source) {
  switch (source) {
    case DataSource::None: return "none";
    case DataSource::Cache: return "cache";
    case DataSource::Server: return "server";
  }
  return "?";
}

namespace {

[[noreturn]] void invalid(const std::string& message) { throw ClientError(ErrorCode::InvalidArgument, message); }

// Every flag collection is replicated whole: a selector is added unless one covers it.
ClientOptions with_flag_selectors(ClientOptions options) {
  for (const auto& name : options.flag_collections) {
    if (!valid_collection(name)) invalid("flag collection \"" + name + "\" is not a valid collection name");
    bool covered = std::any_of(options.selectors.begin(), options.selectors.end(),
                               [&](const Selector& s) { return s.collection == name && s.prefix.empty(); });
    if (!covered) options.selectors.push_back({name, ""});
  }
  return options;
}

void validate(const ClientOptions& options) {
  if (options.urls.empty()) invalid("ClientOptions.urls needs at least one server URL");
  if (options.selectors.empty())
    invalid("ClientOptions.selectors needs at least one selector (or flag_collections a collection)");
  for (const auto& s : options.selectors) {
    if (!valid_collection(s.collection))
      invalid("selector collection \"" + s.collection + "\" is not a valid collection name");
    if (s.prefix.size() > kMaxKeyBytes || !valid_utf8(s.prefix))
      invalid("selector prefix must be UTF-8 of at most 1024 bytes");
  }
  if (options.backoff_initial.count() <= 0 || options.backoff_max < options.backoff_initial)
    invalid("backoff_initial must be positive and at most backoff_max");
  if (options.stale_after.count() < 0) invalid("stale_after must not be negative");
  if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0)
    invalid("timeouts must be positive");
  if (!options.cache_path.empty() && options.cache_interval.count() <= 0)
    invalid("cache_interval must be positive");
}

}  // namespace

Client::Client(ClientOptions options) {
  options = with_flag_selectors(std::move(options));
  validate(options);
  try {
    core_ = std::make_shared<Core>(std::move(options));
  } catch (const std::invalid_argument& e) {
    invalid(e.what());  // a URL the client cannot use
  }
  core_->start();
  live_.store(core_.get(), std::memory_order_release);
}

Client::~Client() { close(); }

void Client::close() {
  closed_.store(true, std::memory_order_release);
  Core* core = live_.load(std::memory_order_acquire);
  if (!core) return;
  // In a child of fork(): retire the inherited core without starting a new one.
  if (core->fork_generation.load(std::memory_order_relaxed) != client::fork_generation())
    core = &adopt_after_fork(false);
  core->close();
}

void Client::check_open() const {
  if (closed_.load(std::memory_order_acquire)) [[unlikely]]
    throw ClientError(ErrorCode::Closed, "the client is closed");
}

Client::Core& Client::core() const {
  Core* core = live_.load(std::memory_order_acquire);
  if (core->fork_generation.load(std::memory_order_relaxed) == client::fork_generation()) [[likely]]
    return *core;
  return adopt_after_fork(true);
}

Client::Core& Client::adopt_after_fork(bool start) const {
  std::lock_guard lock(client::rebirth_mutex());
  Core* inherited = live_.load(std::memory_order_relaxed);
  std::uint64_t here = client::fork_generation();
  if (inherited->fork_generation.load(std::memory_order_relaxed) == here) return *inherited;  // another thread did
  client::keep_forever(core_);  // its std::threads name threads that do not exist here
  if (start && !inherited->closing) {
    try {
      auto reborn = std::make_shared<Core>(inherited->options);
      reborn->start_in_child(*inherited);
      inherited->release_inherited();
      core_ = std::move(reborn);
      live_.store(core_.get(), std::memory_order_release);
      return *core_;
    } catch (const std::exception& e) {
      // Reads keep answering from the inherited replica; the status says why it is CLOSED.
      inherited->release_inherited(std::string("cannot restart after fork(): ") + e.what());
    }
  } else {
    inherited->release_inherited();
  }
  inherited->fork_generation.store(here, std::memory_order_relaxed);
  return *inherited;
}

RecordPtr Client::get(std::string_view collection, std::string_view key) const {
  check_open();
  return core().cell.current().find_shared(collection, key);
}

std::optional<std::string> Client::get_json(std::string_view collection, std::string_view key) const {
  check_open();
  const auto& state = core().cell.current();
  const Record* record = state.find(collection, key);
  if (!record) return std::nullopt;
  return flex_to_json(record->value);
}

std::vector<RecordPtr> Client::scan(std::string_view collection, std::string_view prefix) const {
  check_open();
  return core().cell.current().scan(collection, prefix);
}

ReadTxn Client::read() const {
  check_open();
  return ReadTxn(core().cell.current_shared());
}

std::uint64_t ReadTxn::revision() const { return state_->revision; }
std::uint64_t ReadTxn::epoch() const { return state_->epoch; }
std::size_t ReadTxn::size() const { return state_->keys; }

const Record* ReadTxn::get(std::string_view collection, std::string_view key) const {
  return state_->find(collection, key);
}

std::vector<const Record*> ReadTxn::scan(std::string_view collection, std::string_view prefix) const {
  std::vector<const Record*> out;
  for (const auto& r : state_->scan(collection, prefix)) out.push_back(r.get());  // owned by the state
  return out;
}

RecordPtr ReadTxn::get_shared(std::string_view collection, std::string_view key) const {
  return state_->find_shared(collection, key);
}

std::vector<RecordPtr> ReadTxn::scan_shared(std::string_view collection, std::string_view prefix) const {
  return state_->scan(collection, prefix);
}

ClientStatus Client::status() const { return core().board.snapshot(); }

bool Client::wait_ready(std::chrono::milliseconds timeout) const {
  check_open();
  return core().board.wait_until(timeout, [](const ClientStatus& s) {
    return s.state == LinkState::Live || s.state == LinkState::Closed;
  }) && core().board.link_state() == LinkState::Live;
}

bool Client::wait_for_revision(std::uint64_t revision, std::chrono::milliseconds timeout) const {
  check_open();
  return core().board.wait_until(timeout, [&](const ClientStatus& s) { return s.revision >= revision; });
}

void Client::reconnect_now() {
  check_open();
  core().transport.reconnect_now();
}

SubscriptionId Client::on_change(ChangeFilter filter, ChangeCallback callback) {
  check_open();
  if (!callback) invalid("on_change needs a callback");
  if (!filter.collection.empty() && !valid_collection(filter.collection))
    invalid("filter collection \"" + filter.collection + "\" is not a valid collection name");
  return core().dispatcher->add_change(std::move(filter), std::move(callback));
}

SubscriptionId Client::on_status(StatusCallback callback) {
  check_open();
  if (!callback) invalid("on_status needs a callback");
  return core().dispatcher->add_status(std::move(callback));
}

void Client::unsubscribe(SubscriptionId id) { core().dispatcher->remove(id); }

}  // namespace hotstate
