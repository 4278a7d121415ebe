// CompiledFlag::evaluate, with flagd's resolution rules (core/pkg/evaluator/json.go and
// the flagd-testbed evaluator suite):
//   DISABLED                    -> no variant, reason DISABLED (the caller's default)
//   no targeting                -> the default variant, STATIC (DEFAULT when there is none)
//   targeting gives null        -> the default variant (or none), DEFAULT
//   targeting gives a name      -> that variant, TARGETING_MATCH (fractional too: flagd
//                                  reports no SPLIT)
//   a boolean or number result  -> the variant named "true"/"false" or the number's text
//   a name that is no variant   -> PARSE_ERROR (as flagd); an array or object: PARSE_ERROR
// and then the type check: a variant of another type than `expected` is TYPE_MISMATCH.

#include "eval/evaluator.hpp"
#include "eval/flag_impl.hpp"
#include "eval/js_number.hpp"
#include "eval/root_scope.hpp"

namespace hotstate::eval {
namespace {

bool type_matches(ValueType expected, ValueType actual) {
  switch (expected) {
    case ValueType::Any: return true;
    case ValueType::Integer:
    case ValueType::Float: return actual == ValueType::Float;  // flagd: any number, either way
    default: return expected == actual;
  }
}

const Variant* find_variant(const CompiledFlag::Impl& flag, std::string_view name) {
  for (const auto& v : flag.variants)
    if (v.name == name) return &v;
  return nullptr;
}

Resolution error(ErrorCode code, std::string message) {
  Resolution r;
  r.reason = Reason::Error;
  r.error = code;
  r.error_message = std::move(message);
  return r;
}

// The variant a targeting result names.
Resolution resolve_result(const CompiledFlag::Impl& flag, const Val& result) {
  Resolution r;
  std::string_view name;
  char number[kMaxJsNumberChars];
  switch (result.kind()) {
    case Val::Kind::Undefined:
    case Val::Kind::Null:
      r.variant = flag.default_variant();
      r.reason = Reason::Default;
      return r;
    case Val::Kind::String: name = result.as_string(); break;
    case Val::Kind::Bool: name = result.as_bool() ? "true" : "false"; break;
    case Val::Kind::Number: name = {number, js_number_to_chars(result.as_number(), number)}; break;
    case Val::Kind::Array:
    case Val::Kind::Object:
      return error(ErrorCode::ParseError, "flag \"" + flag.key + "\": targeting returned an " +
                                              (result.is(Val::Kind::Array) ? "array" : "object") +
                                              ", not a variant name");
  }
  r.variant = find_variant(flag, name);
  if (r.variant == nullptr)
    return error(ErrorCode::ParseError,
                 "flag \"" + flag.key + "\": targeting returned \"" + std::string(name) + "\", which is not a variant");
  r.reason = Reason::TargetingMatch;
  return r;
}

}  // namespace

Resolution CompiledFlag::evaluate(const Context& context, const RecordSource* records, ValueType expected,
                                  std::optional<std::int64_t> now_unix_seconds) const {
  const Impl& flag = *impl_;
  if (!flag.compile_error.empty()) return error(ErrorCode::ParseError, flag.compile_error);
  Resolution r;
  if (!flag.enabled) {
    r.reason = Reason::Disabled;
    return r;
  }
  if (!flag.targeting) {
    r.variant = flag.default_variant();
    r.reason = r.variant ? Reason::Static : Reason::Default;
  } else {
    ScratchScope scratch;
    RootScope root{&context.impl(), flag.key, now_unix_seconds};
    try {
      Evaluator evaluator(*flag.targeting, Val::root(&root), records, scratch.arena());
      r = resolve_result(flag, evaluator.run());
    } catch (const EvalLimitError& e) {
      return error(ErrorCode::General, "flag \"" + flag.key + "\": " + e.message);
    }
    if (r.error != ErrorCode::None) return r;
  }
  if (r.variant != nullptr && !type_matches(expected, r.variant->type))
    return error(ErrorCode::TypeMismatch, "flag \"" + flag.key + "\" is a " + variant_type_name(flag.type) +
                                              " flag, not " + to_string(expected));
  return r;
}

}  // namespace hotstate::eval
