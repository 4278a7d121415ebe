#pragma once
// Scans and read transactions (hotstate._native.Read): many reads at one revision.

#include <pybind11/pybind11.h>

#include "hotstate.h"

namespace hotstate_py {

// The iterator's records as a list of Records (each retained), then frees the iterator.
pybind11::list drain_iter(hs_iter* iter);

void register_read(pybind11::module_& m);

}  // namespace hotstate_py
