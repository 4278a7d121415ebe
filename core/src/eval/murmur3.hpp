#pragma once
// MurmurHash3 x86_32 (Austin Appleby's public-domain reference algorithm), the hash flagd's
// `fractional` buckets with. Two pieces are hashed as if they were one string, so the
// default bucketing value (flag key + targeting key) needs no concatenated copy.

#include <cstdint>
#include <string_view>

namespace hotstate::eval {

std::uint32_t murmur3_32(std::string_view first, std::string_view second = {}, std::uint32_t seed = 0);

}  // namespace hotstate::eval
