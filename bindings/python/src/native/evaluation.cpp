#include "evaluation.hpp"

#include <memory>
#include <string_view>

#include "errors.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

struct Evaluation {
  py::object value;    // the flag's value, or the caller's default
  py::object variant;  // str, or None without one
  hs_flag_reason reason = HS_REASON_UNKNOWN;
  hs_flag_error error = HS_FLAG_ERROR_NONE;
  std::string error_message;  // "" unless error
  std::string metadata_json;  // a JSON object, or "" when the flag was not found
};

// hotstate._flags.REASONS / ERROR_CODES: the enum members by their C ABI number. Fetched
// once and kept for the life of the process (nothing runs at interpreter shutdown).
py::handle flags_module_attr(const char* name) {
  return py::object(py::module_::import("hotstate._flags").attr(name)).release();
}

py::object member(const char* table_name, py::handle table, std::size_t number) {
  if (number >= static_cast<std::size_t>(PyTuple_GET_SIZE(table.ptr())))
    raise_error(HS_ERR_INTERNAL, std::string("unknown ") + table_name + " number " + std::to_string(number));
  return py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(table.ptr(), static_cast<Py_ssize_t>(number)));
}

py::object reason_of(const Evaluation& e) {
  static py::handle reasons = flags_module_attr("REASONS");
  return member("reason", reasons, static_cast<std::size_t>(e.reason));
}

py::object error_code_of(const Evaluation& e) {
  static py::handle codes = flags_module_attr("ERROR_CODES");
  return member("error code", codes, static_cast<std::size_t>(e.error));
}

py::object steal(PyObject* object) {
  if (!object) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(object);
}

bool has_value(const hs_flag_result& r) { return r.type != HS_FLAG_TYPE_NONE && r.error == HS_FLAG_ERROR_NONE; }

py::object any_value(const hs_flag_result& r) {
  if (r.flex) return flex_to_python(r.flex, r.flex_len);  // keeps 1.0 a float, as written
  switch (r.type) {
    case HS_FLAG_TYPE_BOOL: return py::bool_(r.bool_value != 0);
    case HS_FLAG_TYPE_STRING:
      return steal(PyUnicode_DecodeUTF8(r.string_value, static_cast<Py_ssize_t>(r.string_len), nullptr));
    case HS_FLAG_TYPE_NUMBER:
      return r.is_integer ? steal(PyLong_FromLongLong(r.int_value)) : steal(PyFloat_FromDouble(r.double_value));
    default: return py::none();
  }
}

std::string repr(const Evaluation& e) {
  std::string out = "Evaluation(value=" + py::repr(e.value).cast<std::string>();
  out += ", variant=" + py::repr(e.variant).cast<std::string>();
  out += ", reason=" + py::repr(reason_of(e)).cast<std::string>();
  out += ", error_code=" + py::repr(error_code_of(e)).cast<std::string>();
  if (e.error != HS_FLAG_ERROR_NONE) out += ", error_message=" + py::repr(py::str(e.error_message)).cast<std::string>();
  return out + ")";
}

// The calling thread's result, reused by every evaluation on it.
struct ThreadResult {
  hs_flag_result result = HS_FLAG_RESULT_INIT;
  bool leased = false;
  ~ThreadResult() { hs_flag_result_release(&result); }
};
thread_local ThreadResult t_result;

}  // namespace

ResultLease::ResultLease() noexcept : result_(t_result.leased ? &own_ : &t_result.result) {
  if (result_ != &own_) t_result.leased = true;
}

ResultLease::~ResultLease() {
  if (result_ == &own_) hs_flag_result_release(&own_);
  else t_result.leased = false;
}

py::object result_value(const hs_flag_result& r, hs_flag_expect expect, py::handle fallback) {
  if (!has_value(r)) return py::reinterpret_borrow<py::object>(fallback);
  switch (expect) {
    case HS_EXPECT_BOOL: return py::bool_(r.bool_value != 0);
    case HS_EXPECT_STRING:
      return steal(PyUnicode_DecodeUTF8(r.string_value, static_cast<Py_ssize_t>(r.string_len), nullptr));
    case HS_EXPECT_INT64: return steal(PyLong_FromLongLong(r.int_value));
    case HS_EXPECT_DOUBLE: return steal(PyFloat_FromDouble(r.double_value));
    case HS_EXPECT_ANY:
    case HS_EXPECT_OBJECT: break;
  }
  return any_value(r);
}

py::object make_evaluation(const hs_flag_result& r, hs_flag_expect expect, py::handle fallback) {
  auto e = std::make_unique<Evaluation>();
  e->value = result_value(r, expect, fallback);
  e->variant = has_value(r) && r.variant_len > 0 ? py::object(py::str(r.variant, r.variant_len)) : py::object(py::none());
  e->reason = r.reason;
  e->error = r.error;
  if (r.error != HS_FLAG_ERROR_NONE) e->error_message = r.error_message;
  if (r.metadata_len > 0) e->metadata_json.assign(r.metadata_json, r.metadata_len);
  return py::cast(e.release(), py::return_value_policy::take_ownership);
}

void register_evaluation(py::module_& m) {
  py::class_<Evaluation>(m, "Evaluation", "The outcome of a flag evaluation (OpenFeature's resolution details).")
      .def_property_readonly(
          "value", [](const Evaluation& e) { return e.value; }, "The flag's value, or the default you gave.")
      .def_property_readonly(
          "variant", [](const Evaluation& e) { return e.variant; }, "The variant's name; None without one.")
      .def_property_readonly("reason", &reason_of, "Why this value (hotstate.Reason).")
      .def_property_readonly("error_code", &error_code_of,
                             "Why your default was returned (hotstate.ErrorCode); None when no error.")
      .def_property_readonly(
          "error_message",
          [](const Evaluation& e) -> py::object {
            if (e.error == HS_FLAG_ERROR_NONE) return py::none();
            return py::str(e.error_message);
          },
          "What went wrong; None when no error.")
      .def_property_readonly(
          "metadata",
          [](const Evaluation& e) -> py::object {
            if (e.metadata_json.empty()) return py::dict();
            // A flat object of strings, numbers and booleans, read rarely: the json module.
            return py::module_::import("json").attr("loads")(py::str(e.metadata_json));
          },
          "The flag's metadata (and its flag set's) as a fresh dict; empty when the flag was not found.")
      .def("__repr__", &repr);
}

}  // namespace hotstate_py
