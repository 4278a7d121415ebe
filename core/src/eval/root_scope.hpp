#pragma once
// The data a flag's rule sees at the top level: the context's attributes, and `$flagd`
// ({flagKey, timestamp}) injected as flagd does. `$flagd` is built on first use only, so
// a rule that never reads it never reads the clock.

#include <cstdint>
#include <optional>
#include <string_view>

#include "eval/context_impl.hpp"
#include "eval/value.hpp"

namespace hotstate::eval {

struct RootScope {
  const Context::Impl* context = nullptr;  // null: no attributes
  std::string_view flag_key;
  std::optional<std::int64_t> now_unix_seconds;  // nullopt: the clock, when read
  mutable const Member* flagd = nullptr;         // {flagKey, timestamp}, once built
};

// `$flagd` wins over a context attribute of the same name (flagd overwrites it too).
bool root_find(const RootScope& scope, std::string_view key, Val& out);
std::uint32_t root_size(const RootScope& scope);
std::string_view root_key_at(const RootScope& scope, std::uint32_t index);
Val root_value_at(const RootScope& scope, std::uint32_t index);

}  // namespace hotstate::eval
