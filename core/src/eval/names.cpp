// OpenFeature's spellings of reasons and error codes, and the names of value types.

#include "eval/flag.hpp"

namespace hotstate::eval {

const char* to_string(Reason reason) {
  switch (reason) {
    case Reason::Static: return "STATIC";
    case Reason::Default: return "DEFAULT";
    case Reason::TargetingMatch: return "TARGETING_MATCH";
    case Reason::Split: return "SPLIT";
    case Reason::Disabled: return "DISABLED";
    case Reason::Error: return "ERROR";
    case Reason::Stale: return "STALE";
    case Reason::Cached: return "CACHED";
    case Reason::Unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::None: return "";
    case ErrorCode::FlagNotFound: return "FLAG_NOT_FOUND";
    case ErrorCode::ParseError: return "PARSE_ERROR";
    case ErrorCode::TypeMismatch: return "TYPE_MISMATCH";
    case ErrorCode::TargetingKeyMissing: return "TARGETING_KEY_MISSING";
    case ErrorCode::InvalidContext: return "INVALID_CONTEXT";
    case ErrorCode::General: return "GENERAL";
  }
  return "GENERAL";
}

const char* to_string(ValueType type) {
  switch (type) {
    case ValueType::Any: return "any";
    case ValueType::Bool: return "boolean";
    case ValueType::String: return "string";
    case ValueType::Integer: return "integer";
    case ValueType::Float: return "float";
    case ValueType::Object: return "object";
  }
  return "any";
}

}  // namespace hotstate::eval
