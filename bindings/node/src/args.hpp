// Reading JS arguments for hs_* calls: wrong types become a TypeError naming the
// argument, values hotstate would silently cut (a NUL inside a NUL-terminated name)
// become InvalidArgumentError. Nothing here may crash on bad input.
#pragma once

#include <napi.h>

#include <cstdint>
#include <optional>
#include <string>

namespace hotstate_node {

// A string argument as UTF-8. Short strings (collection names, most keys) are read into
// an inline buffer: a get() should not allocate for its arguments.
class Utf8Arg {
 public:
  Utf8Arg(Napi::Env env, napi_value value, const char* what);
  Utf8Arg(const Utf8Arg&) = delete;
  Utf8Arg& operator=(const Utf8Arg&) = delete;

  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::string str() const { return std::string(data_, size_); }

 private:
  char inline_[512];
  std::string heap_;
  const char* data_ = inline_;
  std::size_t size_ = 0;
};

// A string passed to the C ABI NUL-terminated (collection names, URLs, tokens): an
// embedded NUL would shorten it silently, so it is refused.
class CStringArg : public Utf8Arg {
 public:
  CStringArg(Napi::Env env, napi_value value, const char* what);
};

bool is_absent(const Napi::Value& value);  // undefined or null

// A revision: a non-negative safe integer Number, or a BigInt within uint64.
uint64_t revision_arg(Napi::Env env, const Napi::Value& value, const char* what);
std::optional<uint64_t> optional_revision_arg(Napi::Env env, const Napi::Value& value, const char* what);

// Milliseconds for a timeout or interval: an integer Number in 0..2^32-1.
uint32_t millis_arg(Napi::Env env, const Napi::Value& value, const char* what);

// A uint64 for JS: a Number while exact (|n| < 2^53), else a BigInt.
Napi::Value uint64_to_js(Napi::Env env, uint64_t n);
Napi::Value int64_to_js(Napi::Env env, int64_t n);

}  // namespace hotstate_node
