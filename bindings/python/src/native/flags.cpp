#include "flags.hpp"

#include <string>

#include "context.hpp"
#include "errors.hpp"
#include "evaluation.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

// Evaluates into `result`. A closed client is an outcome (error GENERAL, the default),
// not an exception, as for every other reason an evaluation gives no value.
void evaluate_into(Client& client, py::handle collection, py::handle key, py::handle context, hs_flag_expect expect,
                   hs_flag_result* result) {
  const char* name = name_arg(collection, "collection");
  Utf8 k = utf8_arg(key, "key");
  const hs_context* c = context_arg(context);
  hs_status status = hs_evaluate(client.handle(), name, k.data, k.size, c, expect, result);
  if (status != HS_OK && status != HS_ERR_CLOSED) raise_status(status);
}

template <hs_flag_expect Expect>
py::object evaluate_value(Client& client, py::handle collection, py::handle key, py::handle fallback,
                          py::handle context) {
  ResultLease lease;
  evaluate_into(client, collection, key, context, Expect, lease.get());
  return result_value(*lease.get(), Expect, fallback);
}

// evaluate(type=...): None for any type, else bool, str, int, float, or dict/list (a JSON
// object or array: OpenFeature's object type).
hs_flag_expect expect_for(py::handle type) {
  PyObject* t = type.ptr();
  if (t == Py_None) return HS_EXPECT_ANY;
  if (t == reinterpret_cast<PyObject*>(&PyBool_Type)) return HS_EXPECT_BOOL;
  if (t == reinterpret_cast<PyObject*>(&PyUnicode_Type)) return HS_EXPECT_STRING;
  if (t == reinterpret_cast<PyObject*>(&PyLong_Type)) return HS_EXPECT_INT64;
  if (t == reinterpret_cast<PyObject*>(&PyFloat_Type)) return HS_EXPECT_DOUBLE;
  if (t == reinterpret_cast<PyObject*>(&PyDict_Type) || t == reinterpret_cast<PyObject*>(&PyList_Type))
    return HS_EXPECT_OBJECT;
  raise_invalid(("type must be None, bool, str, int, float, dict or list, not " + py::repr(type).cast<std::string>())
                    .c_str());
}

py::object evaluate_details(Client& client, py::handle collection, py::handle key, py::handle context,
                            py::handle fallback, py::handle type) {
  hs_flag_expect expect = expect_for(type);
  ResultLease lease;
  evaluate_into(client, collection, key, context, expect, lease.get());
  return make_evaluation(*lease.get(), expect, fallback);
}

py::str flag_problems_json(Client& client) {
  char* json = nullptr;
  size_t len = 0;
  check(hs_flag_problems_json(client.handle(), &json, &len));
  py::str text(json, len);
  hs_free(json);
  return text;
}

}  // namespace

void register_flags(ClientClass& cls) {
  auto typed = [&cls](const char* name, auto fn, const char* doc) {
    cls.def(name, fn, py::arg("collection"), py::arg("key"), py::arg("default"), py::arg("context") = py::none(), doc);
  };
  typed("evaluate_bool", &evaluate_value<HS_EXPECT_BOOL>, "The flag's bool value, or default.");
  typed("evaluate_string", &evaluate_value<HS_EXPECT_STRING>, "The flag's str value, or default.");
  typed("evaluate_int", &evaluate_value<HS_EXPECT_INT64>,
        "The flag's value if it is a number with an exact int64 value, or default.");
  typed("evaluate_float", &evaluate_value<HS_EXPECT_DOUBLE>, "The flag's numeric value as a float, or default.");
  typed("evaluate_object", &evaluate_value<HS_EXPECT_OBJECT>,
        "The flag's value if it is a JSON object or array, as a fresh dict or list, or default.");
  cls.def("evaluate", &evaluate_details, py::arg("collection"), py::arg("key"), py::arg("context") = py::none(),
          py::arg("default") = py::none(), py::arg("type") = py::none(), "The evaluation with its details.");
  cls.def("flag_problems_json", &flag_problems_json,
          "The flags that do not compile: a JSON array of {collection, key, message}.");
}

}  // namespace hotstate_py
