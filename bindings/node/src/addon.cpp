// The raw module (hotstate.node): a thin layer over hotstate.h that lib/ builds the
// package on. Context-aware: each main thread or worker_thread gets its own AddonData.

#include <hotstate.h>
#include <napi.h>

#include "addon_data.hpp"
#include "args.hpp"
#include "client_wrap.hpp"
#include "errors.hpp"
#include "eval_context_handle.hpp"
#include "flag_result_js.hpp"
#include "iter_wrap.hpp"
#include "read_wrap.hpp"
#include "record_wrap.hpp"

namespace hotstate_node {
namespace {

Napi::Value version(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), hs_version()); }

Napi::Value abi_version(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), hs_abi_version()); }

// wipeCache(path): removes an offline cache file (synchronous: an unlink or two).
Napi::Value wipe_cache(const Napi::CallbackInfo& info) {
  CStringArg path(info.Env(), info[0], "path");
  check(info.Env(), hs_cache_wipe(path.data()));
  return info.Env().Undefined();
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  if (hs_abi_version() != HS_ABI_VERSION)
    throw Napi::Error::New(env, "hotstate: the addon was built against another ABI version of libhotstate");
  auto* data = new AddonData();
  env.SetInstanceData(data);  // deleted by Node with the environment

  Napi::Function record = RecordWrap::define(env);
  Napi::Function iter = IterWrap::define(env);
  Napi::Function read = ReadWrap::define(env);
  data->record_class = Napi::Persistent(record);
  data->iter_class = Napi::Persistent(iter);
  data->read_class = Napi::Persistent(read);
  Napi::Object global = env.Global();
  data->map_class = Napi::Persistent(global.Get("Map").As<Napi::Function>());
  data->set_class = Napi::Persistent(global.Get("Set").As<Napi::Function>());
  init_flag_names(env);

  exports.Set("Client", ClientWrap::define(env));
  exports.Set("Record", record);
  exports.Set("version", Napi::Function::New<version>(env, "version"));
  define_context_functions(env, exports);
  exports.Set("abiVersion", Napi::Function::New<abi_version>(env, "abiVersion"));
  exports.Set("wipeCache", Napi::Function::New<wipe_cache>(env, "wipeCache"));
  exports.Set("setErrorClasses", Napi::Function::New<set_error_classes>(env, "setErrorClasses"));
  exports.Set("setFlagDetailsFactory", Napi::Function::New<set_flag_details_factory>(env, "setFlagDetailsFactory"));
  return exports;
}

}  // namespace
}  // namespace hotstate_node

// The macro wants an unqualified name.
static Napi::Object init_hotstate(Napi::Env env, Napi::Object exports) { return hotstate_node::init(env, exports); }
NODE_API_MODULE(hotstate, init_hotstate)
