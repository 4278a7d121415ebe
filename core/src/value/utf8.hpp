#pragma once
// UTF-8 decoding shared by name checks (names.cpp) and JSON output (json_flex.cpp).

#include <cstddef>
#include <string_view>

namespace hotstate {

// The length (1..4) of the well-formed UTF-8 sequence starting at text[at], or 0 when the
// bytes there are not one (bad lead or continuation byte, overlong form, surrogate, past
// U+10FFFF, or cut short by the end of `text`).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + at;
  std::size_t left = text.size() - at;
  unsigned char c = *p;
  if (c < 0x80) return 1;
  std::size_t extra;
  char32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    extra = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (left <= extra) return 0;
  for (std::size_t i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return extra + 1;
}

}  // namespace hotstate
