// An hs_client shared by its JS wrapper and the writes/waits running on Node's thread
// pool: the handle is freed when the last of them lets go, always on the JS thread
// (never on the client's callback thread, where hs_client_free is forbidden).
#pragma once

#include <hotstate.h>

#include <memory>

#include "event_pump.hpp"

namespace hotstate_node {

class ClientHandle {
 public:
  ClientHandle(hs_client* client, std::shared_ptr<EventPump> pump) : client_(client), pump_(std::move(pump)) {}
  ClientHandle(const ClientHandle&) = delete;
  ClientHandle& operator=(const ClientHandle&) = delete;
  ~ClientHandle() {
    close();
    hs_client_free(client_);
  }

  hs_client* get() const { return client_; }
  EventPump& pump() const { return *pump_; }

  // The pump first: a callback thread waiting for the JS thread is let go before
  // hs_client_close joins it. Idempotent, like hs_client_close.
  void close() {
    pump_->close();
    hs_client_close(client_);
  }

 private:
  hs_client* client_;
  std::shared_ptr<EventPump> pump_;
};

using SharedClient = std::shared_ptr<ClientHandle>;

}  // namespace hotstate_node
