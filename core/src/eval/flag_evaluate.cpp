// CompiledFlag::evaluate, with flagd's resolution rules (core/pkg/evaluator/json.go and
// the flagd-testbed evaluator suite):
//   DISABLED                    -> no variant, reason DISABLED (the caller's default)
//   no targeting                -> the default variant, STATIC (DEFAULT when there is none)
//   targeting gives null        -> the default variant (or none), DEFAULT
//   targeting gives a name      -> that variant, TARGETING_MATCH; SPLIT when a `fractional`
//                                  chose a bucket on the way (flagd says TARGETING_MATCH
//                                  there; OpenFeature's SPLIT tells a rollout apart)
//   fractional needs the targeting key and there is none, and the rule ends in null
//                               -> no variant, TARGETING_KEY_MISSING
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
    if (same_text(v.name, name)) return &v;
  return nullptr;
}

Resolution error(ErrorCode code, std::string message) {
  Resolution r;
  r.reason = Reason::Error;
  r.error = code;
  r.error_message = std::move(message);
  return r;
}

// The variant a targeting result names, into `r` (filled in place: no Resolution is
// copied or moved on the way out).
void resolve_result(const CompiledFlag::Impl& flag, const Val& result, Resolution& r) {
  std::string_view name;
  char number[kMaxJsNumberChars];
  switch (result.kind()) {
    case Val::Kind::Undefined:
    case Val::Kind::Null:
      r.variant = flag.default_variant();
      r.reason = Reason::Default;
      return;
    case Val::Kind::String: name = result.as_string(); break;
    case Val::Kind::Bool: name = result.as_bool() ? "true" : "false"; break;
    case Val::Kind::Number: name = {number, js_number_to_chars(result.as_number(), number)}; break;
    case Val::Kind::Array:
    case Val::Kind::Object:
      r = error(ErrorCode::ParseError, "flag \"" + flag.key + "\": targeting returned an " +
                                           (result.is(Val::Kind::Array) ? "array" : "object") + ", not a variant name");
      return;
  }
  r.variant = find_variant(flag, name);
  if (r.variant == nullptr) {
    r = error(ErrorCode::ParseError,
              "flag \"" + flag.key + "\": targeting returned \"" + std::string(name) + "\", which is not a variant");
    return;
  }
  r.reason = Reason::TargetingMatch;
}

}  // namespace

Resolution CompiledFlag::evaluate(const Context& context, const RecordSource* records, ValueType expected,
                                  std::optional<std::int64_t> now_unix_seconds) const {
  // One Resolution, returned from every path (built in the caller's slot, never copied).
  Resolution r;
  const Impl& flag = *impl_;
  if (!flag.compile_error.empty()) {
    r = error(ErrorCode::ParseError, flag.compile_error);
    return r;
  }
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
      Val result = evaluator.run();
      if (evaluator.missing_targeting_key && (result.is(Val::Kind::Null) || result.is(Val::Kind::Undefined))) {
        r = error(ErrorCode::TargetingKeyMissing,
                  "flag \"" + flag.key + "\": its fractional rollout buckets by the targeting key, and the context has none");
        return r;
      }
      resolve_result(flag, result, r);
      if (r.reason == Reason::TargetingMatch && evaluator.split) r.reason = Reason::Split;
    } catch (const EvalLimitError& e) {
      r = error(ErrorCode::General, "flag \"" + flag.key + "\": " + e.message);
      return r;
    }
    if (r.error != ErrorCode::None) return r;
  }
  if (r.variant != nullptr && !type_matches(expected, r.variant->type))
    r = error(ErrorCode::TypeMismatch, "flag \"" + flag.key + "\" is a " + variant_type_name(flag.type) +
                                           " flag, not " + to_string(expected));
  return r;
}

}  // namespace hotstate::eval
