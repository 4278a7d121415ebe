#pragma once
// One context attribute: a Python value -> the hs_context setter that takes it (nested
// dicts and lists as JSON text). Used by context.cpp only.

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>

#include "hotstate.h"

namespace hotstate_py {

// A value a context cannot hold. `path` locates it below the attribute ("['tags'][2]"),
// `problem` says what is wrong; the caller prefixes the attribute's own place.
struct BadContextValue {
  std::string path;
  std::string problem;
};

// Sets attribute `name` (NUL-terminated UTF-8) of `context` to `value`: None, bool, int
// (64 bits, signed or unsigned), finite float, str, or dicts (str keys; any Mapping) and
// lists/tuples of those. Throws BadContextValue for anything else and changes nothing then.
void set_context_attribute(hs_context* context, const char* name, pybind11::handle value);

// True for a dict or another collections.abc.Mapping.
bool is_mapping(pybind11::handle value);

// The dict itself, or dict(mapping) for another Mapping.
pybind11::dict as_dict(pybind11::handle mapping);

// repr(text) of a str, for messages.
std::string quoted(pybind11::handle text);

}  // namespace hotstate_py
