#pragma once
// What makes two snapshots the same bytes: the history (epoch), the revision, and the
// selectors in canonical form (sorted, duplicates removed; their order and repetition
// change nothing a snapshot holds).

#include <algorithm>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotstate/protocol.hpp"

namespace hotstate::server {

struct SnapshotKey {
  std::uint64_t epoch = 0;
  std::uint64_t revision = 0;
  std::vector<std::pair<std::string, std::string>> selectors;  // {collection, prefix}, canonical

  auto operator<=>(const SnapshotKey&) const = default;
  bool operator==(const SnapshotKey&) const = default;
};

inline std::vector<std::pair<std::string, std::string>> canonical_selectors(
    std::span<const protocol::SelectorSpec> selectors) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : selectors) out.emplace_back(s.collection, s.prefix);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace hotstate::server
