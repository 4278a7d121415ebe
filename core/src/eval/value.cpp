#include "eval/value.hpp"

#include <boost/json/value.hpp>

#include "eval/root_scope.hpp"

namespace hotstate::eval {

Val Val::json(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: return null();
    case boost::json::kind::bool_: return boolean(value.get_bool());
    case boost::json::kind::int64: return number(static_cast<double>(value.get_int64()));
    case boost::json::kind::uint64: return number(static_cast<double>(value.get_uint64()));
    case boost::json::kind::double_: return number(value.get_double());
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      return string(std::string_view(s.data(), s.size()));
    }
    case boost::json::kind::array: {
      Val v(Kind::Array, Repr::JsonArray);
      v.u_.json_array = &value.get_array();
      v.size_ = static_cast<std::uint32_t>(value.get_array().size());
      return v;
    }
    case boost::json::kind::object: {
      Val v(Kind::Object, Repr::JsonObject);
      v.u_.json_object = &value.get_object();
      v.size_ = static_cast<std::uint32_t>(value.get_object().size());
      return v;
    }
  }
  return null();
}

std::uint32_t Val::array_size() const { return kind_ == Kind::Array ? size_ : 0; }

Val Val::at(std::uint32_t index) const {
  if (kind_ != Kind::Array || index >= size_) return Val();
  if (repr_ == Repr::JsonArray) return json((*u_.json_array)[index]);
  return u_.items[index];
}

bool Val::find(std::string_view key, Val& out) const {
  if (kind_ != Kind::Object) return false;
  switch (repr_) {
    case Repr::JsonObject: {
      auto it = u_.json_object->find(key);
      if (it == u_.json_object->end()) return false;
      out = json(it->value());
      return true;
    }
    case Repr::Members:
      for (std::uint32_t i = 0; i < size_; ++i)
        if (u_.members[i].key == key) {
          out = u_.members[i].value;
          return true;
        }
      return false;
    case Repr::Root: return root_find(*u_.root, key, out);
    default: return false;
  }
}

std::uint32_t Val::object_size() const {
  if (kind_ != Kind::Object) return 0;
  return repr_ == Repr::Root ? root_size(*u_.root) : size_;
}

std::string_view Val::key_at(std::uint32_t index) const {
  switch (repr_) {
    case Repr::JsonObject: {
      auto key = (u_.json_object->begin() + index)->key();
      return {key.data(), key.size()};
    }
    case Repr::Members: return u_.members[index].key;
    case Repr::Root: return root_key_at(*u_.root, index);
    default: return {};
  }
}

Val Val::value_at(std::uint32_t index) const {
  switch (repr_) {
    case Repr::JsonObject: return json((u_.json_object->begin() + index)->value());
    case Repr::Members: return u_.members[index].value;
    case Repr::Root: return root_value_at(*u_.root, index);
    default: return {};
  }
}

bool Val::same_reference(const Val& other) const {
  if (kind_ != other.kind_ || repr_ != other.repr_) return false;
  if (kind_ != Kind::Array && kind_ != Kind::Object) return false;
  switch (repr_) {
    case Repr::JsonArray: return u_.json_array == other.u_.json_array;
    case Repr::JsonObject: return u_.json_object == other.u_.json_object;
    case Repr::Items: return u_.items == other.u_.items && size_ == other.size_;
    case Repr::Members: return u_.members == other.u_.members && size_ == other.size_;
    case Repr::Root: return u_.root == other.u_.root;
    default: return false;
  }
}

}  // namespace hotstate::eval
