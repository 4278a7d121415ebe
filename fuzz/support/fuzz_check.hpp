#pragma once
// A property a fuzz target checks on every input. Unlike assert() it stays on in release
// builds (the replay tests run in RelWithDebInfo), and it aborts, which libFuzzer and the
// replay runner both report as a failure with the input that caused it.

#include <string_view>

namespace hotstate::fuzz {

[[noreturn]] void property_failed(std::string_view what, std::string_view detail);

inline void check(bool holds, std::string_view what, std::string_view detail = {}) {
  if (!holds) property_failed(what, detail);
}

}  // namespace hotstate::fuzz
