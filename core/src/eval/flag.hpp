#pragma once
// Flags in flagd's format (open-feature/flagd-schemas json/flags.json), compiled once and
// evaluated many times. A flag record's value is compiled when it arrives or changes:
// its targeting rule is parsed into an evaluation tree, `$ref`s to the flag set's
// `$evaluators` are substituted, and the fractional operator's hashing input is prepared.
// Evaluation then never parses anything and, for ordinary rules, allocates nothing.
//
// A definition that does not compile still yields a CompiledFlag: it evaluates to the
// caller's default with ErrorCode::ParseError and its compile_error() says why, so a bad
// record is reported, never crashes, and is told apart from a missing flag.
//
// Thread safety: a CompiledFlag is immutable; evaluate() may run on any number of threads.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "eval/context.hpp"
#include "hotstate/flags.hpp"  // FlagMetadataEntry

namespace hotstate::eval {

// OpenFeature's reasons, with its spellings (to_string).
enum class Reason : std::uint8_t { Static, Default, TargetingMatch, Split, Disabled, Error, Stale, Cached, Unknown };
// OpenFeature's error codes, with its spellings (to_string).
enum class ErrorCode : std::uint8_t {
  None,
  FlagNotFound,
  ParseError,
  TypeMismatch,
  TargetingKeyMissing,
  InvalidContext,
  General
};
const char* to_string(Reason reason);      // "STATIC", "TARGETING_MATCH", ...
const char* to_string(ErrorCode code);     // "", "FLAG_NOT_FOUND", "PARSE_ERROR", ...

// The type a caller asks for. Any: whatever the flag holds (untyped evaluation).
enum class ValueType : std::uint8_t { Any, Bool, String, Integer, Float, Object };
const char* to_string(ValueType type);

// One variant of a compiled flag: its name and value, kept in the forms callers need, so
// no evaluation converts anything.
struct Variant {
  std::string name;
  ValueType type = ValueType::Object;  // Bool, String, Float (any number) or Object (a JSON object)
  bool integral = false;               // a number with an exact int64 value
  // int_value: the number truncated toward zero (flagd's int64(value)) when it is within
  // int64 range; exact when `integral`.
  bool bool_value = false;
  double number_value = 0;
  std::int64_t int_value = 0;
  std::string string_value;
  std::vector<std::uint8_t> flex;      // the value as a standalone FlexBuffer
  std::string json;                    // the value as compact JSON text
};

// What a targeting rule may read besides the context: records of the replica (the
// `record` operator). Implemented by the client over the state being evaluated.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // The record's value as FlexBuffers, or an empty span when there is no such record.
  // The bytes must be a verified FlexBuffer (hotstate::verify_flex; the replica's values
  // are) and stay valid until evaluate() returns. Called on the evaluating thread.
  virtual std::span<const std::uint8_t> find(std::string_view collection, std::string_view key) const = 0;
};

// The outcome of one evaluation.
struct Resolution {
  const Variant* variant = nullptr;  // null: the caller's default applies
  Reason reason = Reason::Unknown;
  ErrorCode error = ErrorCode::None;
  std::string error_message;         // empty unless error != None
};

// The parts of a flag set every flag may use: `$evaluators` (name -> JsonLogic) and the
// set's `metadata` (merged under each flag's own metadata).
class FlagSetShared {
 public:
  // Either may be null (absent). Throws std::invalid_argument with a message naming the
  // problem when one is of the wrong shape (not an object, a metadata value that is not
  // a string, number or bool).
  static std::shared_ptr<const FlagSetShared> make(const boost::json::value* evaluators,
                                                   const boost::json::value* metadata);
  static const std::shared_ptr<const FlagSetShared>& empty();

  struct Impl;
  explicit FlagSetShared(std::unique_ptr<Impl> impl);
  ~FlagSetShared();
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

class CompiledFlag {
 public:
  // Never throws for a bad definition: the result then has a compile_error().
  static std::shared_ptr<const CompiledFlag> compile(std::string_view key, const boost::json::value& definition,
                                                     const FlagSetShared& shared);

  const std::string& key() const;
  const std::string& compile_error() const;  // empty when the flag compiled
  bool enabled() const;                      // state ENABLED
  // The variants' common type (Bool, String, Float or Object); Any for a flag that did
  // not compile.
  ValueType type() const;
  const std::vector<Variant>& variants() const;
  const Variant* default_variant() const;    // null when defaultVariant is null or absent
  // The flag's metadata (the set's, overridden by the flag's own) as compact JSON text.
  const std::string& metadata_json() const;
  // The same entries, for bindings that hand out typed maps.
  using MetadataEntry = FlagMetadataEntry;  // the public type, so bindings get it as is
  const std::vector<MetadataEntry>& metadata() const;
  // True when its targeting reads `$flagd.timestamp`: its result may change without any
  // record changing.
  bool reads_time() const;
  // True when its targeting uses the `record` operator (reads other records).
  bool reads_records() const;

  // Evaluates for `context`. `records` may be null (the `record` operator then yields
  // null). `now_unix_seconds` is `$flagd.timestamp` (nullopt: the current time, read only
  // when the rule uses it). `expected` checks the variant's type: a mismatch is
  // ErrorCode::TypeMismatch with no variant.
  Resolution evaluate(const Context& context, const RecordSource* records, ValueType expected = ValueType::Any,
                      std::optional<std::int64_t> now_unix_seconds = std::nullopt) const;

  struct Impl;
  explicit CompiledFlag(std::unique_ptr<Impl> impl);
  ~CompiledFlag();

 private:
  std::unique_ptr<Impl> impl_;
};

// A whole flagd document: {"flags": {key: definition}, "$evaluators": {...}, "metadata": {...}}
// ($schema ignored). For `hotstate flags import`, the server's validation endpoint and
// the conformance suites.
struct FlagDocument {
  std::map<std::string, std::shared_ptr<const CompiledFlag>, std::less<>> flags;
  std::shared_ptr<const FlagSetShared> shared;
  // Problems of the document as a whole; each flag's own are its compile_error().
  std::vector<std::string> errors;
};
FlagDocument compile_document(std::string_view json_text);

}  // namespace hotstate::eval
