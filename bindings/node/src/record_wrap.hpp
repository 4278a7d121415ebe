// Record: one owned hs_record (immutable, shared with the replica) as a JS object. The
// JS layer's Record class (lib/record.js) sits on top of it.
#pragma once

#include <hotstate.h>
#include <napi.h>

namespace hotstate_node {

class RecordWrap : public Napi::ObjectWrap<RecordWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  // Wraps a record lent by an iterator, a read or a change batch: retains its own handle.
  static Napi::Object from_lent(Napi::Env env, const hs_record* lent);
  // Takes ownership of `owned` (from hs_get).
  static Napi::Object from_owned(Napi::Env env, hs_record* owned);

  explicit RecordWrap(const Napi::CallbackInfo& info);
  ~RecordWrap() override;

 private:
  Napi::Value value(const Napi::CallbackInfo& info);
  Napi::Value json(const Napi::CallbackInfo& info);
  Napi::Value raw(const Napi::CallbackInfo& info);
  Napi::Value key(const Napi::CallbackInfo& info);
  Napi::Value collection(const Napi::CallbackInfo& info);
  Napi::Value revisions(const Napi::CallbackInfo& info);

  hs_record* record_ = nullptr;
};

// Decoding helpers shared by every reader of records (client, snapshot, change events).
Napi::Value record_value(Napi::Env env, const hs_record* record);
Napi::Value record_key(Napi::Env env, const hs_record* record);
Napi::Value record_collection(Napi::Env env, const hs_record* record);

}  // namespace hotstate_node
