// Local flag evaluation: contexts, evaluations into caller-owned results, flag change
// subscriptions and the list of flags that do not compile.

#include <cstddef>
#include <cstring>

#include "handles.hpp"

using namespace hotstate;
using namespace hotstate::capi;

struct hs_context {
  EvalContext context;
};

namespace {

constexpr std::size_t kResultMinimum = offsetof(hs_flag_result, internal) + sizeof(void*);

hs_flag_type c_type(FlagValueType type) {
  switch (type) {
    case FlagValueType::None: return HS_FLAG_TYPE_NONE;
    case FlagValueType::Bool: return HS_FLAG_TYPE_BOOL;
    case FlagValueType::String: return HS_FLAG_TYPE_STRING;
    case FlagValueType::Number: return HS_FLAG_TYPE_NUMBER;
    case FlagValueType::Object: return HS_FLAG_TYPE_OBJECT;
  }
  return HS_FLAG_TYPE_NONE;
}

// The enums share their order with the C++ ones (checked below), so these are casts.
static_assert(static_cast<int>(FlagReason::Unknown) == HS_REASON_UNKNOWN);
static_assert(static_cast<int>(FlagReason::Cached) == HS_REASON_CACHED);
static_assert(static_cast<int>(FlagErrorCode::ProviderNotReady) == HS_FLAG_ERROR_PROVIDER_NOT_READY);
static_assert(static_cast<int>(FlagErrorCode::General) == HS_FLAG_ERROR_GENERAL);

// Writes `e` into `out` (its first struct_size bytes); the views point into `e`.
void fill(const FlagEvaluation& e, void* internal, hs_flag_result* out) {
  hs_flag_result full = HS_FLAG_RESULT_INIT;
  full.internal = internal;
  full.type = c_type(e.type());
  full.reason = static_cast<hs_flag_reason>(e.reason);
  full.error = static_cast<hs_flag_error>(e.error);
  full.error_message = e.error_message.c_str();
  // The views below come from std::strings in the compiled flag: NUL-terminated.
  full.variant = e.variant().data();
  full.variant_len = e.variant().size();
  full.bool_value = e.bool_value() ? 1 : 0;
  full.is_integer = e.is_integer() ? 1 : 0;
  full.int_value = e.int_value();
  full.double_value = e.number_value();
  full.string_value = e.string_value().data();
  full.string_len = e.string_value().size();
  full.flex = e.flex().empty() ? nullptr : e.flex().data();
  full.flex_len = e.flex().size();
  full.json = e.json().data();
  full.json_len = e.json().size();
  full.metadata_json = e.metadata_json().data();
  full.metadata_len = e.metadata_json().size();
  if (!e.has_value()) full.variant = full.string_value = full.json = "";
  if (e.metadata_json().empty()) full.metadata_json = "";
  std::uint32_t size = std::min<std::uint32_t>(out->struct_size, sizeof full);
  full.struct_size = out->struct_size;
  std::memcpy(out, &full, size);
}

// Moves `e` into the result's own storage (reused across evaluations) and fills it.
hs_status deliver(FlagEvaluation e, hs_flag_result* out, hs_status status = HS_OK) {
  if (!out) return status;
  auto* kept = static_cast<FlagEvaluation*>(out->internal);
  if (!kept) kept = new FlagEvaluation();
  *kept = std::move(e);
  fill(*kept, kept, out);
  return status;
}

hs_status check_result(hs_flag_result* result) {
  if (result && result->struct_size < kResultMinimum)
    return fail(HS_ERR_INVALID_ARGUMENT, "hs_flag_result.struct_size is too small: use HS_FLAG_RESULT_INIT");
  return HS_OK;
}

// The arguments every evaluation checks. A failure is also written into `result`, so a
// caller that only looks at the result still sees why it holds the default.
hs_status check_evaluation(hs_client* client, const char* collection, const char* flag_key, hs_flag_result* result) {
  if (hs_status s = check_result(result)) return s;
  hs_status s = HS_OK;
  if (!client) s = fail_null("client");
  else if (!collection) s = fail_null("collection");
  else if (!flag_key) s = fail_null("flag_key");
  else s = check_open(client);
  if (s != HS_OK) {
    FlagEvaluation failed;
    failed.reason = FlagReason::Error;
    failed.error = FlagErrorCode::General;
    failed.error_message = hs_last_error();
    deliver(std::move(failed), result);
  }
  return s;
}

// `expect` is the caller's hs_flag_expect as an int (enum_argument): it may be anything.
ExpectedType expected_type(int expect) {
  switch (expect) {
    case HS_EXPECT_ANY: return ExpectedType::Any;
    case HS_EXPECT_BOOL: return ExpectedType::Bool;
    case HS_EXPECT_STRING: return ExpectedType::String;
    case HS_EXPECT_INT64: return ExpectedType::Integer;
    case HS_EXPECT_DOUBLE: return ExpectedType::Double;
    case HS_EXPECT_OBJECT: return ExpectedType::Object;
  }
  throw ClientError(ErrorCode::InvalidArgument, "unknown hs_flag_expect " + std::to_string(expect));
}

const EvalContext& context_of(const hs_context* context) { return context ? context->context : EvalContext::empty(); }

// Evaluates with `expect`; a result of the caller's own when none was passed (typed forms).
template <class Take>
hs_status evaluate_typed(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                         const hs_context* context, int expect, hs_flag_result* result, Take&& take) {
  if (hs_status s = check_evaluation(client, collection, flag_key, result)) return s;
  FlagEvaluation e = client->client->evaluate(collection, std::string_view(flag_key, key_len), context_of(context),
                                              expected_type(expect));
  if (e.has_value()) take(e);
  return deliver(std::move(e), result);
}

// The setters share their checks: a context and a name.
template <class Set>
hs_status set_attribute(hs_context* context, const char* name, Set&& set) {
  return guard([&] {
    if (!context) return fail_null("context");
    if (!name) return fail_null("name");
    set(context->context, std::string_view(name));
    return HS_OK;
  });
}

}  // namespace

extern "C" {

hs_status hs_options_add_flag_collection(hs_options* options, const char* collection) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!collection) return fail_null("collection");
    options->options.flag_collections.emplace_back(collection);
    return HS_OK;
  });
}

hs_status hs_context_new(hs_context** out) {
  return guard([&] {
    if (!out) return fail_null("out");
    *out = new hs_context();
    return HS_OK;
  });
}

hs_status hs_context_from_json(const char* json, size_t len, hs_context** out) {
  return guard([&] {
    if (!out) return fail_null("out");
    if (!json) return fail_null("json");
    auto context = std::make_unique<hs_context>();
    context->context = EvalContext::from_json(std::string_view(json, len));
    *out = context.release();
    return HS_OK;
  });
}

void hs_context_free(hs_context* context) { delete context; }

hs_status hs_context_set_targeting_key(hs_context* context, const char* value, size_t len) {
  return guard([&] {
    if (!context) return fail_null("context");
    if (!value) return fail_null("value");
    context->context.targeting_key(std::string_view(value, len));
    return HS_OK;
  });
}

hs_status hs_context_set_string(hs_context* context, const char* name, const char* value, size_t len) {
  if (!value) return guard([] { return fail_null("value"); });
  return set_attribute(context, name, [&](EvalContext& c, std::string_view n) { c.set(n, std::string_view(value, len)); });
}

hs_status hs_context_set_bool(hs_context* context, const char* name, int value) {
  return set_attribute(context, name, [&](EvalContext& c, std::string_view n) { c.set(n, value != 0); });
}

hs_status hs_context_set_int64(hs_context* context, const char* name, int64_t value) {
  return set_attribute(context, name, [&](EvalContext& c, std::string_view n) { c.set(n, std::int64_t{value}); });
}

hs_status hs_context_set_double(hs_context* context, const char* name, double value) {
  return set_attribute(context, name, [&](EvalContext& c, std::string_view n) { c.set(n, value); });
}

hs_status hs_context_set_null(hs_context* context, const char* name) {
  return set_attribute(context, name, [&](EvalContext& c, std::string_view n) { c.set_null(n); });
}

hs_status hs_context_set_json(hs_context* context, const char* name, const char* json, size_t len) {
  if (!json) return guard([] { return fail_null("json"); });
  return set_attribute(context, name,
                       [&](EvalContext& c, std::string_view n) { c.set_json(n, std::string_view(json, len)); });
}

hs_status hs_context_remove(hs_context* context, const char* name) {
  return set_attribute(context, name, [&](EvalContext& c, std::string_view n) { c.erase(n); });
}

hs_status hs_context_clear(hs_context* context) {
  return guard([&] {
    if (!context) return fail_null("context");
    context->context.clear();
    return HS_OK;
  });
}

const char* hs_flag_reason_name(hs_flag_reason reason) {
  int value = enum_argument(reason);
  if (value < HS_REASON_STATIC || value > HS_REASON_UNKNOWN) return "UNKNOWN";
  return to_string(static_cast<FlagReason>(value));
}

const char* hs_flag_error_name(hs_flag_error error) {
  int value = enum_argument(error);
  if (value < HS_FLAG_ERROR_NONE || value > HS_FLAG_ERROR_PROVIDER_NOT_READY) return "GENERAL";
  return to_string(static_cast<FlagErrorCode>(value));
}

void hs_flag_result_release(hs_flag_result* result) {
  if (!result || result->struct_size < kResultMinimum) return;
  delete static_cast<FlagEvaluation*>(result->internal);
  hs_flag_result empty = HS_FLAG_RESULT_INIT;
  std::uint32_t size = std::min<std::uint32_t>(result->struct_size, sizeof empty);
  empty.struct_size = result->struct_size;
  std::memcpy(result, &empty, size);
}

hs_status hs_evaluate(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                      const hs_context* context, hs_flag_expect expect, hs_flag_result* result) {
  return guard([&] {
    if (!result) return fail_null("result");
    return evaluate_typed(client, collection, flag_key, key_len, context, enum_argument(expect), result,
                          [](const FlagEvaluation&) {});
  });
}

hs_status hs_evaluate_json(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                           const char* context_json, size_t context_len, hs_flag_expect expect,
                           hs_flag_result* result) {
  return guard([&] {
    if (!result) return fail_null("result");
    if (hs_status s = check_evaluation(client, collection, flag_key, result)) return s;
    if (!context_json) return fail_null("context_json");
    hs_context parsed;
    try {
      parsed.context = EvalContext::from_json(std::string_view(context_json, context_len));
    } catch (const ClientError& e) {
      FlagEvaluation invalid;
      invalid.reason = FlagReason::Error;
      invalid.error = FlagErrorCode::InvalidContext;
      invalid.error_message = e.what();
      return deliver(std::move(invalid), result);
    }
    return evaluate_typed(client, collection, flag_key, key_len, &parsed, enum_argument(expect), result,
                          [](const FlagEvaluation&) {});
  });
}

hs_status hs_evaluate_bool(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                           const hs_context* context, int default_value, int* value_out, hs_flag_result* result) {
  return guard([&] {
    if (!value_out) return fail_null("value_out");
    *value_out = default_value;
    return evaluate_typed(client, collection, flag_key, key_len, context, HS_EXPECT_BOOL, result,
                          [&](const FlagEvaluation& e) { *value_out = e.bool_value() ? 1 : 0; });
  });
}

hs_status hs_evaluate_int64(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                            const hs_context* context, int64_t default_value, int64_t* value_out,
                            hs_flag_result* result) {
  return guard([&] {
    if (!value_out) return fail_null("value_out");
    *value_out = default_value;
    return evaluate_typed(client, collection, flag_key, key_len, context, HS_EXPECT_INT64, result,
                          [&](const FlagEvaluation& e) { *value_out = e.int_value(); });
  });
}

hs_status hs_evaluate_double(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                             const hs_context* context, double default_value, double* value_out,
                             hs_flag_result* result) {
  return guard([&] {
    if (!value_out) return fail_null("value_out");
    *value_out = default_value;
    return evaluate_typed(client, collection, flag_key, key_len, context, HS_EXPECT_DOUBLE, result,
                          [&](const FlagEvaluation& e) { *value_out = e.number_value(); });
  });
}

hs_status hs_evaluate_string(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                             const hs_context* context, const char* default_value, const char** value_out,
                             size_t* len_out, hs_flag_result* result) {
  return guard([&] {
    if (!value_out) return fail_null("value_out");
    if (!default_value) return fail_null("default_value");
    *value_out = default_value;
    if (len_out) *len_out = std::strlen(default_value);
    if (!result) return fail_null("result");
    hs_status s = evaluate_typed(client, collection, flag_key, key_len, context, HS_EXPECT_STRING, result,
                                 [](const FlagEvaluation&) {});
    if (result->type == HS_FLAG_TYPE_STRING) {
      *value_out = result->string_value;
      if (len_out) *len_out = result->string_len;
    }
    return s;
  });
}

hs_status hs_subscribe_flag(hs_client* client, const char* collection, const char* flag_key, size_t key_len,
                            const hs_context* context, hs_flag_fn fn, void* user_data, hs_free_fn free_user_data,
                            uint64_t* subscription_out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!collection) return fail_null("collection");
    if (!flag_key) return fail_null("flag_key");
    if (!fn) return fail_null("fn");
    // As hs_subscribe: free_user_data is armed only once the subscription exists.
    auto owner = std::make_shared<UserData>(UserData{user_data, nullptr});
    auto id = client->client->on_flag_change(collection, std::string(flag_key, key_len), context_of(context),
                                             [fn, owner](const FlagEvaluation& e) {
                                               hs_flag_result lent = HS_FLAG_RESULT_INIT;
                                               fill(e, nullptr, &lent);
                                               fn(&lent, owner->data);
                                             });
    owner->free_data = free_user_data;
    if (subscription_out) *subscription_out = id;
    return HS_OK;
  });
}

hs_status hs_flag_problems_json(hs_client* client, char** json, size_t* len) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!json) return fail_null("json");
    std::string text = "[";
    for (const auto& problem : client->client->flag_problems()) {
      if (text.size() > 1) text += ',';
      text += R"({"collection":)";
      append_json_string(text, problem.collection);
      text += R"(,"key":)";
      append_json_string(text, problem.key);
      text += R"(,"message":)";
      append_json_string(text, problem.message);
      text += '}';
    }
    text += ']';
    *json = copy_to_c(text);
    if (len) *len = text.size();
    return HS_OK;
  });
}

}  // extern "C"
