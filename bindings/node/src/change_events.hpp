// Delivery of pending events on the JS thread: on_event(subscriptionId, event) with
//   change: {revision, reset, changes: [{collection, key, oldValue, newValue}]}
//           (oldValue/newValue undefined on the side where the record is absent)
//   status: the object of client.status()
//   flag:   {value, variant, reason, errorCode, errorMessage, flagMetadata}
//           (value undefined when the flag gives none)
#pragma once

#include <napi.h>

#include "pending_event.hpp"

namespace hotstate_node {

void deliver_event(Napi::Env env, Napi::Function on_event, PendingEvent& event);

}  // namespace hotstate_node
