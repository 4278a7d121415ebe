#pragma once
// Change and status callbacks: the client's callback thread takes the GIL, calls the
// Python callable, and reports (never propagates) what it raises.

#include <pybind11/pybind11.h>

#include "client.hpp"

namespace hotstate_py {

// True while this thread runs one of hotstate's Python callbacks.
bool on_callback_thread() noexcept;

// Adds subscribe, subscribe_status and unsubscribe to the Client class.
void register_callbacks(ClientClass& cls);

}  // namespace hotstate_py
