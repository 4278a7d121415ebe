#pragma once
// JSON <-> FlexBuffers. A value is converted from JSON once, at write time, and stored,
// streamed and read as FlexBuffers; JSON text is produced only on request.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hotstate {

inline constexpr std::size_t kDefaultMaxValueBytes = 1u << 20;  // 1 MiB of JSON text
inline constexpr std::size_t kMaxJsonDepth = 64;

// Why a value was refused. `code` is the stable machine-readable name used in HTTP error
// bodies (invalid_json, too_deep, value_too_large, invalid_value).
class ValueError : public std::runtime_error {
 public:
  ValueError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct ValueLimits {
  // On the value's shortest JSON text: whitespace and number spelling ("1e5" vs
  // "100000.0") never count against it.
  std::size_t max_bytes = kDefaultMaxValueBytes;
  std::size_t max_depth = kMaxJsonDepth;
};

// Parses exactly one JSON document and returns its FlexBuffers encoding.
// Throws ValueError; never returns a partial result.
std::vector<std::uint8_t> json_to_flex(std::string_view json, const ValueLimits& limits = {});

// Renders FlexBuffers bytes as compact JSON. Integers keep all 64 bits and doubles
// round-trip exactly. Throws ValueError("invalid_value") on bytes that do not verify.
std::string flex_to_json(std::span<const std::uint8_t> flex);

// Appends `text` as a quoted JSON string (escaping quotes, backslashes, control chars).
void append_json_string(std::string& out, std::string_view text);

// True when `flex` is a well-formed FlexBuffer (bounds, depth, offsets checked, and every
// map key ends inside the buffer, which FlatBuffers 2.0.8's own verifier misses). Check
// values from outside the process with this, not with flexbuffers::VerifyBuffer alone.
bool verify_flex(std::span<const std::uint8_t> flex);

}  // namespace hotstate
