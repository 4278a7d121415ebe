#pragma once
// Flags evaluated locally: flagd's flag definitions (docs/flags.md) kept in a collection
// of the replica, compiled once when their record arrives or changes, and evaluated in
// process memory against an evaluation context — no network, no parse per call.
//
//   hotstate::EvalContext user;
//   user.targeting_key("user-42").set("email", "ann@example.com").set("plan", "pro");
//   bool on = client.evaluate_bool("flags", "new-checkout", false, user).value;
//
// Every evaluation returns a value: the flag's variant, or the caller's default with an
// error code that says why (OpenFeature's codes and reasons, with their spellings).

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hotstate {

namespace eval {
class Context;
class CompiledFlag;
struct Variant;
}  // namespace eval

// Why an evaluation gave its value (OpenFeature's reasons). Stale and Cached replace a
// successful reason when the replica is not live: Cached while it holds only what the
// offline cache had, Stale while the link to the server is down or silent.
enum class FlagReason { Static, Default, TargetingMatch, Split, Disabled, Error, Stale, Cached, Unknown };
// What went wrong (OpenFeature's error codes). ProviderNotReady: the replica holds no
// state yet (no server reached, no offline cache).
enum class FlagErrorCode {
  None,
  FlagNotFound,
  ParseError,
  TypeMismatch,
  TargetingKeyMissing,
  InvalidContext,
  General,
  ProviderNotReady
};
// "STATIC", "TARGETING_MATCH", ... and "", "FLAG_NOT_FOUND", "PARSE_ERROR", ...
const char* to_string(FlagReason reason);
const char* to_string(FlagErrorCode code);

// The type of a resolved value. None: no variant (the caller's default applies).
enum class FlagValueType { None, Bool, String, Number, Object };
// The type an evaluation asks for; a flag of another type is FlagErrorCode::TypeMismatch.
// Integer takes numbers with an exact int64 value, Double any number, Object JSON objects
// (flagd's variants are booleans, strings, numbers or objects).
enum class ExpectedType { Any, Bool, String, Integer, Double, Object };

// The attributes a targeting rule reads (`{"var": "email"}`): the targeting key, flat or
// nested attributes. Build one per user or request and reuse it; a copy is a deep copy.
class EvalContext {
 public:
  EvalContext();
  ~EvalContext();
  EvalContext(const EvalContext& other);
  EvalContext& operator=(const EvalContext& other);
  EvalContext(EvalContext&&) noexcept;
  EvalContext& operator=(EvalContext&&) noexcept;

  // From a JSON object's text; "targetingKey" in it is the targeting key. Throws
  // ClientError("invalid_argument") for bad JSON or anything but an object.
  static EvalContext from_json(std::string_view json);
  // A shared empty context (the default argument of evaluations).
  static const EvalContext& empty();

  EvalContext& targeting_key(std::string_view value);
  EvalContext& set(std::string_view key, bool value);
  EvalContext& set(std::string_view key, int value) { return set(key, static_cast<std::int64_t>(value)); }
  EvalContext& set(std::string_view key, std::int64_t value);
  EvalContext& set(std::string_view key, double value);
  EvalContext& set(std::string_view key, std::string_view value);
  EvalContext& set(std::string_view key, const char* value) { return set(key, std::string_view(value)); }
  EvalContext& set_null(std::string_view key);
  // Any JSON value (objects and arrays for nested attributes). Throws
  // ClientError("invalid_argument") for bad JSON.
  EvalContext& set_json(std::string_view key, std::string_view json);
  bool erase(std::string_view key);
  void clear();
  std::size_t size() const;

  const eval::Context& impl() const { return *context_; }

 private:
  std::unique_ptr<eval::Context> context_;
};

// One metadata entry of a flag (the flag set's, overridden by the flag's own).
struct FlagMetadataEntry {
  std::string key;
  std::variant<bool, double, std::string> value;
};

// The outcome of an evaluation in full. Views (variant, strings, flex, json, metadata)
// stay valid while this object lives: it keeps the compiled flag alive.
class FlagEvaluation {
 public:
  FlagReason reason = FlagReason::Unknown;
  FlagErrorCode error = FlagErrorCode::None;
  std::string error_message;  // "" unless error != None

  // The resolved variant's name; "" when the caller's default applies.
  std::string_view variant() const;
  FlagValueType type() const;
  bool has_value() const { return variant_ != nullptr; }
  // The resolved value (meaningful only for has_value() and the matching type).
  bool bool_value() const;
  double number_value() const;
  bool is_integer() const;                // a number with an exact int64 value
  std::int64_t int_value() const;
  std::string_view string_value() const;
  std::span<const std::uint8_t> flex() const;  // the value as FlexBuffers (any type)
  std::string_view json() const;               // the value as JSON text (any type)
  // The flag's metadata ("" / empty when the flag was not found).
  std::string_view metadata_json() const;
  std::span<const FlagMetadataEntry> metadata() const;

  // Set by the client.
  FlagEvaluation() = default;
  FlagEvaluation(std::shared_ptr<const eval::CompiledFlag> flag, const eval::Variant* variant);

 private:
  std::shared_ptr<const eval::CompiledFlag> flag_;
  const eval::Variant* variant_ = nullptr;
};

// A typed evaluation: `value` is the variant's value, or the caller's default whenever
// details.has_value() is false (flag missing, disabled, no matching variant, wrong type...).
template <class T>
struct FlagDetails {
  T value;
  FlagEvaluation details;
};

// A flag record that does not compile; evaluations of it return the caller's default with
// FlagErrorCode::ParseError, and this message.
struct FlagProblem {
  std::string collection;
  std::string key;
  std::string message;
};

using FlagChangeCallback = std::function<void(const FlagEvaluation&)>;

}  // namespace hotstate
