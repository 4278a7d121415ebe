#include "context_values.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>

#include "errors.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

// Deeper than the library accepts (JSON depth 64); also stops a dict that contains itself.
constexpr int kMaxDepth = 64;

const char* kSupported = "use str, int, float, bool, None, or dicts and lists of them";

[[noreturn]] void bad(std::string problem) { throw BadContextValue{"", std::move(problem)}; }

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

// The UTF-8 bytes of a str (cached by the str object).
std::string_view utf8_of(py::handle text) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (!data) {
    PyErr_Clear();
    bad("text that is not valid Unicode (a lone surrogate)");
  }
  return {data, static_cast<std::size_t>(size)};
}

// An int as decimal text when it is outside int64 but within uint64 (JSON keeps it exact).
struct Int {
  bool is_unsigned = false;
  std::int64_t value = 0;
  std::uint64_t unsigned_value = 0;
};

Int int_of(py::handle value) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow == 0) {
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    return {false, v, 0};
  }
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(value.ptr());
    if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) return {true, 0, u};
    PyErr_Clear();
  }
  bad("an integer that does not fit in 64 bits");
}

double finite_float_of(py::handle value) {
  double d = PyFloat_AsDouble(value.ptr());
  if (!std::isfinite(d)) bad(std::string(std::isnan(d) ? "nan" : "an infinite float") + ", which has no JSON form");
  return d;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escape[7];
      std::snprintf(escape, sizeof escape, "\\u%04x", byte);
      out += escape;
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_json(std::string& out, py::handle value, int depth);

// Runs `append` for the element at `segment`; a problem inside gets the segment prefixed.
template <class Append>
void within(const std::string& segment, Append&& append) {
  try {
    append();
  } catch (BadContextValue& e) {
    e.path = segment + e.path;
    throw;
  }
}

void append_mapping(std::string& out, py::handle mapping, int depth) {
  py::dict dict = as_dict(mapping);
  out += '{';
  bool first = true;
  PyObject *key = nullptr, *item = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict.ptr(), &pos, &key, &item)) {
    if (!PyUnicode_Check(key)) bad("an object key of type " + type_name(key) + " (keys must be str)");
    if (!first) out += ',';
    first = false;
    within("[" + quoted(key) + "]", [&] {
      append_json_string(out, utf8_of(key));
      out += ':';
      append_json(out, item, depth + 1);
    });
  }
  out += '}';
}

void append_sequence(std::string& out, py::handle sequence, int depth) {
  out += '[';
  Py_ssize_t size = PySequence_Fast_GET_SIZE(sequence.ptr());
  PyObject** items = PySequence_Fast_ITEMS(sequence.ptr());
  for (Py_ssize_t i = 0; i < size; ++i) {
    if (i > 0) out += ',';
    within("[" + std::to_string(i) + "]", [&] { append_json(out, items[i], depth + 1); });
  }
  out += ']';
}

void append_double(std::string& out, double d) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof text, d);
  std::string_view number(text, static_cast<std::size_t>(end - text));
  out += number;
  if (number.find_first_of(".e") == std::string_view::npos) out += ".0";  // stays a float
}

void append_json(std::string& out, py::handle value, int depth) {
  if (depth > kMaxDepth) bad("nesting deeper than 64 levels (a container that contains itself?)");
  PyObject* v = value.ptr();
  if (v == Py_None) {
    out += "null";
  } else if (PyBool_Check(v)) {
    out += v == Py_True ? "true" : "false";
  } else if (PyLong_Check(v)) {
    Int i = int_of(value);
    out += i.is_unsigned ? std::to_string(i.unsigned_value) : std::to_string(i.value);
  } else if (PyFloat_Check(v)) {
    append_double(out, finite_float_of(value));
  } else if (PyUnicode_Check(v)) {
    append_json_string(out, utf8_of(value));
  } else if (PyList_Check(v) || PyTuple_Check(v)) {
    append_sequence(out, value, depth);
  } else if (is_mapping(value)) {
    append_mapping(out, value, depth);
  } else {
    bad("a value of type " + type_name(value) + " (" + kSupported + ")");
  }
}

}  // namespace

bool is_mapping(py::handle value) {
  if (PyDict_Check(value.ptr())) return true;
  static py::handle mapping = py::object(py::module_::import("collections.abc").attr("Mapping")).release();
  int is = PyObject_IsInstance(value.ptr(), mapping.ptr());
  if (is < 0) throw py::error_already_set();
  return is == 1;
}

py::dict as_dict(py::handle mapping) {
  if (PyDict_Check(mapping.ptr())) return py::reinterpret_borrow<py::dict>(mapping);
  return py::dict(py::reinterpret_borrow<py::object>(mapping));  // dict(mapping)
}

std::string quoted(py::handle text) { return py::repr(text).cast<std::string>(); }

void set_context_attribute(hs_context* context, const char* name, py::handle value) {
  PyObject* v = value.ptr();
  hs_status status;
  if (v == Py_None) {
    status = hs_context_set_null(context, name);
  } else if (PyBool_Check(v)) {
    status = hs_context_set_bool(context, name, v == Py_True ? 1 : 0);
  } else if (PyUnicode_Check(v)) {
    std::string_view text = utf8_of(value);
    status = hs_context_set_string(context, name, text.data(), text.size());
  } else if (PyLong_Check(v)) {
    Int i = int_of(value);
    if (i.is_unsigned) {
      std::string text = std::to_string(i.unsigned_value);  // beyond int64: exact as JSON
      status = hs_context_set_json(context, name, text.data(), text.size());
    } else {
      status = hs_context_set_int64(context, name, i.value);
    }
  } else if (PyFloat_Check(v)) {
    status = hs_context_set_double(context, name, finite_float_of(value));
  } else if (PyList_Check(v) || PyTuple_Check(v) || is_mapping(value)) {
    std::string json;
    append_json(json, value, 1);
    status = hs_context_set_json(context, name, json.data(), json.size());
  } else {
    bad("a value of type " + type_name(value) + " (" + kSupported + ")");
  }
  check(status);
}

}  // namespace hotstate_py
