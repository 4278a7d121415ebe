#include "eval/murmur3.hpp"

#include <cstring>

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

std::uint32_t mix_into(std::uint32_t h, std::uint32_t k) {
  h ^= mix_block(k);
  h = rotl(h, 13);
  return h * 5 + 0xe6546b64;
}

std::uint32_t finish(std::uint32_t h, std::size_t length) {
  h ^= static_cast<std::uint32_t>(length);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

// Blocks are read little-endian whatever the host, as the reference does on x86.
std::uint32_t murmur3_contiguous(std::string_view data, std::uint32_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t length = data.size();
  std::uint32_t h = seed;
  std::size_t i = 0;
  for (; i + 4 <= length; i += 4)
    h = mix_into(h, p[i] | (std::uint32_t{p[i + 1]} << 8) | (std::uint32_t{p[i + 2]} << 16) |
                        (std::uint32_t{p[i + 3]} << 24));
  std::uint32_t k = 0;
  switch (length & 3) {
    case 3: k ^= std::uint32_t{p[i + 2]} << 16; [[fallthrough]];
    case 2: k ^= std::uint32_t{p[i + 1]} << 8; [[fallthrough]];
    case 1:
      k ^= p[i];
      h ^= mix_block(k);
  }
  return finish(h, length);
}

// Long pieces: byte by byte across the seam, without a joined copy.
std::uint32_t murmur3_pieces(std::string_view first, std::string_view second, std::uint32_t seed) {
  auto byte_at = [&](std::size_t i) {
    return static_cast<unsigned char>(i < first.size() ? first[i] : second[i - first.size()]);
  };
  const std::size_t length = first.size() + second.size();
  std::uint32_t h = seed;
  std::size_t i = 0;
  for (; i + 4 <= length; i += 4)
    h = mix_into(h, byte_at(i) | (std::uint32_t{byte_at(i + 1)} << 8) | (std::uint32_t{byte_at(i + 2)} << 16) |
                        (std::uint32_t{byte_at(i + 3)} << 24));
  std::uint32_t k = 0;
  switch (length & 3) {
    case 3: k ^= std::uint32_t{byte_at(i + 2)} << 16; [[fallthrough]];
    case 2: k ^= std::uint32_t{byte_at(i + 1)} << 8; [[fallthrough]];
    case 1:
      k ^= byte_at(i);
      h ^= mix_block(k);
  }
  return finish(h, length);
}

}  // namespace

std::uint32_t murmur3_32(std::string_view first, std::string_view second, std::uint32_t seed) {
  if (second.empty()) return murmur3_contiguous(first, seed);
  if (first.size() + second.size() <= 256) {
    // Short pieces (a flag key and a targeting key): hash one copy on the stack.
    char joined[256];
    std::memcpy(joined, first.data(), first.size());
    std::memcpy(joined + first.size(), second.data(), second.size());
    return murmur3_contiguous({joined, first.size() + second.size()}, seed);
  }
  return murmur3_pieces(first, second, seed);
}

}  // namespace hotstate::eval
