#include "message_stream.hpp"

#include <cstring>

namespace hotstate::fuzz {

std::vector<std::span<const std::uint8_t>> split_messages(std::span<const std::uint8_t> input) {
  std::vector<std::span<const std::uint8_t>> messages;
  while (!input.empty()) {
    std::uint32_t length = 0;
    if (input.size() >= sizeof length) {
      std::memcpy(&length, input.data(), sizeof length);  // little-endian on every target we build
      input = input.subspan(sizeof length);
    } else {
      length = static_cast<std::uint32_t>(input.size());
    }
    std::size_t take = std::min<std::size_t>(length, input.size());
    messages.push_back(input.first(take));
    input = input.subspan(take);
  }
  return messages;
}

void append_message(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> message) {
  auto length = static_cast<std::uint32_t>(message.size());
  std::uint8_t prefix[sizeof length];
  std::memcpy(prefix, &length, sizeof length);
  out.insert(out.end(), prefix, prefix + sizeof prefix);
  out.insert(out.end(), message.begin(), message.end());
}

}  // namespace hotstate::fuzz
