// Per-environment state of the addon (one per main thread or worker_thread that loads
// it): the constructors of the wrapped classes, the error classes of the JS layer, and
// what flag evaluations reuse on every call.
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

struct AddonData {
  Napi::FunctionReference record_class;
  Napi::FunctionReference iter_class;
  Napi::FunctionReference read_class;
  // {HS_ERR_NOT_FOUND: NotFoundError, ...} as registered by lib/errors.js; empty until then.
  Napi::ObjectReference error_classes;
  // lib/flag_details.js's makeFlagDetails, registered by lib/native.js; empty until then.
  Napi::FunctionReference flag_details_factory;
  // Flags: Map and Set (refused inside contexts), and the
  // reason and error code names as JS strings, made once instead of once per evaluation
  // (held in arrays indexed by hs_flag_reason / hs_flag_error: Node-API references to
  // strings need Node-API 10).
  Napi::FunctionReference map_class;
  Napi::FunctionReference set_class;
  Napi::ObjectReference reason_names;
  Napi::ObjectReference error_names;
};

inline AddonData& addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace hotstate_node
