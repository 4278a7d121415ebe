#include "client_options.hpp"

#include "args.hpp"
#include "errors.hpp"

namespace hotstate_node {
namespace {

Napi::Array array_field(Napi::Env env, const Napi::Object& object, const char* name) {
  Napi::Value value = object.Get(name);
  if (!value.IsArray()) throw_type_error(env, std::string("options.") + name + " must be an array");
  return value.As<Napi::Array>();
}

Napi::Object object_field(Napi::Env env, const Napi::Object& object, const char* name) {
  Napi::Value value = object.Get(name);
  if (!value.IsObject()) throw_type_error(env, std::string("options.") + name + " must be an object");
  return value.As<Napi::Object>();
}

}  // namespace

OptionsPtr build_options(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throw_type_error(env, "options must be an object");
  Napi::Object in = value.As<Napi::Object>();
  hs_options* raw = nullptr;
  check(env, hs_options_new(&raw));
  OptionsPtr options(raw);

  Napi::Array urls = array_field(env, in, "urls");
  for (uint32_t i = 0; i < urls.Length(); ++i)
    check(env, hs_options_add_url(options.get(), CStringArg(env, urls.Get(i), "url").data()));

  Napi::Array selectors = array_field(env, in, "selectors");
  for (uint32_t i = 0; i < selectors.Length(); ++i) {
    Napi::Value item = selectors.Get(i);
    if (!item.IsObject()) throw_type_error(env, "each selector must be an object {collection, prefix}");
    Napi::Object selector = item.As<Napi::Object>();
    CStringArg collection(env, selector.Get("collection"), "selector collection");
    CStringArg prefix(env, selector.Get("prefix"), "selector prefix");
    check(env, hs_options_add_selector(options.get(), collection.data(), prefix.data()));
  }

  Napi::Array flag_collections = array_field(env, in, "flagCollections");
  for (uint32_t i = 0; i < flag_collections.Length(); ++i) {
    CStringArg collection(env, flag_collections.Get(i), "flag collection");
    check(env, hs_options_add_flag_collection(options.get(), collection.data()));
  }

  if (!is_absent(in.Get("cachePath"))) {
    CStringArg path(env, in.Get("cachePath"), "options.cachePath");
    uint32_t interval = is_absent(in.Get("cacheIntervalMs")) ? 0 : millis_arg(env, in.Get("cacheIntervalMs"), "options.cacheIntervalMs");
    check(env, hs_options_set_cache(options.get(), path.data(), interval));
  }
  if (!is_absent(in.Get("staleAfterMs")))
    check(env, hs_options_set_stale_after(options.get(), millis_arg(env, in.Get("staleAfterMs"), "options.staleAfterMs")));
  if (!is_absent(in.Get("backoff"))) {
    Napi::Object backoff = object_field(env, in, "backoff");
    check(env, hs_options_set_backoff(options.get(), millis_arg(env, backoff.Get("initialMs"), "options.backoff.initialMs"),
                                      millis_arg(env, backoff.Get("maxMs"), "options.backoff.maxMs")));
  }
  if (!is_absent(in.Get("timeouts"))) {
    Napi::Object timeouts = object_field(env, in, "timeouts");
    check(env, hs_options_set_timeouts(options.get(), millis_arg(env, timeouts.Get("connectMs"), "options.connectTimeoutMs"),
                                       millis_arg(env, timeouts.Get("requestMs"), "options.requestTimeoutMs")));
  }
  if (!is_absent(in.Get("name")))
    check(env, hs_options_set_client_name(options.get(), CStringArg(env, in.Get("name"), "options.name").data()));
  if (!is_absent(in.Get("token")))
    check(env, hs_options_set_token(options.get(), CStringArg(env, in.Get("token"), "options.token").data()));
  if (!is_absent(in.Get("caFile")))
    check(env, hs_options_set_ca_file(options.get(), CStringArg(env, in.Get("caFile"), "options.caFile").data()));
  return options;
}

}  // namespace hotstate_node
