#pragma once
// The keys the soak test writes. Writer w alone writes "w<w>/g<g>/k<k>" in each writer
// collection, so the order of the writes to one key is the order one thread made them,
// and its ledger knows what the key must hold. Key prefixes nest (w1/, w1/g2/, w1/g2/k1
// also matches k10..k15), so clients can select overlapping parts of the same data.

#include <array>
#include <string>
#include <string_view>

namespace hotstate::soak {

inline constexpr std::array<std::string_view, 3> kWriterCollections{"flags", "users", "config"};
inline constexpr int kGroupsPerWriter = 4;
inline constexpr int kKeysPerGroup = 16;
// Bad requests aim here; nothing may ever be stored in it.
inline constexpr std::string_view kAbuseCollection = "abuse";
// Selected by some clients, written by nobody: they only ever get heartbeats.
inline constexpr std::string_view kQuietCollection = "quiet";

inline std::string writer_prefix(int writer) { return "w" + std::to_string(writer) + "/"; }
inline std::string group_prefix(int writer, int group) {
  return writer_prefix(writer) + "g" + std::to_string(group) + "/";
}
inline std::string key_name(int writer, int group, int key) {
  return group_prefix(writer, group) + "k" + std::to_string(key);
}

}  // namespace hotstate::soak
