#pragma once
// What a Context holds: its attributes in the order they were set, each a Boost.JSON
// value. A rule reads them in place (Val::json), so lookups neither parse nor copy.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "eval/context.hpp"

namespace hotstate::eval {

struct Context::Impl {
  struct Attribute {
    std::string key;
    boost::json::value value;
  };
  // A short scan beats hashing for the handful of attributes a context has.
  std::vector<Attribute> attributes;

  const Attribute* find(std::string_view key) const {
    for (const auto& a : attributes)
      if (a.key == key) return &a;
    return nullptr;
  }
};

}  // namespace hotstate::eval
