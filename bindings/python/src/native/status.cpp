#include "status.hpp"

#include "client.hpp"
#include "errors.hpp"

namespace py = pybind11;

namespace hotstate_py {

py::dict status_to_dict(const hs_client_status& s) {
  py::dict d;
  d["state"] = static_cast<int>(s.state);
  d["source"] = static_cast<int>(s.source);
  d["epoch"] = s.epoch;
  d["revision"] = s.revision;
  d["server_revision"] = s.server_revision;
  d["since_last_contact_ms"] = s.since_last_contact_ms < 0 ? py::object(py::none()) : py::int_(s.since_last_contact_ms);
  d["connects"] = s.connects;
  d["reconnect_attempts"] = s.reconnect_attempts;
  d["resets"] = s.resets;
  d["keys"] = s.keys;
  d["bytes"] = s.bytes;
  d["last_error"] = py::str(s.last_error);
  d["flag_errors"] = s.flag_errors;
  return d;
}

void register_status(ClientClass& cls) {
  cls.def("status", [](Client& client) {
    hs_client_status status = HS_CLIENT_STATUS_INIT;
    check(hs_client_status_get(client.handle(), &status));
    return status_to_dict(status);
  });
}

}  // namespace hotstate_py
