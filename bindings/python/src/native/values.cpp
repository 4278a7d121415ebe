#include "values.hpp"

#include <flatbuffers/flexbuffers.h>

#include <cstring>
#include <string>

#include "errors.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

// Owns a new reference until it is handed over; throws the pending Python error on NULL.
py::object steal(PyObject* object) {
  if (!object) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(object);
}

py::object convert(const flexbuffers::Reference& r);

template <typename Vector>
py::object convert_vector(const Vector& vec) {
  auto size = static_cast<Py_ssize_t>(vec.size());
  py::object list = steal(PyList_New(size));
  for (Py_ssize_t i = 0; i < size; ++i)
    PyList_SET_ITEM(list.ptr(), i, convert(vec[static_cast<std::size_t>(i)]).release().ptr());
  return list;
}

py::object convert_string(const char* data, std::size_t size) {
  // Values were validated as UTF-8 by the server; a decode error would still be reported.
  return steal(PyUnicode_DecodeUTF8(data, static_cast<Py_ssize_t>(size), nullptr));
}

py::object convert(const flexbuffers::Reference& r) {
  using flexbuffers::Type;
  switch (r.GetType()) {
    case Type::FBT_NULL:
      return py::none();
    case Type::FBT_BOOL:
      return py::bool_(r.AsBool());
    case Type::FBT_INT:
    case Type::FBT_INDIRECT_INT:
      return steal(PyLong_FromLongLong(r.AsInt64()));
    case Type::FBT_UINT:
    case Type::FBT_INDIRECT_UINT:
      return steal(PyLong_FromUnsignedLongLong(r.AsUInt64()));
    case Type::FBT_FLOAT:
    case Type::FBT_INDIRECT_FLOAT:
      return steal(PyFloat_FromDouble(r.AsDouble()));
    case Type::FBT_STRING: {
      auto s = r.AsString();
      return convert_string(s.c_str(), s.length());
    }
    case Type::FBT_KEY: {
      const char* key = r.AsKey();
      return convert_string(key, std::strlen(key));
    }
    case Type::FBT_MAP: {
      auto map = r.AsMap();
      auto keys = map.Keys();
      auto values = map.Values();
      py::object dict = steal(PyDict_New());
      for (std::size_t i = 0; i < map.size(); ++i) {
        const char* key = keys[i].AsKey();
        py::object k = convert_string(key, std::strlen(key));
        py::object v = convert(values[i]);
        if (PyDict_SetItem(dict.ptr(), k.ptr(), v.ptr()) != 0) throw py::error_already_set();
      }
      return dict;
    }
    default:
      break;
  }
  if (r.IsTypedVector()) return convert_vector(r.AsTypedVector());
  if (r.IsFixedTypedVector()) return convert_vector(r.AsFixedTypedVector());
  if (r.IsVector()) return convert_vector(r.AsVector());
  raise_invalid("the value holds a FlexBuffers type with no JSON form (e.g. a blob)");
}

}  // namespace

py::object flex_to_python(const std::uint8_t* data, std::size_t size) {
  return convert(flexbuffers::GetRoot(data, size));
}

Utf8 utf8_arg(py::handle text, const char* what) {
  if (!PyUnicode_Check(text.ptr()))
    throw py::type_error(std::string(what) + " must be a str, not " + Py_TYPE(text.ptr())->tp_name);
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (!data) throw py::error_already_set();  // e.g. lone surrogates
  return {data, static_cast<std::size_t>(size)};
}

const char* name_arg(py::handle text, const char* what) {
  Utf8 name = utf8_arg(text, what);
  if (std::strlen(name.data) != name.size) raise_invalid((std::string(what) + " contains a NUL character").c_str());
  return name.data;
}

}  // namespace hotstate_py
