// hs_client_status -> the JS object of client.status() and of 'status' events.
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

Napi::Object status_to_js(Napi::Env env, const hs_client_status& status);

}  // namespace hotstate_node
