#include "errors.hpp"

#include "addon_data.hpp"

namespace hotstate_node {

Napi::Error status_error(Napi::Env env, hs_status status, const std::string& message) {
  const char* code = hs_status_name(status);
  auto& classes = addon_data(env).error_classes;
  if (!classes.IsEmpty()) {
    Napi::Value cls = classes.Value().Get(code);
    if (!cls.IsFunction()) cls = classes.Value().Get("default");
    if (cls.IsFunction()) {
      Napi::Object error = cls.As<Napi::Function>().New({Napi::String::New(env, message), Napi::String::New(env, code)});
      return Napi::Error(env, error);
    }
  }
  // The raw addon used without lib/: a plain Error that still carries the code.
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

void throw_status(Napi::Env env, hs_status status) { throw status_error(env, status, hs_last_error()); }

void throw_type_error(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

void throw_invalid_argument(Napi::Env env, const std::string& message) {
  throw status_error(env, HS_ERR_INVALID_ARGUMENT, message);
}

Napi::Value set_error_classes(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject()) throw_type_error(info.Env(), "setErrorClasses expects an object of classes");
  addon_data(info.Env()).error_classes = Napi::Persistent(info[0].As<Napi::Object>());
  return info.Env().Undefined();
}

}  // namespace hotstate_node
