// hotstate::FlagEvaluation: views into the compiled flag it keeps alive, and the
// OpenFeature spellings of reasons and error codes.

#include "eval/flag.hpp"
#include "hotstate/flags.hpp"

namespace hotstate {

const char* to_string(FlagReason reason) {
  switch (reason) {
    case FlagReason::Static: return "STATIC";
    case FlagReason::Default: return "DEFAULT";
    case FlagReason::TargetingMatch: return "TARGETING_MATCH";
    case FlagReason::Split: return "SPLIT";
    case FlagReason::Disabled: return "DISABLED";
    case FlagReason::Error: return "ERROR";
    case FlagReason::Stale: return "STALE";
    case FlagReason::Cached: return "CACHED";
    case FlagReason::Unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* to_string(FlagErrorCode code) {
  switch (code) {
    case FlagErrorCode::None: return "";
    case FlagErrorCode::FlagNotFound: return "FLAG_NOT_FOUND";
    case FlagErrorCode::ParseError: return "PARSE_ERROR";
    case FlagErrorCode::TypeMismatch: return "TYPE_MISMATCH";
    case FlagErrorCode::TargetingKeyMissing: return "TARGETING_KEY_MISSING";
    case FlagErrorCode::InvalidContext: return "INVALID_CONTEXT";
    case FlagErrorCode::General: return "GENERAL";
    case FlagErrorCode::ProviderNotReady: return "PROVIDER_NOT_READY";
  }
  return "GENERAL";
}

FlagEvaluation::FlagEvaluation(std::shared_ptr<const eval::CompiledFlag> flag, const eval::Variant* variant)
    : flag_(std::move(flag)), variant_(variant) {}

std::string_view FlagEvaluation::variant() const { return variant_ ? std::string_view(variant_->name) : ""; }

FlagValueType FlagEvaluation::type() const {
  if (!variant_) return FlagValueType::None;
  switch (variant_->type) {
    case eval::ValueType::Bool: return FlagValueType::Bool;
    case eval::ValueType::String: return FlagValueType::String;
    case eval::ValueType::Integer:
    case eval::ValueType::Float: return FlagValueType::Number;
    default: return FlagValueType::Object;
  }
}

bool FlagEvaluation::bool_value() const { return variant_ && variant_->bool_value; }
double FlagEvaluation::number_value() const { return variant_ ? variant_->number_value : 0; }
bool FlagEvaluation::is_integer() const { return variant_ && variant_->integral; }
std::int64_t FlagEvaluation::int_value() const { return variant_ ? variant_->int_value : 0; }
std::string_view FlagEvaluation::string_value() const {
  return variant_ ? std::string_view(variant_->string_value) : "";
}
std::span<const std::uint8_t> FlagEvaluation::flex() const {
  return variant_ ? std::span<const std::uint8_t>(variant_->flex) : std::span<const std::uint8_t>();
}
std::string_view FlagEvaluation::json() const { return variant_ ? std::string_view(variant_->json) : ""; }
std::string_view FlagEvaluation::metadata_json() const { return flag_ ? std::string_view(flag_->metadata_json()) : ""; }
std::span<const FlagMetadataEntry> FlagEvaluation::metadata() const {
  return flag_ ? std::span<const FlagMetadataEntry>(flag_->metadata()) : std::span<const FlagMetadataEntry>();
}

}  // namespace hotstate
