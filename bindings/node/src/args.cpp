#include "args.hpp"

#include <cmath>
#include <cstring>

#include "errors.hpp"

namespace hotstate_node {

namespace {
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1
}

Utf8Arg::Utf8Arg(Napi::Env env, napi_value value, const char* what) {
  napi_valuetype type = napi_undefined;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string)
    throw_type_error(env, std::string(what) + " must be a string");
  std::size_t len = 0;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, inline_, sizeof inline_, &len));
  // V8 never splits a character, so a cut can stop up to 3 bytes short of the buffer's end.
  if (len + 4 < sizeof inline_) {
    size_ = len;
    return;
  }
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, nullptr, 0, &len));
  heap_.resize(len);
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_value_string_utf8(env, value, heap_.data(), len + 1, &len));
  data_ = heap_.data();
  size_ = len;
}

CStringArg::CStringArg(Napi::Env env, napi_value value, const char* what) : Utf8Arg(env, value, what) {
  if (std::memchr(data(), '\0', size()) != nullptr)
    throw_invalid_argument(env, std::string(what) + " must not contain U+0000");
}

bool is_absent(const Napi::Value& value) { return value.IsUndefined() || value.IsNull(); }

uint64_t revision_arg(Napi::Env env, const Napi::Value& value, const char* what) {
  if (value.IsBigInt()) {
    bool lossless = false;
    uint64_t n = value.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, std::string(what) + " must fit in 64 unsigned bits");
    return n;
  }
  if (!value.IsNumber()) throw_type_error(env, std::string(what) + " must be a number or a bigint");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= kMaxSafeInteger) || std::floor(d) != d)
    throw Napi::RangeError::New(env, std::string(what) + " must be a non-negative integer (a bigint above 2^53)");
  return static_cast<uint64_t>(d);
}

std::optional<uint64_t> optional_revision_arg(Napi::Env env, const Napi::Value& value, const char* what) {
  if (is_absent(value)) return std::nullopt;
  return revision_arg(env, value, what);
}

uint32_t millis_arg(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsNumber()) throw_type_error(env, std::string(what) + " must be a number of milliseconds");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || std::floor(d) != d)
    throw Napi::RangeError::New(env, std::string(what) + " must be an integer from 0 to 4294967295");
  return static_cast<uint32_t>(d);
}

Napi::Value uint64_to_js(Napi::Env env, uint64_t n) {
  if (n <= static_cast<uint64_t>(kMaxSafeInteger)) return Napi::Number::New(env, static_cast<double>(n));
  return Napi::BigInt::New(env, n);
}

Napi::Value int64_to_js(Napi::Env env, int64_t n) {
  constexpr auto kMax = static_cast<int64_t>(kMaxSafeInteger);
  if (n >= -kMax && n <= kMax) return Napi::Number::New(env, static_cast<double>(n));
  return Napi::BigInt::New(env, n);
}

}  // namespace hotstate_node
