// Per-environment state of the addon (one per main thread or worker_thread that loads
// it): the constructors of the wrapped classes and the error classes of the JS layer.
#pragma once

#include <napi.h>

namespace hotstate_node {

struct AddonData {
  Napi::FunctionReference record_class;
  Napi::FunctionReference iter_class;
  Napi::FunctionReference read_class;
  // {HS_ERR_NOT_FOUND: NotFoundError, ...} as registered by lib/errors.js; empty until then.
  Napi::ObjectReference error_classes;
};

inline AddonData& addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace hotstate_node
