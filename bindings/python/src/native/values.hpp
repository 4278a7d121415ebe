#pragma once
// Record values (FlexBuffers bytes, as the C ABI lends them) -> plain Python objects, and
// Python str arguments -> the UTF-8 (pointer, length) views the C ABI takes.

#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>

namespace hotstate_py {

// A fresh Python object (dict, list, str, int, float, bool or None) built from the
// value's bytes: mutating it never touches the replica.
pybind11::object flex_to_python(const std::uint8_t* data, std::size_t size);

// The UTF-8 bytes of a str argument, borrowed from the str object (which caches them).
struct Utf8 {
  const char* data;
  std::size_t size;
};
// TypeError unless `text` is a str; `what` names the argument in the message.
Utf8 utf8_arg(pybind11::handle text, const char* what);
// As utf8_arg, for names the C ABI takes NUL-terminated: an embedded NUL is refused.
const char* name_arg(pybind11::handle text, const char* what);

}  // namespace hotstate_py
