// Per-environment state of the addon (one per main thread or worker_thread that loads
// it): the constructors of the wrapped classes, the error classes of the JS layer, and
// what flag evaluations reuse on every call.
#pragma once

#include <hotstate.h>
#include <napi.h>

#include <array>

namespace hotstate_node {

struct AddonData {
  Napi::FunctionReference record_class;
  Napi::FunctionReference iter_class;
  Napi::FunctionReference read_class;
  // {HS_ERR_NOT_FOUND: NotFoundError, ...} as registered by lib/errors.js; empty until then.
  Napi::ObjectReference error_classes;
  // Flags: JSON.parse (for flag metadata), Map and Set (refused inside contexts), and the
  // reason and error code names as JS strings, made once instead of once per evaluation.
  Napi::FunctionReference json_parse;
  Napi::FunctionReference map_class;
  Napi::FunctionReference set_class;
  std::array<Napi::Reference<Napi::String>, HS_REASON_UNKNOWN + 1> reason_names;
  std::array<Napi::Reference<Napi::String>, HS_FLAG_ERROR_PROVIDER_NOT_READY + 1> error_names;
};

inline AddonData& addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace hotstate_node
