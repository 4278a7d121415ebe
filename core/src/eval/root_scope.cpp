#include "eval/root_scope.hpp"

#include <chrono>

#include "eval/arena.hpp"

namespace hotstate::eval {
namespace {

constexpr std::string_view kFlagd = "$flagd";

const Member* flagd_members(const RootScope& scope) {
  if (scope.flagd == nullptr) {
    std::int64_t now = scope.now_unix_seconds
                           ? *scope.now_unix_seconds
                           : std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    Member* members = scratch_arena().allocate<Member>(2);
    members[0] = Member{"flagKey", Val::string(scope.flag_key)};
    members[1] = Member{"timestamp", Val::number(static_cast<double>(now))};
    scope.flagd = members;
  }
  return scope.flagd;
}

std::uint32_t attribute_count(const RootScope& scope) {
  return scope.context ? static_cast<std::uint32_t>(scope.context->used) : 0;
}

}  // namespace

Val root_find(const RootScope& scope, std::string_view key, std::uint32_t hash) {
  static const std::uint32_t flagd_hash = name_hash(kFlagd);
  if (hash == flagd_hash && same_text(key, kFlagd)) return Val::object(flagd_members(scope), 2);
  if (scope.context == nullptr) return Val();
  const auto* attribute = scope.context->find(key, hash);
  return attribute == nullptr ? Val() : Val::json(attribute->value);
}

std::uint32_t root_size(const RootScope& scope) { return attribute_count(scope) + 1; }

std::string_view root_key_at(const RootScope& scope, std::uint32_t index) {
  if (index < attribute_count(scope)) return scope.context->attributes[index].key;
  return kFlagd;
}

Val root_value_at(const RootScope& scope, std::uint32_t index) {
  if (index < attribute_count(scope)) return Val::json(scope.context->attributes[index].value);
  return Val::object(flagd_members(scope), 2);
}

}  // namespace hotstate::eval
