#include "context.hpp"

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "context_values.hpp"
#include "errors.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

constexpr std::string_view kTargetingKey = "targetingKey";

// The context a dict is converted into, one per thread, reused for every evaluation.
struct ScratchContext {
  hs_context* context = nullptr;
  ScratchContext() { check(hs_context_new(&context)); }
  ~ScratchContext() { hs_context_free(context); }
};

[[noreturn]] void invalid(const std::string& message) { raise_invalid(message.c_str()); }

// An attribute's name as the C ABI takes it; InvalidArgumentError unless a str without NUL.
const char* attribute_name(py::handle name, std::size_t* size) {
  if (!PyUnicode_Check(name.ptr()))
    invalid("context keys must be str, not " + std::string(Py_TYPE(name.ptr())->tp_name) + " (" +
            py::repr(name).cast<std::string>() + ")");
  Py_ssize_t length = 0;
  const char* data = PyUnicode_AsUTF8AndSize(name.ptr(), &length);
  if (!data) {
    PyErr_Clear();
    invalid("context key " + quoted(name) + " is not valid Unicode (a lone surrogate)");
  }
  if (std::strlen(data) != static_cast<std::size_t>(length))
    invalid("context key " + quoted(name) + " contains a NUL character");
  *size = static_cast<std::size_t>(length);
  return data;
}

// None removes it (OpenFeature's "no targeting key").
void set_targeting_key(hs_context* context, py::handle value) {
  if (value.is_none()) return check(hs_context_remove(context, kTargetingKey.data()));
  if (!PyUnicode_Check(value.ptr()))
    invalid("context['targetingKey'] must be a str (or None), not " + std::string(Py_TYPE(value.ptr())->tp_name));
  Py_ssize_t length = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &length);
  if (!data) {
    PyErr_Clear();
    invalid("context['targetingKey'] is not valid Unicode (a lone surrogate)");
  }
  check(hs_context_set_targeting_key(context, data, static_cast<std::size_t>(length)));
}

// Sets one attribute (or the targeting key) from a (name, value) pair of a dict.
void set_item(hs_context* context, py::handle name, py::handle value) {
  std::size_t size = 0;
  const char* data = attribute_name(name, &size);
  if (std::string_view(data, size) == kTargetingKey) return set_targeting_key(context, value);
  try {
    set_context_attribute(context, data, value);
  } catch (const BadContextValue& e) {
    invalid("context[" + quoted(name) + "]" + e.path + ": " + e.problem);
  }
}

void require_mapping(py::handle attributes) {
  if (!is_mapping(attributes))
    invalid("a context is a dict of attributes, a hotstate.EvalContext or None, not " +
            std::string(Py_TYPE(attributes.ptr())->tp_name));
}

EvalContext* new_context(py::handle targeting_key, const py::kwargs& attributes) {
  if (!targeting_key.is_none() && attributes.contains(kTargetingKey.data()))
    invalid("give the targeting key once: targeting_key= or targetingKey=, not both");
  auto context = std::make_unique<EvalContext>();
  fill_context(context->handle(), attributes);
  set_targeting_key(context->handle(), targeting_key);
  return context.release();
}

}  // namespace

EvalContext::EvalContext() { check(hs_context_new(&context_)); }

void fill_context(hs_context* context, py::handle attributes) {
  require_mapping(attributes);
  py::dict dict = as_dict(attributes);
  check(hs_context_clear(context));
  PyObject *name = nullptr, *value = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict.ptr(), &pos, &name, &value)) set_item(context, name, value);
}

const hs_context* context_arg(py::handle context) {
  if (context.is_none()) return nullptr;
  if (PyDict_Check(context.ptr())) {
    thread_local ScratchContext scratch;
    fill_context(scratch.context, context);
    return scratch.context;
  }
  if (py::isinstance<EvalContext>(context)) return context.cast<const EvalContext&>().handle();
  require_mapping(context);
  thread_local ScratchContext scratch_for_mappings;
  fill_context(scratch_for_mappings.context, context);
  return scratch_for_mappings.context;
}

void register_context(py::module_& m) {
  py::class_<EvalContext>(m, "EvalContext",
                          "The attributes a flag's targeting rule reads, converted once: build one per user or "
                          "request and reuse it. A dict works too, converted at every evaluation.")
      .def(py::init(&new_context), py::arg("targeting_key") = py::none())
      .def_static(
          "from_dict",
          [](py::handle attributes) {
            auto context = std::make_unique<EvalContext>();
            fill_context(context->handle(), attributes);
            return context.release();
          },
          py::arg("attributes"), "From a dict of attributes; its \"targetingKey\" is the targeting key.")
      .def(
          "set",
          [](py::object self, py::handle name, py::handle value) {
            set_item(self.cast<EvalContext&>().handle(), name, value);
            return self;
          },
          py::arg("name"), py::arg("value"), "Sets (or replaces) one attribute; \"targetingKey\" sets the targeting key.")
      .def(
          "remove",
          [](py::object self, py::handle name) {
            std::size_t size = 0;
            const char* data = attribute_name(name, &size);
            check(hs_context_remove(self.cast<EvalContext&>().handle(), data));
            return self;
          },
          py::arg("name"), "Removes one attribute (nothing to remove is fine).")
      .def("clear", [](EvalContext& c) { check(hs_context_clear(c.handle())); }, "Removes every attribute.");
}

}  // namespace hotstate_py
