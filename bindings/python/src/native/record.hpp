#pragma once
// hotstate.Record: one immutable record of the replica, shared with it (nothing copied).

#include <pybind11/pybind11.h>

#include "hotstate.h"

namespace hotstate_py {

class Record {
 public:
  // Takes ownership of an hs_record (from hs_get or hs_record_retain).
  explicit Record(hs_record* owned) noexcept : record_(owned) {}
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;
  ~Record() { hs_record_free(record_); }

  // Keeps a record lent by an iterator, a read or a change batch (hs_record_retain).
  static pybind11::object retain(const hs_record* lent);

  const hs_record* get() const noexcept { return record_; }

 private:
  hs_record* record_;
};

// The record's value as a fresh Python object.
pybind11::object record_value(const hs_record* record);

void register_record(pybind11::module_& m);

}  // namespace hotstate_py
