#include "eval/to_json.hpp"

#include <cmath>

namespace hotstate::eval {

boost::json::value to_json(const Val& v) {
  switch (v.kind()) {
    case Val::Kind::Undefined:
    case Val::Kind::Null: return nullptr;
    case Val::Kind::Bool: return v.as_bool();
    case Val::Kind::Number: {
      double d = v.as_number();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18 && !(d == 0 && std::signbit(d)))
        return static_cast<std::int64_t>(d);
      return d;
    }
    case Val::Kind::String: {
      auto s = v.as_string();
      return boost::json::string(s.data(), s.size());
    }
    case Val::Kind::Array: {
      boost::json::array out;
      out.reserve(v.array_size());
      for (std::uint32_t i = 0; i < v.array_size(); ++i) out.push_back(to_json(v.at(i)));
      return out;
    }
    case Val::Kind::Object: {
      boost::json::object out;
      for (std::uint32_t i = 0; i < v.object_size(); ++i) {
        auto key = v.key_at(i);
        out[boost::json::string_view(key.data(), key.size())] = to_json(v.value_at(i));
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace hotstate::eval
