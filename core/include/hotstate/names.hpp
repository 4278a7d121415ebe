#pragma once
// The naming rules of the data model: collections and keys.

#include <cstddef>
#include <string_view>

namespace hotstate {

inline constexpr std::size_t kMaxCollectionBytes = 128;
inline constexpr std::size_t kMaxKeyBytes = 1024;

// [A-Za-z0-9_.-]{1,128}
bool valid_collection(std::string_view name);

// Any well-formed UTF-8, 1..1024 bytes.
bool valid_key(std::string_view key);

// Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace hotstate
