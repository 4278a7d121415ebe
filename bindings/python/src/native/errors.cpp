#include "errors.hpp"

#include <string>

namespace py = pybind11;

namespace hotstate_py {
namespace {

// hotstate._errors.error_for_status(status: int) -> type. Fetched once and kept for the
// life of the process (never destroyed, so nothing runs at interpreter shutdown).
py::handle error_factory() {
  static py::handle factory = py::object(py::module_::import("hotstate._errors").attr("error_for_status")).release();
  return factory;
}

}  // namespace

void raise_error(hs_status status, const std::string& message) {
  py::object cls = error_factory()(static_cast<int>(status));
  PyErr_SetObject(cls.ptr(), py::str(message).ptr());
  throw py::error_already_set();
}

void raise_status(hs_status status) {
  // Copy the message first: importing the error module may call back into Python code.
  std::string message = hs_last_error();
  if (message.empty()) message = hs_status_name(status);
  raise_error(status, message);
}

void raise_invalid(const char* message) { raise_error(HS_ERR_INVALID_ARGUMENT, message); }

}  // namespace hotstate_py
