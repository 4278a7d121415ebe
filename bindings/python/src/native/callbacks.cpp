#include "callbacks.hpp"

#include <pybind11/stl.h>

#include <cstdint>
#include <optional>

#include "client.hpp"
#include "context.hpp"
#include "errors.hpp"
#include "evaluation.hpp"
#include "record.hpp"
#include "status.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

thread_local bool t_in_callback = false;

// The Python callable a subscription holds (its hs user_data).
struct Callback {
  py::object fn;
};

bool python_is_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

// Runs `call` on the callback thread with the GIL; whatever it raises goes to
// sys.unraisablehook (the Python layer logs its own callbacks' errors before that).
template <typename Call>
void run_callback(Call&& call) noexcept {
  if (python_is_finalizing()) return;  // taking the GIL now would hang this thread
  py::gil_scoped_acquire gil;
  t_in_callback = true;
  try {
    call();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("hotstate callback");
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    PyErr_WriteUnraisable(nullptr);
  }
  t_in_callback = false;
}

void free_callback(void* user_data) noexcept {
  auto* callback = static_cast<Callback*>(user_data);
  if (python_is_finalizing()) return;  // leak it: Python objects cannot be freed any more
  py::gil_scoped_acquire gil;
  delete callback;
}

// fn(revision, is_reset, [(before, after), ...]) with Records (None on an absent side).
void on_change(const hs_change_batch* batch, void* user_data) {
  run_callback([&] {
    std::size_t count = hs_change_batch_count(batch);
    py::list changes(count);
    for (std::size_t i = 0; i < count; ++i) {
      const hs_record *before = nullptr, *after = nullptr;
      check(hs_change_batch_get(batch, i, &before, &after));
      changes[i] = py::make_tuple(Record::retain(before), Record::retain(after));
    }
    static_cast<Callback*>(user_data)->fn(hs_change_batch_revision(batch), hs_change_batch_is_reset(batch) != 0,
                                          changes);
  });
}

void on_status(const hs_client_status* status, void* user_data) {
  run_callback([&] { static_cast<Callback*>(user_data)->fn(status_to_dict(*status)); });
}

// fn(evaluation) with a hotstate.Evaluation (value None when the flag gives none).
void on_flag(const hs_flag_result* result, void* user_data) {
  run_callback([&] { static_cast<Callback*>(user_data)->fn(make_evaluation(*result, HS_EXPECT_ANY, py::none())); });
}

std::optional<Utf8> optional_utf8(const std::optional<py::str>& text, const char* what) {
  if (!text) return std::nullopt;
  return utf8_arg(*text, what);
}

std::uint64_t subscribe(Client& client, py::object fn, std::optional<py::str> collection,
                        std::optional<py::str> prefix, std::optional<py::str> key, bool every_write) {
  const char* name = collection ? name_arg(*collection, "collection") : nullptr;
  auto p = optional_utf8(prefix, "prefix");
  auto k = optional_utf8(key, "key");
  auto* callback = new Callback{std::move(fn)};
  std::uint64_t id = 0;
  hs_subscribe_options options = HS_SUBSCRIBE_OPTIONS_INIT;
  options.collection = name;
  options.prefix = p ? p->data : nullptr;
  options.prefix_len = p ? p->size : 0;
  options.key = k ? k->data : nullptr;
  options.key_len = k ? k->size : 0;
  options.flags = every_write ? HS_SUBSCRIBE_UNCHANGED_VALUES : 0u;
  hs_status status = hs_subscribe(client.handle(), &options, on_change, callback, free_callback, &id);
  if (status != HS_OK) {
    delete callback;  // hs_subscribe leaves user_data to us when it fails
    raise_status(status);
  }
  return id;
}

std::uint64_t subscribe_status(Client& client, py::object fn) {
  auto* callback = new Callback{std::move(fn)};
  std::uint64_t id = 0;
  hs_status status = hs_subscribe_status(client.handle(), on_status, callback, free_callback, &id);
  if (status != HS_OK) {
    delete callback;
    raise_status(status);
  }
  return id;
}

std::uint64_t subscribe_flag(Client& client, py::handle collection, py::handle key, py::object fn,
                             py::handle context) {
  const char* name = name_arg(collection, "collection");
  Utf8 k = utf8_arg(key, "key");
  const hs_context* c = context_arg(context);  // copied by the subscription
  auto* callback = new Callback{std::move(fn)};
  std::uint64_t id = 0;
  hs_status status = hs_subscribe_flag(client.handle(), name, k.data, k.size, c, on_flag, callback, free_callback, &id);
  if (status != HS_OK) {
    delete callback;  // as for hs_subscribe
    raise_status(status);
  }
  return id;
}

void unsubscribe(Client& client, std::uint64_t id) {
  hs_status status;
  {
    py::gil_scoped_release release;  // waits for a running callback, which holds the GIL
    status = hs_unsubscribe(client.handle(), id);
  }
  check(status);
}

}  // namespace

bool on_callback_thread() noexcept { return t_in_callback; }

void register_callbacks(ClientClass& cls) {
  cls.def("subscribe", &subscribe, py::arg("fn"), py::kw_only(), py::arg("collection") = py::none(),
          py::arg("prefix") = py::none(), py::arg("key") = py::none(), py::arg("every_write") = false,
          "fn(revision, is_reset, [(before, after), ...]) on the client's callback thread after each transaction.");
  cls.def("subscribe_status", &subscribe_status, py::arg("fn"),
          "fn(status_dict) on the client's callback thread whenever the link state changes.");
  cls.def("subscribe_flag", &subscribe_flag, py::arg("collection"), py::arg("key"), py::arg("fn"),
          py::arg("context") = py::none(),
          "fn(evaluation) on the client's callback thread whenever the flag's evaluation for the context changes.");
  cls.def("unsubscribe", &unsubscribe, py::arg("id"));
}

}  // namespace hotstate_py
