// Blocking hs_* calls (writes over HTTP, waits) on Node's thread pool, as promises: the
// event loop never waits for the network. The failure message is read with
// hs_last_error() on the pool thread, right after the call.
#pragma once

#include <napi.h>

#include <cstdint>
#include <functional>

#include "client_handle.hpp"

namespace hotstate_node {

// Runs `call` off the JS thread; the promise resolves to the revision it wrote into its
// second argument (or undefined when !resolves_revision) and rejects with the status's
// error class.
using BlockingFn = std::function<hs_status(hs_client* client, uint64_t* revision)>;
Napi::Promise run_blocking(Napi::Env env, SharedClient client, BlockingFn call, bool resolves_revision);

}  // namespace hotstate_node
