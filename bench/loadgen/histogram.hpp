#pragma once
// Latency histogram with log-linear buckets (128 per power of two, so < 0.8 % error),
// fixed size, O(1) record: cheap enough to call once per delivery at millions per second.

#include <array>
#include <bit>
#include <cstdint>

namespace loadgen {

class Histogram {
 public:
  void record(std::uint64_t ns) {
    ++buckets_[index(ns)];
    ++count_;
  }
  std::uint64_t count() const { return count_; }
  void clear() {
    buckets_.fill(0);
    count_ = 0;
  }
  // The value at quantile q (0..1), in nanoseconds (bucket midpoint).
  double quantile_ns(double q) const {
    if (count_ == 0) return 0;
    auto target = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= target) return value(i);
    }
    return value(buckets_.size() - 1);
  }

 private:
  static constexpr unsigned kSubBits = 7;
  static constexpr unsigned kMaxShift = 40;  // ~2^47 ns ≈ 39 h, far beyond any wait
  static std::size_t index(std::uint64_t v) {
    unsigned width = static_cast<unsigned>(std::bit_width(v));
    unsigned shift = width > kSubBits + 1 ? width - (kSubBits + 1) : 0;
    if (shift > kMaxShift) return (kMaxShift + 2) * (1u << kSubBits) - 1;
    return shift * (1u << kSubBits) + static_cast<std::size_t>(v >> shift);
  }
  static double value(std::size_t i) {
    constexpr std::size_t sub = 1u << kSubBits;
    if (i < 2 * sub) return static_cast<double>(i);
    std::size_t shift = i / sub - 1;
    std::size_t mantissa = i - shift * sub;
    return static_cast<double>(mantissa << shift) + static_cast<double>(std::size_t{1} << shift) / 2;
  }
  std::array<std::uint64_t, (kMaxShift + 2) * (1u << kSubBits)> buckets_{};
  std::uint64_t count_ = 0;
};

}  // namespace loadgen
