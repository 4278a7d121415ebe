#include "eval/value.hpp"

#include <boost/json/value.hpp>

#include "eval/root_scope.hpp"

namespace hotstate::eval {

std::uint32_t Val::array_size() const { return kind_ == Kind::Array ? size_ : 0; }

Val Val::at(std::uint32_t index) const {
  if (kind_ != Kind::Array || index >= size_) return Val();
  if (repr_ == Repr::JsonArray) return json((*u_.json_array)[index]);
  return u_.items[index];
}

Val Val::get(std::string_view key) const {
  if (kind_ != Kind::Object) return Val();
  switch (repr_) {
    case Repr::JsonObject: {
      auto it = u_.json_object->find(key);
      return it == u_.json_object->end() ? Val() : json(it->value());
    }
    case Repr::Members:
      for (std::uint32_t i = 0; i < size_; ++i)
        if (same_text(u_.members[i].key, key)) return u_.members[i].value;
      return Val();
    case Repr::Root: return root_find(*u_.root, key, name_hash(key));
    default: return Val();
  }
}

Val Val::get(std::string_view key, std::uint32_t hash) const {
  if (kind_ == Kind::Object && repr_ == Repr::Root) return root_find(*u_.root, key, hash);
  return get(key);
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
