#pragma once
// JSON equality as JavaScript sees the values json-logic-js returns: numbers by value
// (1 and 1.0 are one number), arrays in order, objects by members in any order.

#include <boost/json.hpp>

#include <cmath>

namespace hotstate::testing {

inline bool js_json_equal(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!js_json_equal(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& m : x) {
      auto it = y.find(m.key());
      if (it == y.end() || !js_json_equal(m.value(), it->value())) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace hotstate::testing
