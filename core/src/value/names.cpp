#include "hotstate/names.hpp"

#include "utf8.hpp"

namespace hotstate {

bool valid_collection(std::string_view name) {
  if (name.empty() || name.size() > kMaxCollectionBytes) return false;
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_key(std::string_view key) {
  return !key.empty() && key.size() <= kMaxKeyBytes && valid_utf8(key);
}

bool valid_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

}  // namespace hotstate
