#pragma once
// hotstate._native.Client: one hs_client, with the GIL released around every call that
// blocks or waits for the client's threads.

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hotstate.h"

namespace hotstate_py {

struct OpenArgs {
  std::vector<std::string> urls;
  std::vector<std::pair<std::string, std::string>> selectors;  // (collection, prefix)
  std::vector<std::string> flag_collections;                    // replicated whole, evaluated
  std::optional<std::string> cache_path;
  // Durations in ms; 0 (the default) is the core's own default (hotstate.h names them).
  std::uint32_t cache_interval_ms = 0, stale_after_ms = 0;
  std::uint32_t backoff_initial_ms = 0, backoff_max_ms = 0;
  std::uint32_t connect_timeout_ms = 0, request_timeout_ms = 0;
  std::optional<std::string> name, token;
  std::optional<std::string> ca_file;  // https:// trust: None = the system's trust store
};

class Client {
 public:
  explicit Client(const OpenArgs& args);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  hs_client* handle() const noexcept { return client_; }
  void close();

  // Reads (local; they never block, so they keep the GIL).
  pybind11::object get(pybind11::handle collection, pybind11::handle key, pybind11::handle default_value);
  pybind11::object view(pybind11::handle collection, pybind11::handle key);
  pybind11::list scan(pybind11::handle collection, pybind11::handle prefix);

  // Waits: None waits as long as it takes; Ctrl-C interrupts them.
  void wait_ready(std::optional<double> timeout_ms);
  void wait_for_revision(std::uint64_t revision, std::optional<double> timeout_ms);

  // Writes (HTTP; blocking, without the GIL). They return the committed revision.
  std::uint64_t put_json(pybind11::handle collection, pybind11::handle key, pybind11::handle json,
                         std::optional<std::uint64_t> if_revision);
  std::uint64_t remove(pybind11::handle collection, pybind11::handle key, std::optional<std::uint64_t> if_revision);
  std::uint64_t txn(pybind11::handle json);

 private:
  hs_client* client_ = nullptr;
};

using ClientClass = pybind11::class_<Client>;
ClientClass register_client(pybind11::module_& m);

}  // namespace hotstate_py
