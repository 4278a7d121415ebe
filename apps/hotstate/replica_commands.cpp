#include "replica_commands.hpp"

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <variant>

#include "exit_code.hpp"
#include "hotstate/client.hpp"
#include "hotstate/value.hpp"
#include "report.hpp"

namespace hotstate::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted = true; }

ClientOptions options_for(const ReplicaArguments& args) {
  ClientOptions options;
  options.urls = {args.url};
  options.selectors = {{args.collection, args.prefix}};
  options.client_name = "hotstate-cli";
  if (const char* token = std::getenv("HOTSTATE_TOKEN")) options.token = token;
  if (args.cache_path) options.cache_path = *args.cache_path;
  options.ca_file = args.ca_file;
  return options;
}

std::string record_line(const Record& record) {
  std::string line = R"({"collection":)";
  append_json_string(line, record.collection);
  line += R"(,"key":)";
  append_json_string(line, record.key);
  line += R"(,"value":)" + flex_to_json(record.value);
  line += R"(,"mod_revision":)" + std::to_string(record.mod_revision) + "}";
  return line;
}

std::string change_line(std::uint64_t revision, const RecordChange& change) {
  std::string line = R"({"revision":)" + std::to_string(revision) + R"(,"collection":)";
  append_json_string(line, change.collection);
  line += R"(,"key":)";
  append_json_string(line, change.key);
  if (change.after)
    line += R"(,"op":"put","value":)" + flex_to_json(change.after->value) + "}";
  else
    line += R"(,"op":"delete"})";
  return line;
}

std::string status_line(const ClientStatus& status) {
  std::string state = to_string(status.state);
  for (auto& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string line = R"({"event":")" + state + R"(","revision":)" + std::to_string(status.revision);
  if (status.state != LinkState::Live && !status.last_error.empty()) {
    line += R"(,"error":)";
    append_json_string(line, status.last_error);
  }
  return line + "}";
}

void emit(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int watch(const ReplicaArguments& args) {
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  Client client(options_for(args));

  // Callbacks queue what they see; this thread prints, so output is never interleaved.
  using Event = std::variant<ChangeBatch, ClientStatus>;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Event> events;
  auto push = [&](Event event) {
    {
      std::lock_guard lock(mutex);
      events.push_back(std::move(event));
    }
    wake.notify_one();
  };
  client.on_change({}, [&](const ChangeBatch& batch) { push(batch); });
  client.on_status([&](const ClientStatus& status) { push(status); });

  while (!g_interrupted && !client.wait_ready(std::chrono::milliseconds(200))) {
  }
  if (g_interrupted) return kExitOk;
  {
    // Status changes before the first LIVE are history by now.
    std::lock_guard lock(mutex);
    std::erase_if(events, [](const Event& e) { return std::holds_alternative<ClientStatus>(e); });
  }
  ReadTxn initial = client.read();
  for (const Record* record : initial.scan(args.collection, args.prefix)) emit(record_line(*record));
  emit(R"({"event":"live","revision":)" + std::to_string(initial.revision()) + "}");

  LinkState printed = LinkState::Live;
  while (!g_interrupted) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, std::chrono::milliseconds(200), [&] { return !events.empty(); });
    while (!events.empty()) {
      Event event = std::move(events.front());
      events.pop_front();
      lock.unlock();
      if (auto* batch = std::get_if<ChangeBatch>(&event)) {
        if (batch->revision > initial.revision() || batch->reset) {
          if (batch->reset) emit(R"({"event":"reset","revision":)" + std::to_string(batch->revision) + "}");
          for (const auto& change : batch->changes) emit(change_line(batch->revision, change));
        }
      } else {
        // Only the states a watcher acts on; CONNECTING/SYNCING between retries are noise.
        const auto& status = std::get<ClientStatus>(event);
        bool reported = status.state == LinkState::Live || status.state == LinkState::Stale ||
                        status.state == LinkState::Offline;
        if (reported && status.state != printed) {
          emit(status_line(status));
          printed = status.state;
        }
      }
      lock.lock();
    }
  }
  return kExitOk;
}

int snapshot(const ReplicaArguments& args, std::chrono::milliseconds timeout) {
  Client client(options_for(args));
  if (!client.wait_ready(timeout)) {
    print_error("timeout", "the replica did not become LIVE within " + std::to_string(timeout.count()) +
                               " ms: " + client.status().last_error);
    return kExitNetwork;
  }
  ReadTxn txn = client.read();
  for (const Record* record : txn.scan(args.collection, args.prefix)) emit(record_line(*record));
  return kExitOk;
}

}  // namespace hotstate::cli
