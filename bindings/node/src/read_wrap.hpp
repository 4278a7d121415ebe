// Snapshot reader: an hs_read pinning one revision for many reads (client.snapshot()).
#pragma once

#include <napi.h>

#include "read_handle.hpp"

namespace hotstate_node {

class ReadWrap : public Napi::ObjectWrap<ReadWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  static Napi::Object create(Napi::Env env, hs_read* read);  // takes ownership

  explicit ReadWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value revision(const Napi::CallbackInfo& info);
  Napi::Value get(const Napi::CallbackInfo& info);
  Napi::Value view(const Napi::CallbackInfo& info);
  Napi::Value scan(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  // The read, or ClosedError once the snapshot has ended.
  hs_read* open_read(Napi::Env env) const;
  // The lent record for (collection, key), or null when absent.
  const hs_record* lookup(const Napi::CallbackInfo& info) const;

  SharedRead read_;
};

}  // namespace hotstate_node
