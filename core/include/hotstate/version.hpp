#pragma once

namespace hotstate {
inline constexpr const char* kVersion = HOTSTATE_VERSION_STRING;
}  // namespace hotstate
