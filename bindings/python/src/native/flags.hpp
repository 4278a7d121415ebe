#pragma once
// Flags evaluated locally (docs/flags.md): evaluate_bool/string/int/float/object and
// evaluate on the Client, and the list of flags that do not compile. Evaluations keep the
// GIL: they never block, and take about a microsecond.

#include <pybind11/pybind11.h>

#include "client.hpp"

namespace hotstate_py {

// Adds the evaluate_* methods and flag_problems_json to the Client class.
void register_flags(ClientClass& cls);

}  // namespace hotstate_py
