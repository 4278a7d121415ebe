#include "flag_result_js.hpp"

#include <string_view>

#include "addon_data.hpp"
#include "errors.hpp"
#include "flex_to_js.hpp"

namespace hotstate_node {
namespace {

void ok(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

constexpr uint32_t kReasonCount = HS_REASON_UNKNOWN + 1;
constexpr uint32_t kErrorCount = HS_FLAG_ERROR_PROVIDER_NOT_READY + 1;

napi_value name_at(napi_env env, const Napi::ObjectReference& names, uint32_t index) {
  napi_value out = nullptr;
  ok(env, napi_get_element(env, names.Value(), index, &out));
  return out;
}

napi_value undefined(napi_env env) {
  napi_value out = nullptr;
  ok(env, napi_get_undefined(env, &out));
  return out;
}

napi_value utf8(napi_env env, const char* text, std::size_t len) {
  napi_value out = nullptr;
  ok(env, napi_create_string_utf8(env, text, len, &out));
  return out;
}

// The flag's metadata as JSON text, or undefined when it has none (lib/ parses it).
napi_value metadata_text(napi_env env, const hs_flag_result& result) {
  std::string_view text(result.metadata_json, result.metadata_len);
  if (text.empty() || text == "{}") return undefined(env);
  return utf8(env, text.data(), text.size());
}

}  // namespace

void init_flag_names(Napi::Env env) {
  AddonData& data = addon_data(env);
  Napi::Array reasons = Napi::Array::New(env, kReasonCount);
  for (uint32_t i = 0; i < kReasonCount; ++i) reasons.Set(i, hs_flag_reason_name(static_cast<hs_flag_reason>(i)));
  Napi::Array errors = Napi::Array::New(env, kErrorCount);
  for (uint32_t i = 0; i < kErrorCount; ++i) errors.Set(i, hs_flag_error_name(static_cast<hs_flag_error>(i)));
  data.reason_names = Napi::Persistent(Napi::Object(reasons));
  data.error_names = Napi::Persistent(Napi::Object(errors));
}

Napi::Value flag_value(Napi::Env env, const hs_flag_result& result, Napi::Value fallback) {
  switch (result.type) {
    case HS_FLAG_TYPE_BOOL: return Napi::Boolean::New(env, result.bool_value != 0);
    case HS_FLAG_TYPE_STRING: return Napi::Value(env, utf8(env, result.string_value, result.string_len));
    case HS_FLAG_TYPE_NUMBER: return Napi::Number::New(env, result.double_value);
    case HS_FLAG_TYPE_OBJECT:
      if (result.flex == nullptr || result.flex_len == 0)
        throw status_error(env, HS_ERR_INTERNAL, "an object flag value came without its FlexBuffers bytes");
      return flex_to_js(env, result.flex, result.flex_len);
    case HS_FLAG_TYPE_NONE: break;
  }
  return fallback;
}

Napi::Value set_flag_details_factory(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw status_error(info.Env(), HS_ERR_INVALID_ARGUMENT, "setFlagDetailsFactory expects a function");
  addon_data(info.Env()).flag_details_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object flag_details(Napi::Env env, const hs_flag_result& result, Napi::Value fallback) {
  AddonData& data = addon_data(env);
  if (data.flag_details_factory.IsEmpty())
    throw status_error(env, HS_ERR_INTERNAL, "the addon is used without lib/ (no flag details factory)");
  const bool has_variant = result.type != HS_FLAG_TYPE_NONE;
  const bool failed = result.error != HS_FLAG_ERROR_NONE;
  uint32_t reason = static_cast<uint32_t>(result.reason) < kReasonCount ? result.reason : HS_REASON_UNKNOWN;
  uint32_t error = static_cast<uint32_t>(result.error) < kErrorCount ? result.error : HS_FLAG_ERROR_GENERAL;
  napi_value args[6] = {
      flag_value(env, result, fallback),
      has_variant ? utf8(env, result.variant, result.variant_len) : undefined(env),
      name_at(env, data.reason_names, reason),
      failed ? name_at(env, data.error_names, error) : undefined(env),
      failed ? utf8(env, result.error_message, NAPI_AUTO_LENGTH) : undefined(env),
      metadata_text(env, result),
  };
  napi_value out = nullptr;
  ok(env, napi_call_function(env, undefined(env), data.flag_details_factory.Value(), 6, args, &out));
  return Napi::Object(env, out);
}

FlagOutcome::FlagOutcome(const hs_flag_result& lent)
    : type_(lent.type),
      reason_(lent.reason),
      error_(lent.error),
      bool_value_(lent.bool_value),
      is_integer_(lent.is_integer),
      int_value_(lent.int_value),
      double_value_(lent.double_value),
      error_message_(lent.error_message ? lent.error_message : ""),
      variant_(lent.variant ? std::string(lent.variant, lent.variant_len) : std::string()),
      string_value_(lent.string_value ? std::string(lent.string_value, lent.string_len) : std::string()),
      json_(lent.json ? std::string(lent.json, lent.json_len) : std::string()),
      metadata_(lent.metadata_json ? std::string(lent.metadata_json, lent.metadata_len) : std::string()),
      flex_(lent.flex ? std::vector<uint8_t>(lent.flex, lent.flex + lent.flex_len) : std::vector<uint8_t>()) {}

hs_flag_result FlagOutcome::view() const {
  hs_flag_result out = HS_FLAG_RESULT_INIT;
  out.type = type_;
  out.reason = reason_;
  out.error = error_;
  out.error_message = error_message_.c_str();
  out.variant = variant_.c_str();
  out.variant_len = variant_.size();
  out.bool_value = bool_value_;
  out.is_integer = is_integer_;
  out.int_value = int_value_;
  out.double_value = double_value_;
  out.string_value = string_value_.c_str();
  out.string_len = string_value_.size();
  out.flex = flex_.data();
  out.flex_len = flex_.size();
  out.json = json_.c_str();
  out.json_len = json_.size();
  out.metadata_json = metadata_.c_str();
  out.metadata_len = metadata_.size();
  return out;
}

}  // namespace hotstate_node
