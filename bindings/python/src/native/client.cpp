#include "client.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "callbacks.hpp"
#include "errors.hpp"
#include "record.hpp"
#include "scan.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

struct OptionsDeleter {
  void operator()(hs_options* o) const noexcept { hs_options_free(o); }
};

std::unique_ptr<hs_options, OptionsDeleter> build_options(const OpenArgs& args) {
  hs_options* raw = nullptr;
  check(hs_options_new(&raw));
  std::unique_ptr<hs_options, OptionsDeleter> options(raw);
  for (const auto& url : args.urls) check(hs_options_add_url(raw, url.c_str()));
  for (const auto& [collection, prefix] : args.selectors)
    check(hs_options_add_selector(raw, collection.c_str(), prefix.c_str()));
  for (const auto& collection : args.flag_collections) check(hs_options_add_flag_collection(raw, collection.c_str()));
  if (args.cache_path) check(hs_options_set_cache_path(raw, args.cache_path->c_str()));
  // 0 passes through: the core's default (no default is repeated here).
  check(hs_options_set_cache_interval(raw, args.cache_interval_ms));
  check(hs_options_set_stale_after(raw, args.stale_after_ms));
  check(hs_options_set_backoff_initial(raw, args.backoff_initial_ms));
  check(hs_options_set_backoff_max(raw, args.backoff_max_ms));
  check(hs_options_set_connect_timeout(raw, args.connect_timeout_ms));
  check(hs_options_set_request_timeout(raw, args.request_timeout_ms));
  if (args.name) check(hs_options_set_client_name(raw, args.name->c_str()));
  if (args.token) check(hs_options_set_token(raw, args.token->c_str()));
  if (args.ca_file) check(hs_options_set_ca_file(raw, args.ca_file->c_str()));
  return options;
}

// Waits in short slices without the GIL, so Ctrl-C (and other signal handlers) still run.
// `what` describes the wait for a timeout's message ("not LIVE").
template <typename WaitSlice>
void wait_interruptibly(const std::string& what, std::optional<double> timeout_ms, WaitSlice wait_slice) {
  using clock = std::chrono::steady_clock;
  constexpr double kSliceMs = 100;
  const auto start = clock::now();
  for (;;) {
    double slice = kSliceMs;
    if (timeout_ms) {
      double left = *timeout_ms - std::chrono::duration<double, std::milli>(clock::now() - start).count();
      slice = std::clamp(left, 0.0, kSliceMs);
    }
    hs_status status;
    {
      py::gil_scoped_release release;
      status = wait_slice(static_cast<std::uint32_t>(slice));
    }
    if (status == HS_OK) return;
    if (status != HS_ERR_TIMEOUT) raise_status(status);
    if (timeout_ms && slice < kSliceMs) {
      std::string detail = hs_last_error();  // "... within N ms: <why>" for this slice
      auto why = detail.find(": ");
      raise_error(HS_ERR_TIMEOUT, what + " within " + std::to_string(static_cast<long long>(*timeout_ms)) + " ms" +
                                      (why == std::string::npos ? "" : detail.substr(why)));
    }
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

// Runs a blocking write (call(&revision) -> hs_status) without the GIL; the arguments it
// points into are str objects the caller keeps alive for the call.
template <typename Call>
std::uint64_t write_without_gil(Call call) {
  std::uint64_t revision = 0;
  hs_status status;
  {
    py::gil_scoped_release release;
    status = call(&revision);
  }
  check(status);
  return revision;
}

const uint64_t* optional_revision(const std::optional<std::uint64_t>& revision) {
  return revision ? &*revision : nullptr;
}

}  // namespace

Client::Client(const OpenArgs& args) {
  auto options = build_options(args);
  hs_status status;
  {
    py::gil_scoped_release release;  // opening reads the cache file
    status = hs_client_open(options.get(), &client_);
  }
  check(status);
}

Client::~Client() {
  if (!client_) return;
  if (on_callback_thread()) {
    // The last reference went away inside one of this client's callbacks: hs_client_free
    // may not run there (it joins that thread), so close now and free elsewhere.
    hs_client_close(client_);
    std::thread([client = client_] { hs_client_free(client); }).detach();
    return;
  }
  py::gil_scoped_release release;  // free joins the callback thread, which may wait for the GIL
  hs_client_free(client_);
}

void Client::close() {
  py::gil_scoped_release release;
  hs_client_close(client_);
}

py::object Client::get(py::handle collection, py::handle key, py::handle default_value) {
  const char* name = name_arg(collection, "collection");
  Utf8 k = utf8_arg(key, "key");
  hs_record* record = nullptr;
  hs_status status = hs_get(client_, name, k.data, k.size, &record);
  if (status == HS_ERR_NOT_FOUND) return py::reinterpret_borrow<py::object>(default_value);
  check(status);
  Record owner(record);  // frees it on every path
  return record_value(record);
}

py::object Client::view(py::handle collection, py::handle key) {
  const char* name = name_arg(collection, "collection");
  Utf8 k = utf8_arg(key, "key");
  hs_record* record = nullptr;
  hs_status status = hs_get(client_, name, k.data, k.size, &record);
  if (status == HS_ERR_NOT_FOUND) return py::none();
  check(status);
  return py::cast(new Record(record), py::return_value_policy::take_ownership);
}

py::list Client::scan(py::handle collection, py::handle prefix) {
  const char* name = name_arg(collection, "collection");
  Utf8 p = utf8_arg(prefix, "prefix");
  hs_iter* iter = nullptr;
  check(hs_scan(client_, name, p.data, p.size, &iter));
  return drain_iter(iter);
}

void Client::wait_ready(std::optional<double> timeout_ms) {
  wait_interruptibly("not LIVE", timeout_ms, [this](std::uint32_t ms) { return hs_client_wait_ready(client_, ms); });
}

void Client::wait_for_revision(std::uint64_t revision, std::optional<double> timeout_ms) {
  wait_interruptibly("revision " + std::to_string(revision) + " not reached", timeout_ms,
                     [&](std::uint32_t ms) { return hs_client_wait_for_revision(client_, revision, ms); });
}

std::uint64_t Client::put_json(py::handle collection, py::handle key, py::handle json,
                               std::optional<std::uint64_t> if_revision) {
  const char* name = name_arg(collection, "collection");
  Utf8 k = utf8_arg(key, "key"), value = utf8_arg(json, "json");
  return write_without_gil([&](std::uint64_t* revision) {
    return hs_put_json(client_, name, k.data, k.size, value.data, value.size, optional_revision(if_revision),
                       revision);
  });
}

std::uint64_t Client::remove(py::handle collection, py::handle key, std::optional<std::uint64_t> if_revision) {
  const char* name = name_arg(collection, "collection");
  Utf8 k = utf8_arg(key, "key");
  return write_without_gil([&](std::uint64_t* revision) {
    return hs_delete(client_, name, k.data, k.size, optional_revision(if_revision), revision);
  });
}

std::uint64_t Client::txn(py::handle json) {
  Utf8 body = utf8_arg(json, "json");
  return write_without_gil([&](std::uint64_t* revision) { return hs_txn(client_, body.data, body.size, revision); });
}

ClientClass register_client(py::module_& m) {
  ClientClass cls(m, "Client");
  cls
      .def(py::init([](std::vector<std::string> urls, std::vector<std::pair<std::string, std::string>> selectors,
                       std::vector<std::string> flag_collections, std::optional<std::string> cache_path,
                       std::uint32_t cache_interval_ms, std::uint32_t stale_after_ms, std::uint32_t backoff_initial_ms,
                       std::uint32_t backoff_max_ms, std::uint32_t connect_timeout_ms, std::uint32_t request_timeout_ms,
                       std::optional<std::string> name, std::optional<std::string> token,
                       std::optional<std::string> ca_file) {
             OpenArgs args{std::move(urls),       std::move(selectors), std::move(flag_collections),
                           std::move(cache_path), cache_interval_ms,   stale_after_ms,
                           backoff_initial_ms,    backoff_max_ms,      connect_timeout_ms,
                           request_timeout_ms,    std::move(name),     std::move(token),
                           std::move(ca_file)};
             return new Client(args);
           }),
           py::kw_only(), py::arg("urls"), py::arg("selectors"),
           py::arg("flag_collections") = std::vector<std::string>{}, py::arg("cache_path") = py::none(),
           py::arg("cache_interval_ms") = 0, py::arg("stale_after_ms") = 0, py::arg("backoff_initial_ms") = 0,
           py::arg("backoff_max_ms") = 0, py::arg("connect_timeout_ms") = 0, py::arg("request_timeout_ms") = 0,
           py::arg("name") = py::none(), py::arg("token") = py::none(), py::arg("ca_file") = py::none())
      .def("close", &Client::close)
      .def("get", &Client::get, py::arg("collection"), py::arg("key"), py::arg("default") = py::none())
      .def("view", &Client::view, py::arg("collection"), py::arg("key"))
      .def("scan", &Client::scan, py::arg("collection"), py::arg("prefix") = "")
      .def("wait_ready", &Client::wait_ready, py::arg("timeout_ms"))
      .def("wait_for_revision", &Client::wait_for_revision, py::arg("revision"), py::arg("timeout_ms"))
      .def("reconnect_now", [](Client& c) { check(hs_client_reconnect_now(c.handle())); })
      .def("put_json", &Client::put_json, py::arg("collection"), py::arg("key"), py::arg("json"),
           py::arg("if_revision") = py::none())
      .def("delete", &Client::remove, py::arg("collection"), py::arg("key"), py::arg("if_revision") = py::none())
      .def("txn", &Client::txn, py::arg("json"))
      .def("wipe_cache", [](Client& c) {
        hs_status status;
        {
          py::gil_scoped_release release;  // waits for a cache write in progress
          status = hs_client_wipe_cache(c.handle());
        }
        check(status);
      });
  return cls;
}

}  // namespace hotstate_py
