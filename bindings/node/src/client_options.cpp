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

// A duration in ms, or 0 (the core's default) when absent.
uint32_t optional_millis(Napi::Env env, const Napi::Object& object, const char* name, const char* path = "options.") {
  Napi::Value value = object.Get(name);
  return is_absent(value) ? 0 : millis_arg(env, value, (std::string(path) + name).c_str());
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

  if (!is_absent(in.Get("cachePath")))
    check(env,
          hs_options_set_cache_path(options.get(), CStringArg(env, in.Get("cachePath"), "options.cachePath").data()));
  // Every duration goes through as given, absent as 0: the core's default (hotstate.h).
  check(env, hs_options_set_cache_interval(options.get(), optional_millis(env, in, "cacheIntervalMs")));
  check(env, hs_options_set_stale_after(options.get(), optional_millis(env, in, "staleAfterMs")));
  if (!is_absent(in.Get("backoff"))) {
    Napi::Object backoff = object_field(env, in, "backoff");
    check(env, hs_options_set_backoff_initial(options.get(),
                                              optional_millis(env, backoff, "initialMs", "options.backoff.")));
    check(env, hs_options_set_backoff_max(options.get(), optional_millis(env, backoff, "maxMs", "options.backoff.")));
  }
  check(env, hs_options_set_connect_timeout(options.get(), optional_millis(env, in, "connectTimeoutMs")));
  check(env, hs_options_set_request_timeout(options.get(), optional_millis(env, in, "requestTimeoutMs")));
  if (!is_absent(in.Get("name")))
    check(env, hs_options_set_client_name(options.get(), CStringArg(env, in.Get("name"), "options.name").data()));
  if (!is_absent(in.Get("token")))
    check(env, hs_options_set_token(options.get(), CStringArg(env, in.Get("token"), "options.token").data()));
  if (!is_absent(in.Get("caFile")))
    check(env, hs_options_set_ca_file(options.get(), CStringArg(env, in.Get("caFile"), "options.caFile").data()));
  return options;
}

}  // namespace hotstate_node
