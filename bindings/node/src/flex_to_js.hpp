// FlexBuffers value bytes (hs_record_value) -> a fresh plain JS value, decoded directly
// into napi values (no JSON text in between): maps -> objects, vectors -> arrays,
// integers -> Number while exact (|n| <= 2^53-1), else BigInt, floats -> Number,
// strings, booleans, null.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace hotstate_node {

Napi::Value flex_to_js(Napi::Env env, const uint8_t* data, std::size_t len);

}  // namespace hotstate_node
