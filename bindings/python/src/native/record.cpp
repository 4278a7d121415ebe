#include "record.hpp"

#include <string>

#include "errors.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

struct Revisions {
  std::uint64_t create = 0, mod = 0, version = 0;
};

Revisions revisions_of(const Record& r) {
  Revisions out;
  check(hs_record_revisions(r.get(), &out.create, &out.mod, &out.version));
  return out;
}

py::str key_of(const Record& r) {
  const char* key = nullptr;
  size_t len = 0;
  check(hs_record_key(r.get(), &key, &len));
  return py::str(key, len);
}

py::str collection_of(const Record& r) {
  const char* collection = nullptr;
  check(hs_record_collection(r.get(), &collection));
  return py::str(collection);
}

py::str json_of(const Record& r) {
  char* json = nullptr;
  size_t len = 0;
  check(hs_record_json(r.get(), &json, &len));
  py::str text(json, len);
  hs_free(json);
  return text;
}

// Typed reads: TypeMismatchError when the value is of another type.
bool as_bool(const Record& r) {
  int out = 0;
  check(hs_record_bool(r.get(), &out));
  return out != 0;
}

std::int64_t as_int(const Record& r) {
  std::int64_t out = 0;
  check(hs_record_int64(r.get(), &out));
  return out;
}

double as_float(const Record& r) {
  double out = 0;
  check(hs_record_double(r.get(), &out));
  return out;
}

py::str as_str(const Record& r) {
  const char* text = nullptr;
  size_t len = 0;
  check(hs_record_string(r.get(), &text, &len));
  return py::str(text, len);
}

std::string repr(const Record& r) {
  Revisions rev = revisions_of(r);
  return "<hotstate.Record " + py::repr(collection_of(r)).cast<std::string>() + " " +
         py::repr(key_of(r)).cast<std::string>() + " mod_revision=" + std::to_string(rev.mod) + ">";
}

}  // namespace

py::object Record::retain(const hs_record* lent) {
  if (!lent) return py::none();
  hs_record* owned = nullptr;
  check(hs_record_retain(lent, &owned));
  return py::cast(new Record(owned), py::return_value_policy::take_ownership);
}

py::object record_value(const hs_record* record) {
  const uint8_t* bytes = nullptr;
  size_t len = 0;
  check(hs_record_value(record, &bytes, &len));
  return flex_to_python(bytes, len);
}

void register_record(py::module_& m) {
  py::class_<Record>(m, "Record", py::buffer_protocol(),
                     "One record of the replica: immutable, shared with it (nothing is copied).")
      .def_property_readonly("collection", &collection_of)
      .def_property_readonly("key", &key_of)
      .def_property_readonly(
          "value", [](const Record& r) { return record_value(r.get()); },
          "The value as a fresh Python object (dict, list, str, int, float, bool or None).")
      .def_property_readonly("json", &json_of, "The value as compact JSON text.")
      .def_property_readonly(
          "raw", [](py::object self) { return py::memoryview(self); },
          "The value's FlexBuffers bytes: a read-only, zero-copy memoryview that keeps the record alive.")
      .def_property_readonly("create_revision", [](const Record& r) { return revisions_of(r).create; })
      .def_property_readonly("mod_revision", [](const Record& r) { return revisions_of(r).mod; })
      .def_property_readonly("version", [](const Record& r) { return revisions_of(r).version; })
      .def("as_bool", &as_bool, "The value if it is a bool, else TypeMismatchError.")
      .def("as_int", &as_int, "The value if it is an integer (64-bit signed), else TypeMismatchError.")
      .def("as_float", &as_float, "The value as a float if it is any number, else TypeMismatchError.")
      .def("as_str", &as_str, "The value if it is a string, else TypeMismatchError.")
      .def("__repr__", &repr)
      .def_buffer([](const Record& r) {
        const uint8_t* bytes = nullptr;
        size_t len = 0;
        check(hs_record_value(r.get(), &bytes, &len));
        return py::buffer_info(const_cast<uint8_t*>(bytes), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(len)}, {1}, /*readonly=*/true);
      });
}

}  // namespace hotstate_py
