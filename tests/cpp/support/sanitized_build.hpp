#pragma once
// Whether this test program is a sanitizer build (tests/CMakeLists.txt defines
// HOTSTATE_TEST_SANITIZED there; GCC and clang agree on no predefined macro). Under a
// sanitizer every thread and allocation costs several times more, so tests that scale with
// CPU (herds, the soak) use smaller counts and longer bounds: the behaviour asserted is the
// same.

namespace hotstate::testing {

#ifdef HOTSTATE_TEST_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace hotstate::testing
