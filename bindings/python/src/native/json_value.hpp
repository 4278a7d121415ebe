#pragma once
// JSON text the library produced (a flag's metadata) -> a fresh Python object, without a
// round trip through the json module.

#include <pybind11/pybind11.h>

#include <string_view>

namespace hotstate_py {

// dict, list, str, int, float, bool or None. InternalError for text that is not JSON
// (the library only hands out valid JSON).
pybind11::object json_to_python(std::string_view json);

}  // namespace hotstate_py
