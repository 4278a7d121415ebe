#include "read_wrap.hpp"

#include "addon_data.hpp"
#include "args.hpp"
#include "errors.hpp"
#include "iter_wrap.hpp"
#include "record_wrap.hpp"

namespace hotstate_node {

Napi::Function ReadWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeRead",
                     {InstanceMethod<&ReadWrap::revision>("revision"), InstanceMethod<&ReadWrap::get>("get"),
                      InstanceMethod<&ReadWrap::view>("view"), InstanceMethod<&ReadWrap::scan>("scan"),
                      InstanceMethod<&ReadWrap::close>("close")});
}

Napi::Object ReadWrap::create(Napi::Env env, hs_read* read) {
  SharedRead shared;
  try {
    shared = std::make_shared<ReadHandle>(read);
  } catch (...) {
    hs_read_free(read);
    throw;
  }
  return addon_data(env).read_class.New({Napi::External<SharedRead>::New(env, &shared)});
}

ReadWrap::ReadWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReadWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw_type_error(info.Env(), "snapshot readers come from client.snapshot(); they cannot be constructed");
  read_ = *info[0].As<Napi::External<SharedRead>>().Data();
}

hs_read* ReadWrap::open_read(Napi::Env env) const {
  if (!read_) throw status_error(env, HS_ERR_CLOSED, "the snapshot has ended: use the reader inside snapshot()'s callback");
  return read_->read;
}

Napi::Value ReadWrap::revision(const Napi::CallbackInfo& info) {
  return uint64_to_js(info.Env(), hs_read_revision(open_read(info.Env())));
}

const hs_record* ReadWrap::lookup(const Napi::CallbackInfo& info) const {
  hs_read* read = open_read(info.Env());
  CStringArg collection(info.Env(), info[0], "collection");
  Utf8Arg key(info.Env(), info[1], "key");
  const hs_record* record = nullptr;
  hs_status s = hs_read_get(read, collection.data(), key.data(), key.size(), &record);
  if (s == HS_ERR_NOT_FOUND) return nullptr;
  check(info.Env(), s);
  return record;
}

Napi::Value ReadWrap::get(const Napi::CallbackInfo& info) {
  const hs_record* record = lookup(info);
  return record ? record_value(info.Env(), record) : info.Env().Undefined();
}

Napi::Value ReadWrap::view(const Napi::CallbackInfo& info) {
  const hs_record* record = lookup(info);
  return record ? Napi::Value(RecordWrap::from_lent(info.Env(), record)) : info.Env().Undefined();
}

Napi::Value ReadWrap::scan(const Napi::CallbackInfo& info) {
  hs_read* read = open_read(info.Env());
  CStringArg collection(info.Env(), info[0], "collection");
  Utf8Arg prefix(info.Env(), info[1], "prefix");
  hs_iter* iter = nullptr;
  check(info.Env(), hs_read_scan(read, collection.data(), prefix.data(), prefix.size(), &iter));
  return IterWrap::create(info.Env(), iter, read_);
}

// Lets go of the pinned state now (iterators still open keep it until they end).
Napi::Value ReadWrap::close(const Napi::CallbackInfo& info) {
  read_.reset();
  return info.Env().Undefined();
}

}  // namespace hotstate_node
