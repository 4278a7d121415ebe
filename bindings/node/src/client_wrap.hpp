// NativeClient: one hs_client. Reads run inline (local lookups); writes and waits return
// promises (client_async); change and status callbacks reach JS through the client's
// EventPump as onEvent(subscriptionId, event).
#pragma once

#include <napi.h>

#include <cstdint>
#include <unordered_map>

#include "client_handle.hpp"

namespace hotstate_node {

class ClientWrap : public Napi::ObjectWrap<ClientWrap> {
 public:
  static Napi::Function define(Napi::Env env);

  // new NativeClient(normalizedOptions, onEvent)
  explicit ClientWrap(const Napi::CallbackInfo& info);

 private:
  // Reads
  Napi::Value get(const Napi::CallbackInfo& info);
  Napi::Value view(const Napi::CallbackInfo& info);
  Napi::Value get_bool(const Napi::CallbackInfo& info);
  Napi::Value get_int(const Napi::CallbackInfo& info);
  Napi::Value get_double(const Napi::CallbackInfo& info);
  Napi::Value get_string(const Napi::CallbackInfo& info);
  Napi::Value scan(const Napi::CallbackInfo& info);
  Napi::Value read_begin(const Napi::CallbackInfo& info);
  // Link
  Napi::Value status(const Napi::CallbackInfo& info);
  Napi::Value wait_ready(const Napi::CallbackInfo& info);
  Napi::Value wait_for_revision(const Napi::CallbackInfo& info);
  Napi::Value reconnect_now(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  // Writes
  Napi::Value put(const Napi::CallbackInfo& info);
  Napi::Value remove(const Napi::CallbackInfo& info);
  Napi::Value txn(const Napi::CallbackInfo& info);
  // Subscriptions
  Napi::Value subscribe(const Napi::CallbackInfo& info);
  Napi::Value subscribe_status(const Napi::CallbackInfo& info);
  Napi::Value unsubscribe(const Napi::CallbackInfo& info);
  // Offline cache
  Napi::Value wipe_cache(const Napi::CallbackInfo& info);

  // The owned record for (info[0], info[1]), or null when absent.
  hs_record* lookup(const Napi::CallbackInfo& info) const;
  // A typed read: `read` throws on a type mismatch; absent -> info[2] if given, else NotFound.
  template <typename Read>
  Napi::Value typed_get(const Napi::CallbackInfo& info, Read read) const;

  SharedClient client_;
  uint64_t next_subscription_ = 1;
  // Our ids (known to the callbacks before they can run) -> the library's ids.
  std::unordered_map<uint64_t, uint64_t> subscriptions_;
};

}  // namespace hotstate_node
