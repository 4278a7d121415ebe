#include "client_wrap.hpp"

#include <memory>
#include <optional>
#include <string>

#include "args.hpp"
#include "change_events.hpp"
#include "client_async.hpp"
#include "client_options.hpp"
#include "client_status.hpp"
#include "errors.hpp"
#include "iter_wrap.hpp"
#include "read_wrap.hpp"
#include "record_wrap.hpp"

namespace hotstate_node {
namespace {

struct RecordFree {
  void operator()(hs_record* record) const { hs_record_free(record); }
};
using RecordPtr = std::unique_ptr<hs_record, RecordFree>;

// user_data of a native subscription: where its events go, and under which id.
struct SubscriptionContext {
  std::shared_ptr<EventPump> pump;
  uint64_t id;
};

// On the client's callback thread. Nothing may throw into the C library.
void on_change(const hs_change_batch* batch, void* user_data) {
  auto* context = static_cast<SubscriptionContext*>(user_data);
  try {
    context->pump->push(copy_change_batch(context->id, batch));
  } catch (...) {
    // Out of memory while copying: this batch is lost to JS rather than the process.
  }
}

void on_status(const hs_client_status* status, void* user_data) {
  auto* context = static_cast<SubscriptionContext*>(user_data);
  try {
    PendingEvent event;
    event.subscription = context->id;
    event.kind = PendingEvent::Kind::Status;
    event.status = *status;
    context->pump->push(std::move(event));
  } catch (...) {
  }
}

void on_flag(const hs_flag_result* result, void* user_data) {
  auto* context = static_cast<SubscriptionContext*>(user_data);
  try {
    PendingEvent event;
    event.subscription = context->id;
    event.kind = PendingEvent::Kind::Flag;
    event.flag.emplace(*result);
    context->pump->push(std::move(event));
  } catch (...) {
  }
}

void free_context(void* user_data) { delete static_cast<SubscriptionContext*>(user_data); }

// Optional string filters of subscribe(): undefined/null -> no filter.
std::optional<std::string> optional_string(Napi::Env env, const Napi::Value& value, const char* what) {
  if (is_absent(value)) return std::nullopt;
  return Utf8Arg(env, value, what).str();
}

}  // namespace

Napi::Function ClientWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeClient",
                     {InstanceMethod<&ClientWrap::get>("get"), InstanceMethod<&ClientWrap::view>("view"),
                      InstanceMethod<&ClientWrap::get_bool>("getBool"), InstanceMethod<&ClientWrap::get_int>("getInt"),
                      InstanceMethod<&ClientWrap::get_double>("getDouble"),
                      InstanceMethod<&ClientWrap::get_string>("getString"), InstanceMethod<&ClientWrap::scan>("scan"),
                      InstanceMethod<&ClientWrap::read_begin>("readBegin"),
                      InstanceMethod<&ClientWrap::status>("status"),
                      InstanceMethod<&ClientWrap::wait_ready>("waitReady"),
                      InstanceMethod<&ClientWrap::wait_for_revision>("waitForRevision"),
                      InstanceMethod<&ClientWrap::reconnect_now>("reconnectNow"),
                      InstanceMethod<&ClientWrap::close>("close"), InstanceMethod<&ClientWrap::put>("put"),
                      InstanceMethod<&ClientWrap::remove>("delete"), InstanceMethod<&ClientWrap::txn>("txn"),
                      InstanceMethod<&ClientWrap::subscribe>("subscribe"),
                      InstanceMethod<&ClientWrap::subscribe_status>("subscribeStatus"),
                      InstanceMethod<&ClientWrap::unsubscribe>("unsubscribe"),
                      InstanceMethod<&ClientWrap::wipe_cache>("wipeCache"),
                      InstanceMethod<&ClientWrap::evaluate_bool>("evaluateBool"),
                      InstanceMethod<&ClientWrap::evaluate_number>("evaluateNumber"),
                      InstanceMethod<&ClientWrap::evaluate_string>("evaluateString"),
                      InstanceMethod<&ClientWrap::evaluate_object>("evaluateObject"),
                      InstanceMethod<&ClientWrap::evaluate>("evaluate"),
                      InstanceMethod<&ClientWrap::subscribe_flag>("subscribeFlag"),
                      InstanceMethod<&ClientWrap::flag_problems>("flagProblems")});
}

ClientWrap::ClientWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ClientWrap>(info) {
  Napi::Env env = info.Env();
  OptionsPtr options = build_options(env, info[0]);
  if (!info[1].IsFunction()) throw_type_error(env, "onEvent must be a function");
  hs_client* client = nullptr;
  check(env, hs_client_open(options.get(), &client));
  try {
    client_ = std::make_shared<ClientHandle>(client, EventPump::create(env, info[1].As<Napi::Function>(), deliver_event));
  } catch (...) {
    hs_client_free(client);
    throw;
  }
}

ClientWrap::~ClientWrap() { hs_flag_result_release(&result_); }

// ---- Reads ----------------------------------------------------------------------------

hs_record* ClientWrap::lookup(const Napi::CallbackInfo& info) const {
  CStringArg collection(info.Env(), info[0], "collection");
  Utf8Arg key(info.Env(), info[1], "key");
  hs_record* record = nullptr;
  hs_status s = hs_get(client_->get(), collection.data(), key.data(), key.size(), &record);
  if (s == HS_ERR_NOT_FOUND) return nullptr;
  check(info.Env(), s);
  return record;
}

Napi::Value ClientWrap::get(const Napi::CallbackInfo& info) {
  RecordPtr record(lookup(info));
  return record ? record_value(info.Env(), record.get()) : info.Env().Undefined();
}

Napi::Value ClientWrap::view(const Napi::CallbackInfo& info) {
  hs_record* record = lookup(info);
  return record ? Napi::Value(RecordWrap::from_owned(info.Env(), record)) : info.Env().Undefined();
}

template <typename Read>
Napi::Value ClientWrap::typed_get(const Napi::CallbackInfo& info, Read read) const {
  RecordPtr record(lookup(info));
  if (!record) {
    if (info.Length() >= 3) return info[2];
    throw_status(info.Env(), HS_ERR_NOT_FOUND);  // hs_get's message: names collection and key
  }
  return read(info.Env(), record.get());
}

Napi::Value ClientWrap::get_bool(const Napi::CallbackInfo& info) {
  return typed_get(info, [](Napi::Env env, const hs_record* record) {
    int value = 0;
    check(env, hs_record_bool(record, &value));
    return Napi::Value(Napi::Boolean::New(env, value != 0));
  });
}

Napi::Value ClientWrap::get_int(const Napi::CallbackInfo& info) {
  return typed_get(info, [](Napi::Env env, const hs_record* record) {
    int64_t value = 0;
    check(env, hs_record_int64(record, &value));
    return int64_to_js(env, value);
  });
}

Napi::Value ClientWrap::get_double(const Napi::CallbackInfo& info) {
  return typed_get(info, [](Napi::Env env, const hs_record* record) {
    double value = 0;
    check(env, hs_record_double(record, &value));
    return Napi::Value(Napi::Number::New(env, value));
  });
}

Napi::Value ClientWrap::get_string(const Napi::CallbackInfo& info) {
  return typed_get(info, [](Napi::Env env, const hs_record* record) {
    const char* text = nullptr;
    std::size_t len = 0;
    check(env, hs_record_string(record, &text, &len));
    return Napi::Value(Napi::String::New(env, text, len));
  });
}

Napi::Value ClientWrap::scan(const Napi::CallbackInfo& info) {
  CStringArg collection(info.Env(), info[0], "collection");
  Utf8Arg prefix(info.Env(), info[1], "prefix");
  hs_iter* iter = nullptr;
  check(info.Env(), hs_scan(client_->get(), collection.data(), prefix.data(), prefix.size(), &iter));
  return IterWrap::create(info.Env(), iter, nullptr);
}

Napi::Value ClientWrap::read_begin(const Napi::CallbackInfo& info) {
  hs_read* read = nullptr;
  check(info.Env(), hs_read_begin(client_->get(), &read));
  return ReadWrap::create(info.Env(), read);
}

// ---- Link -----------------------------------------------------------------------------

Napi::Value ClientWrap::status(const Napi::CallbackInfo& info) {
  hs_client_status status = HS_CLIENT_STATUS_INIT;
  check(info.Env(), hs_client_status_get(client_->get(), &status));
  return status_to_js(info.Env(), status);
}

Napi::Value ClientWrap::wait_ready(const Napi::CallbackInfo& info) {
  uint32_t timeout = millis_arg(info.Env(), info[0], "timeoutMs");
  return run_blocking(
      info.Env(), client_, [timeout](hs_client* c, uint64_t*) { return hs_client_wait_ready(c, timeout); }, false);
}

Napi::Value ClientWrap::wait_for_revision(const Napi::CallbackInfo& info) {
  uint64_t revision = revision_arg(info.Env(), info[0], "revision");
  uint32_t timeout = millis_arg(info.Env(), info[1], "timeoutMs");
  return run_blocking(
      info.Env(), client_,
      [revision, timeout](hs_client* c, uint64_t*) { return hs_client_wait_for_revision(c, revision, timeout); },
      false);
}

Napi::Value ClientWrap::reconnect_now(const Napi::CallbackInfo& info) {
  check(info.Env(), hs_client_reconnect_now(client_->get()));
  return info.Env().Undefined();
}

Napi::Value ClientWrap::close(const Napi::CallbackInfo& info) {
  subscriptions_.clear();  // hs_client_close ends them; their contexts go at free
  client_->close();
  hs_flag_result_release(&result_);  // the last evaluated flag, kept alive by the result
  return info.Env().Undefined();
}

// ---- Writes ---------------------------------------------------------------------------

// put(collection, key, jsonText, ifRevision?)
Napi::Value ClientWrap::put(const Napi::CallbackInfo& info) {
  std::string collection = CStringArg(info.Env(), info[0], "collection").str();
  std::string key = Utf8Arg(info.Env(), info[1], "key").str();
  std::string json = Utf8Arg(info.Env(), info[2], "value (JSON text)").str();
  std::optional<uint64_t> if_revision = optional_revision_arg(info.Env(), info[3], "ifRevision");
  return run_blocking(
      info.Env(), client_,
      [collection = std::move(collection), key = std::move(key), json = std::move(json), if_revision](
          hs_client* c, uint64_t* revision) {
        return hs_put_json(c, collection.c_str(), key.data(), key.size(), json.data(), json.size(),
                           if_revision ? &*if_revision : nullptr, revision);
      },
      true);
}

// delete(collection, key, ifRevision?)
Napi::Value ClientWrap::remove(const Napi::CallbackInfo& info) {
  std::string collection = CStringArg(info.Env(), info[0], "collection").str();
  std::string key = Utf8Arg(info.Env(), info[1], "key").str();
  std::optional<uint64_t> if_revision = optional_revision_arg(info.Env(), info[2], "ifRevision");
  return run_blocking(
      info.Env(), client_,
      [collection = std::move(collection), key = std::move(key), if_revision](hs_client* c, uint64_t* revision) {
        return hs_delete(c, collection.c_str(), key.data(), key.size(), if_revision ? &*if_revision : nullptr,
                         revision);
      },
      true);
}

// txn(jsonText): the body of POST /v1/txn.
Napi::Value ClientWrap::txn(const Napi::CallbackInfo& info) {
  std::string json = Utf8Arg(info.Env(), info[0], "transaction (JSON text)").str();
  return run_blocking(
      info.Env(), client_,
      [json = std::move(json)](hs_client* c, uint64_t* revision) {
        return hs_txn(c, json.data(), json.size(), revision);
      },
      true);
}

// ---- Subscriptions --------------------------------------------------------------------

// subscribe(collection?, prefix?, key?, everyWrite) -> id
Napi::Value ClientWrap::subscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<std::string> collection = is_absent(info[0]) ? std::nullopt
                                                             : std::optional(CStringArg(env, info[0], "collection").str());
  std::optional<std::string> prefix = optional_string(env, info[1], "prefix");
  std::optional<std::string> key = optional_string(env, info[2], "key");
  uint32_t flags = info[3].ToBoolean().Value() ? HS_SUBSCRIBE_UNCHANGED_VALUES : 0u;

  uint64_t id = next_subscription_++;
  auto* context = new SubscriptionContext{client_->pump().shared_from_this(), id};
  uint64_t native_id = 0;
  hs_status s;
  {
    EventPump::BlockingSection section(client_->pump());
    hs_subscribe_options options = HS_SUBSCRIBE_OPTIONS_INIT;
    options.collection = collection ? collection->c_str() : nullptr;
    options.prefix = prefix ? prefix->data() : nullptr;
    options.prefix_len = prefix ? prefix->size() : 0;
    options.key = key ? key->data() : nullptr;
    options.key_len = key ? key->size() : 0;
    options.flags = flags;
    s = hs_subscribe(client_->get(), &options, on_change, context, free_context, &native_id);
  }
  if (s != HS_OK) {
    delete context;  // a failed subscribe took nothing
    throw_status(env, s);
  }
  subscriptions_.emplace(id, native_id);
  return Napi::Number::New(env, static_cast<double>(id));
}

Napi::Value ClientWrap::subscribe_status(const Napi::CallbackInfo& info) {
  uint64_t id = next_subscription_++;
  auto* context = new SubscriptionContext{client_->pump().shared_from_this(), id};
  uint64_t native_id = 0;
  hs_status s;
  {
    EventPump::BlockingSection section(client_->pump());
    s = hs_subscribe_status(client_->get(), on_status, context, free_context, &native_id);
  }
  if (s != HS_OK) {
    delete context;
    throw_status(info.Env(), s);
  }
  subscriptions_.emplace(id, native_id);
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}

// subscribeFlag(collection, key, ...context) -> id: an event each time the flag's
// evaluation for the context gives another variant, value or error (the context is copied).
Napi::Value ClientWrap::subscribe_flag(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CStringArg collection(env, info[0], "collection");
  Utf8Arg key(env, info[1], "flag key");
  ContextArg context(info, 2, scratch_);
  uint64_t id = next_subscription_++;
  auto* user_data = new SubscriptionContext{client_->pump().shared_from_this(), id};
  uint64_t native_id = 0;
  hs_status s;
  {
    EventPump::BlockingSection section(client_->pump());
    s = hs_subscribe_flag(client_->get(), collection.data(), key.data(), key.size(), context.get(), on_flag, user_data,
                          free_context, &native_id);
  }
  if (s != HS_OK) {
    delete user_data;
    throw_status(env, s);
  }
  subscriptions_.emplace(id, native_id);
  return Napi::Number::New(env, static_cast<double>(id));
}

// After it returns no event of this subscription is delivered: the callback will not run
// again, and what it queued is skipped by the JS layer, which forgets the id first.
Napi::Value ClientWrap::unsubscribe(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw_type_error(info.Env(), "subscription id must be a number");
  auto found = subscriptions_.find(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  if (found == subscriptions_.end()) return info.Env().Undefined();
  uint64_t native_id = found->second;
  subscriptions_.erase(found);
  EventPump::BlockingSection section(client_->pump());
  check(info.Env(), hs_unsubscribe(client_->get(), native_id));
  return info.Env().Undefined();
}

// ---- Offline cache ---------------------------------------------------------------------

// Synchronous, like close(): an unlink or two, after a cache write in progress (if any).
// Also after close, which is how the file is removed for good.
Napi::Value ClientWrap::wipe_cache(const Napi::CallbackInfo& info) {
  check(info.Env(), hs_client_wipe_cache(client_->get()));
  return info.Env().Undefined();
}

}  // namespace hotstate_node
