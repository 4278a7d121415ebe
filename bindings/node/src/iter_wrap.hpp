// Iterator over a scan (hs_scan / hs_read_scan). next() gives a NativeRecord that holds
// its own handle, so records outlive the iterator; close() frees the hs_iter at once
// (the JS generator calls it when the loop ends or breaks).
#pragma once

#include <hotstate.h>
#include <napi.h>

#include "read_handle.hpp"

namespace hotstate_node {

class IterWrap : public Napi::ObjectWrap<IterWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  // Takes ownership of `iter`; `read` is the read it came from (null for a client scan).
  static Napi::Object create(Napi::Env env, hs_iter* iter, SharedRead read);

  explicit IterWrap(const Napi::CallbackInfo& info);
  ~IterWrap() override;

 private:
  Napi::Value next(const Napi::CallbackInfo& info);
  Napi::Value count(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  void release();

  hs_iter* iter_ = nullptr;
  std::size_t count_ = 0;  // at scan time: the iterator forgets it once exhausted
  SharedRead read_;  // declared after iter_: destroyed first, but release() orders it anyway
};

}  // namespace hotstate_node
