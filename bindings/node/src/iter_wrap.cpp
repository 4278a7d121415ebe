#include "iter_wrap.hpp"

#include "addon_data.hpp"
#include "errors.hpp"
#include "record_wrap.hpp"

namespace hotstate_node {

namespace {
struct IterInit {
  hs_iter* iter;
  SharedRead read;
};
}  // namespace

Napi::Function IterWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeIter",
                     {InstanceMethod<&IterWrap::next>("next"), InstanceMethod<&IterWrap::count>("count"),
                      InstanceMethod<&IterWrap::close>("close")});
}

Napi::Object IterWrap::create(Napi::Env env, hs_iter* iter, SharedRead read) {
  IterInit init{iter, std::move(read)};
  try {
    return addon_data(env).iter_class.New({Napi::External<IterInit>::New(env, &init)});
  } catch (...) {
    hs_iter_free(init.iter);
    throw;
  }
}

IterWrap::IterWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IterWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw_type_error(info.Env(), "iterators come from scan(); they cannot be constructed");
  auto* init = info[0].As<Napi::External<IterInit>>().Data();
  iter_ = init->iter;
  read_ = std::move(init->read);
  count_ = hs_iter_count(iter_);
}

IterWrap::~IterWrap() { release(); }

void IterWrap::release() {
  hs_iter_free(iter_);  // before its read
  iter_ = nullptr;
  read_.reset();
}

// The next record, or null at the end (and after close()).
Napi::Value IterWrap::next(const Napi::CallbackInfo& info) {
  if (!iter_) return info.Env().Null();
  const hs_record* record = nullptr;
  check(info.Env(), hs_iter_next(iter_, &record));
  if (!record) {
    release();
    return info.Env().Null();
  }
  return RecordWrap::from_lent(info.Env(), record);
}

Napi::Value IterWrap::count(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(count_));
}

Napi::Value IterWrap::close(const Napi::CallbackInfo& info) {
  release();
  return info.Env().Undefined();
}

}  // namespace hotstate_node
