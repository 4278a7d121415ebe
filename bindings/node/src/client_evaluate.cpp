// Flag evaluations of NativeClient: synchronous and local (no network, no lock), one
// napi call each. The typed forms return just the value, the untyped one the details;
// both give the caller's default whenever the flag cannot give a value (closed client
// included: GENERAL), and throw only for arguments of the wrong type.

#include "args.hpp"
#include "client_wrap.hpp"
#include "context_arg.hpp"
#include "errors.hpp"
#include "flag_result_js.hpp"

namespace hotstate_node {
namespace {

// HS_ERR_CLOSED is an outcome here (the default, with GENERAL in the result); anything
// else but HS_OK is a failure of the library.
void evaluated(Napi::Env env, hs_status status) {
  if (status != HS_OK && status != HS_ERR_CLOSED) throw_status(env, status);
}

void expect_default(Napi::Env env, bool ok, const char* method, const char* type) {
  if (!ok) throw_type_error(env, std::string(method) + ": defaultValue must be " + type);
}

}  // namespace

// The context is the arguments after the default (context_arg.hpp).

// evaluateBool(collection, key, defaultValue, ...context) -> boolean
Napi::Value ClientWrap::evaluate_bool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CStringArg collection(env, info[0], "collection");
  Utf8Arg key(env, info[1], "flag key");
  expect_default(env, info[2].IsBoolean(), "evaluateBool", "a boolean");
  ContextArg context(info, 3, scratch_);
  int value = info[2].As<Napi::Boolean>().Value() ? 1 : 0;
  evaluated(env, hs_evaluate_bool(client_->get(), collection.data(), key.data(), key.size(), context.get(), value,
                                  &value, nullptr));
  return Napi::Boolean::New(env, value != 0);
}

// evaluateNumber(collection, key, defaultValue, ...context) -> number (any numeric variant)
Napi::Value ClientWrap::evaluate_number(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CStringArg collection(env, info[0], "collection");
  Utf8Arg key(env, info[1], "flag key");
  expect_default(env, info[2].IsNumber(), "evaluateNumber", "a number");
  ContextArg context(info, 3, scratch_);
  double value = info[2].As<Napi::Number>().DoubleValue();
  evaluated(env, hs_evaluate_double(client_->get(), collection.data(), key.data(), key.size(), context.get(), value,
                                    &value, nullptr));
  return Napi::Number::New(env, value);
}

// evaluateString(collection, key, defaultValue, ...context) -> string
Napi::Value ClientWrap::evaluate_string(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CStringArg collection(env, info[0], "collection");
  Utf8Arg key(env, info[1], "flag key");
  expect_default(env, info[2].IsString(), "evaluateString", "a string");
  ContextArg context(info, 3, scratch_);
  evaluated(env, hs_evaluate(client_->get(), collection.data(), key.data(), key.size(), context.get(),
                             HS_EXPECT_STRING, &result_));
  if (result_.type != HS_FLAG_TYPE_STRING) return info[2];
  return Napi::String::New(env, result_.string_value, result_.string_len);
}

// evaluateObject(collection, key, defaultValue, ...context) -> an object flag's value,
// decoded fresh on each call
Napi::Value ClientWrap::evaluate_object(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CStringArg collection(env, info[0], "collection");
  Utf8Arg key(env, info[1], "flag key");
  ContextArg context(info, 3, scratch_);
  evaluated(env, hs_evaluate(client_->get(), collection.data(), key.data(), key.size(), context.get(),
                             HS_EXPECT_OBJECT, &result_));
  return flag_value(env, result_, info[2]);
}

// evaluate(collection, key, expect, defaultValue, ...context) -> details; expect is an
// hs_flag_expect (lib/ maps OpenFeature's type names onto it).
Napi::Value ClientWrap::evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CStringArg collection(env, info[0], "collection");
  Utf8Arg key(env, info[1], "flag key");
  if (!info[2].IsNumber()) throw_type_error(env, "evaluate: expect must be a number");
  int32_t expect = info[2].As<Napi::Number>().Int32Value();
  if (expect < HS_EXPECT_ANY || expect > HS_EXPECT_OBJECT) throw Napi::RangeError::New(env, "evaluate: unknown expect");
  ContextArg context(info, 4, scratch_);
  evaluated(env, hs_evaluate(client_->get(), collection.data(), key.data(), key.size(), context.get(),
                             static_cast<hs_flag_expect>(expect), &result_));
  return flag_details(env, result_, info[3]);
}

// flagProblems() -> JSON text: [{collection, key, message}] (lib/ parses it).
Napi::Value ClientWrap::flag_problems(const Napi::CallbackInfo& info) {
  char* json = nullptr;
  std::size_t len = 0;
  check(info.Env(), hs_flag_problems_json(client_->get(), &json, &len));
  Napi::String text = Napi::String::New(info.Env(), json, len);
  hs_free(json);
  return text;
}

}  // namespace hotstate_node
