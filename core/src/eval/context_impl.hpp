#pragma once
// What a Context holds: its attributes in the order they were set, each a Boost.JSON
// value. A rule reads them in place (Val::json), so lookups neither parse nor copy.
// Slots past `used` are kept after clear() or erase(), with their key and string storage,
// so a context refilled per request (the bindings' dict and object contexts) allocates
// nothing once it has held as many attributes as it is given.

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
  std::vector<Attribute> attributes;  // the first `used` are the context's
  std::size_t used = 0;

  const Attribute* find(std::string_view key) const { return find(key, name_hash(key)); }
  const Attribute* find(std::string_view key, std::uint32_t hash) const {
    for (std::size_t i = 0; i < used; ++i)
      if (attributes[i].hash == hash && same_text(attributes[i].key, key)) return &attributes[i];
    return nullptr;
  }
  // The attribute named `key`, new (in a kept slot when there is one) or existing.
  Attribute& slot(std::string_view key) {
    std::uint32_t hash = name_hash(key);
    for (std::size_t i = 0; i < used; ++i)
      if (attributes[i].hash == hash && attributes[i].key == key) return attributes[i];
    if (used == attributes.size()) attributes.emplace_back();
    Attribute& a = attributes[used++];
    a.key.assign(key.data(), key.size());
    a.hash = hash;
    return a;
  }
};

}  // namespace hotstate::eval
