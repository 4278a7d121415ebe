// hotstate._native: the hs_* C ABI for Python, one thin wrapper per concept. The
// idiomatic API is the Python package around it (hotstate/__init__.py).

#include <pybind11/pybind11.h>

#include <string>

#include "callbacks.hpp"
#include "client.hpp"
#include "context.hpp"
#include "errors.hpp"
#include "evaluation.hpp"
#include "flags.hpp"
#include "hotstate.h"
#include "record.hpp"
#include "scan.hpp"
#include "status.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_native, m) {
  m.doc() = "The hotstate C ABI (libhotstate) for Python; use the hotstate package instead.";
  m.attr("ABI_VERSION") = HS_ABI_VERSION;
  m.def("version", [] { return std::string(hs_version()); });
  m.def("abi_version", &hs_abi_version);
  m.def("wipe_cache", [](const std::string& path) {
    if (path.find('\0') != std::string::npos) hotstate_py::raise_invalid("path contains a NUL character");
    hs_status status;
    {
      py::gil_scoped_release release;
      status = hs_cache_wipe(path.c_str());
    }
    hotstate_py::check(status);
  }, py::arg("path"));
  hotstate_py::register_record(m);
  auto client = hotstate_py::register_client(m);
  hotstate_py::register_status(client);
  hotstate_py::register_callbacks(client);
  hotstate_py::register_read(m);
  hotstate_py::register_context(m);
  hotstate_py::register_evaluation(m);
  hotstate_py::register_flags(client);
}
