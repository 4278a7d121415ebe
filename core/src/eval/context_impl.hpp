#pragma once
// What a Context holds: its attributes in the order they were set, each a Boost.JSON
// value. A rule reads them in place (Val::json), so lookups neither parse nor copy.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "eval/context.hpp"
#include "eval/value.hpp"

namespace hotstate::eval {

struct Context::Impl {
  struct Attribute {
    std::string key;
    boost::json::value value;
    std::uint32_t hash = name_hash(key);
  };
  // A short scan beats hashing for the handful of attributes a context has.
  std::vector<Attribute> attributes;

  const Attribute* find(std::string_view key) const { return find(key, name_hash(key)); }
  const Attribute* find(std::string_view key, std::uint32_t hash) const {
    for (const auto& a : attributes)
      if (a.hash == hash && same_text(a.key, key)) return &a;
    return nullptr;
  }
};

}  // namespace hotstate::eval
