#pragma once
// The benchmark message: fixed-size text carrying a sequence number and the writer's
// steady_clock send time (same machine, so subscribers can subtract), padded to the
// payload size. Every system carries the same bytes; hotstated stores them as a JSON
// string, so its subscribers read them back from the record's FlexBuffers value.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loadgen {

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

struct Stamp {
  std::uint64_t seq = 0;
  std::uint64_t sent_ns = 0;
};

// "s<16 digits> t<20 digits> " then 'x' padding: fixed offsets keep parsing trivial.
inline constexpr std::size_t kStampBytes = 1 + 16 + 1 + 1 + 20 + 1;

inline std::string make_payload(const Stamp& stamp, std::size_t size) {
  if (size < kStampBytes) throw std::invalid_argument("payload smaller than its stamp");
  std::string out(size, 'x');
  char buf[kStampBytes + 1];
  std::snprintf(buf, sizeof buf, "s%016llu t%020llu ", static_cast<unsigned long long>(stamp.seq),
                static_cast<unsigned long long>(stamp.sent_ns));
  out.replace(0, kStampBytes, buf, kStampBytes);
  return out;
}

inline std::optional<Stamp> parse_payload(std::string_view text) {
  if (text.size() < kStampBytes || text[0] != 's' || text[18] != 't') return std::nullopt;
  Stamp stamp;
  auto a = std::from_chars(text.data() + 1, text.data() + 17, stamp.seq);
  auto b = std::from_chars(text.data() + 19, text.data() + 39, stamp.sent_ns);
  if (a.ec != std::errc() || b.ec != std::errc()) return std::nullopt;
  return stamp;
}

}  // namespace loadgen
