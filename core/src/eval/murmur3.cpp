#include "eval/murmur3.hpp"

namespace hotstate::eval {
namespace {

constexpr std::uint32_t kC1 = 0xcc9e2d51;
constexpr std::uint32_t kC2 = 0x1b873593;

std::uint32_t rotl(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

std::uint32_t mix_block(std::uint32_t k) {
  k *= kC1;
  k = rotl(k, 15);
  return k * kC2;
}

// The byte at `i` of first+second.
unsigned char byte_at(std::string_view first, std::string_view second, std::size_t i) {
  return static_cast<unsigned char>(i < first.size() ? first[i] : second[i - first.size()]);
}

}  // namespace

std::uint32_t murmur3_32(std::string_view first, std::string_view second, std::uint32_t seed) {
  const std::size_t length = first.size() + second.size();
  const std::size_t blocks = length / 4;
  std::uint32_t h = seed;
  for (std::size_t b = 0; b < blocks; ++b) {
    std::size_t i = b * 4;
    // Little-endian reads, whatever the host, as the reference on x86 does.
    std::uint32_t k = byte_at(first, second, i) | (std::uint32_t{byte_at(first, second, i + 1)} << 8) |
                      (std::uint32_t{byte_at(first, second, i + 2)} << 16) |
                      (std::uint32_t{byte_at(first, second, i + 3)} << 24);
    h ^= mix_block(k);
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64;
  }
  std::uint32_t k = 0;
  std::size_t tail = blocks * 4;
  switch (length & 3) {
    case 3: k ^= std::uint32_t{byte_at(first, second, tail + 2)} << 16; [[fallthrough]];
    case 2: k ^= std::uint32_t{byte_at(first, second, tail + 1)} << 8; [[fallthrough]];
    case 1:
      k ^= byte_at(first, second, tail);
      h ^= mix_block(k);
  }
  h ^= static_cast<std::uint32_t>(length);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

}  // namespace hotstate::eval
