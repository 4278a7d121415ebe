#include "scan.hpp"

#include <memory>

#include "client.hpp"
#include "errors.hpp"
#include "record.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace hotstate_py {
namespace {

struct IterDeleter {
  void operator()(hs_iter* iter) const noexcept { hs_iter_free(iter); }
};

// One hs_read: every read through it sees the revision it began at.
class Read {
 public:
  explicit Read(Client& client) { check(hs_read_begin(client.handle(), &read_)); }
  Read(const Read&) = delete;
  Read& operator=(const Read&) = delete;
  ~Read() { hs_read_free(read_); }

  std::uint64_t revision() const { return hs_read_revision(open()); }

  py::object get(py::handle collection, py::handle key, py::handle default_value) {
    const hs_record* lent = find(collection, key);
    return lent ? record_value(lent) : py::reinterpret_borrow<py::object>(default_value);
  }

  py::object view(py::handle collection, py::handle key) { return Record::retain(find(collection, key)); }

  py::list scan(py::handle collection, py::handle prefix) {
    const char* name = name_arg(collection, "collection");
    Utf8 p = utf8_arg(prefix, "prefix");
    hs_iter* iter = nullptr;
    check(hs_read_scan(open(), name, p.data, p.size, &iter));
    return drain_iter(iter);
  }

  // Releases the pinned revision now rather than at garbage collection.
  void close() {
    hs_read_free(read_);
    read_ = nullptr;
  }

 private:
  hs_read* open() const {
    if (!read_) raise_error(HS_ERR_CLOSED, "the snapshot is closed");
    return read_;
  }

  const hs_record* find(py::handle collection, py::handle key) {
    const char* name = name_arg(collection, "collection");
    Utf8 k = utf8_arg(key, "key");
    const hs_record* lent = nullptr;
    hs_status status = hs_read_get(open(), name, k.data, k.size, &lent);
    if (status == HS_ERR_NOT_FOUND) return nullptr;
    check(status);
    return lent;
  }

  hs_read* read_ = nullptr;
};

}  // namespace

py::list drain_iter(hs_iter* raw) {
  std::unique_ptr<hs_iter, IterDeleter> iter(raw);
  py::list records;
  for (;;) {
    const hs_record* lent = nullptr;
    check(hs_iter_next(raw, &lent));
    if (!lent) return records;
    records.append(Record::retain(lent));
  }
}

void register_read(py::module_& m) {
  py::class_<Read>(m, "Read")
      .def(py::init<Client&>(), py::arg("client"), py::keep_alive<1, 2>())
      .def_property_readonly("revision", &Read::revision)
      .def("get", &Read::get, py::arg("collection"), py::arg("key"), py::arg("default") = py::none())
      .def("view", &Read::view, py::arg("collection"), py::arg("key"))
      .def("scan", &Read::scan, py::arg("collection"), py::arg("prefix") = "")
      .def("close", &Read::close);
}

}  // namespace hotstate_py
