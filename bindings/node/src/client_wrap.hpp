// NativeClient: one hs_client. Reads and flag evaluations run inline (local lookups);
// writes and waits return promises (client_async); change, status and flag callbacks
// reach JS through the client's EventPump as onEvent(subscriptionId, event).
#pragma once

#include <napi.h>

#include <cstdint>
#include <unordered_map>

#include "client_handle.hpp"
#include "context_arg.hpp"

namespace hotstate_node {

class ClientWrap : public Napi::ObjectWrap<ClientWrap> {
 public:
  static Napi::Function define(Napi::Env env);

  // new NativeClient(normalizedOptions, onEvent)
  explicit ClientWrap(const Napi::CallbackInfo& info);
  ~ClientWrap() override;

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
  // Flags (client_evaluate.cpp; subscribe_flag with the other subscriptions)
  Napi::Value evaluate_bool(const Napi::CallbackInfo& info);
  Napi::Value evaluate_number(const Napi::CallbackInfo& info);
  Napi::Value evaluate_string(const Napi::CallbackInfo& info);
  Napi::Value evaluate_object(const Napi::CallbackInfo& info);
  Napi::Value evaluate(const Napi::CallbackInfo& info);
  Napi::Value subscribe_flag(const Napi::CallbackInfo& info);
  Napi::Value flag_problems(const Napi::CallbackInfo& info);

  // The owned record for (info[0], info[1]), or null when absent.
  hs_record* lookup(const Napi::CallbackInfo& info) const;
  // A typed read: `read` throws on a type mismatch; absent -> info[2] if given, else NotFound.
  template <typename Read>
  Napi::Value typed_get(const Napi::CallbackInfo& info, Read read) const;

  SharedClient client_;
  // Reused by every evaluation on the JS thread: the context plain objects are converted
  // into, and the result (its views stay valid until the next evaluation into it).
  ScratchContext scratch_;
  hs_flag_result result_ = HS_FLAG_RESULT_INIT;
  uint64_t next_subscription_ = 1;
  // Our ids (known to the callbacks before they can run) -> the library's ids.
  std::unordered_map<uint64_t, uint64_t> subscriptions_;
};

}  // namespace hotstate_node
