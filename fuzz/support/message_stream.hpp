#pragma once
// How the stream targets read one fuzz input as the WebSocket messages of one connection:
// each message is a 4-byte little-endian length followed by that many bytes. When fewer
// bytes remain than a length announces, the rest is the last message, so every input
// means something and truncation is explored too. (A message itself holds size-prefixed
// frames: protocol::split_frames.)

#include <cstdint>
#include <span>
#include <vector>

namespace hotstate::fuzz {

std::vector<std::span<const std::uint8_t>> split_messages(std::span<const std::uint8_t> input);

// The inverse, for the seed writer: appends `message` with its length.
void append_message(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> message);

}  // namespace hotstate::fuzz
