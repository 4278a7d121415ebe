// The options object lib/options.js normalizes -> hs_options:
//   {urls: string[], selectors: [{collection, prefix}], flagCollections: string[],
//    cachePath?, cacheIntervalMs?, staleAfterMs?, backoff?: {initialMs?, maxMs?},
//    connectTimeoutMs?, requestTimeoutMs?, name?, token?, caFile?}
// A duration left out is 0 for the C ABI: the core's default.
#pragma once

#include <hotstate.h>
#include <napi.h>

#include <memory>

namespace hotstate_node {

struct OptionsDeleter {
  void operator()(hs_options* options) const { hs_options_free(options); }
};
using OptionsPtr = std::unique_ptr<hs_options, OptionsDeleter>;

OptionsPtr build_options(Napi::Env env, const Napi::Value& value);

}  // namespace hotstate_node
