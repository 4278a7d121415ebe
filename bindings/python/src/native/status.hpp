#pragma once
// hs_client_status -> a dict the Python layer turns into hotstate.Status.

#include <pybind11/pybind11.h>

#include "client.hpp"
#include "hotstate.h"

namespace hotstate_py {

pybind11::dict status_to_dict(const hs_client_status& status);

// Adds status() to the Client class.
void register_status(ClientClass& cls);

}  // namespace hotstate_py
