// hs_flag_result -> JS: the value alone (typed evaluations) or the details object
//   {value, variant, reason, errorCode, errorMessage, flagMetadata}
// (made by lib/flag_details.js, which the addon calls)
// with OpenFeature's spellings; variant, errorCode and errorMessage are undefined when
// there is none, flagMetadata is a fresh object (empty when the flag has none).
#pragma once

#include <hotstate.h>
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hotstate_node {

// Makes the reason and error code names once per environment (addon init).
void init_flag_names(Napi::Env env);
// setFlagDetailsFactory(makeFlagDetails): called once by lib/native.js.
Napi::Value set_flag_details_factory(const Napi::CallbackInfo& info);

// The resolved value: booleans, strings, numbers (always a Number), objects (with any JSON
// inside) decoded from the result's FlexBuffers; `fallback` when the result has none.
Napi::Value flag_value(Napi::Env env, const hs_flag_result& result, Napi::Value fallback);
Napi::Object flag_details(Napi::Env env, const hs_flag_result& result, Napi::Value fallback);

// A result lent to a flag listener on the client's callback thread, copied for the JS
// thread; view() points into the copy.
class FlagOutcome {
 public:
  explicit FlagOutcome(const hs_flag_result& lent);
  hs_flag_result view() const;

 private:
  hs_flag_type type_;
  hs_flag_reason reason_;
  hs_flag_error error_;
  int bool_value_;
  int is_integer_;
  int64_t int_value_;
  double double_value_;
  std::string error_message_, variant_, string_value_, json_, metadata_;
  std::vector<uint8_t> flex_;
};

}  // namespace hotstate_node
