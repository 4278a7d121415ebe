#pragma once
// The offline cache: the replica written to one file, so a process that starts while
// the server is unreachable serves last-known state at once and later resumes from it.
//
// File layout (little-endian):
//   8 bytes  magic "HSCACHE1"
//   8 bytes  payload length
//   4 bytes  CRC-32 of the payload
//   payload  a FlatBuffer `CacheFile` (schemas/hotstate.fbs, identifier "HSC1")
// Written to a temporary file in the same directory, fsync'ed, then renamed over the old
// one, so a crash leaves either the old or the new file, never a torn one.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hotstate/client.hpp"
#include "replica.hpp"

namespace hotstate::client {

// Throws std::runtime_error (with the path and reason) when the file cannot be written.
void write_cache(const std::string& path, const State& state, const std::vector<Selector>& selectors);

// Removes the cache file at `path` and the temporary files interrupted writes left next to
// it ("<name>.tmp.<pid>"). Nothing to remove (no file, or no such directory) is success.
// Never removes a directory. Throws std::runtime_error (with the path and reason) when a
// file is there but cannot be removed.
void wipe_cache(const std::string& path);

// The cached state, or nullopt with `problem` set when the file is absent (problem
// empty), unreadable, corrupt, truncated, of another format, or for other selectors.
std::optional<StatePtr> read_cache(const std::string& path, const std::vector<Selector>& selectors,
                                   std::string& problem);

// The same checks on a file's bytes already in memory (read_cache's second half; the
// fuzz target feeds it directly). `path` only names the file in `problem`.
std::optional<StatePtr> parse_cache(std::span<const std::uint8_t> bytes, const std::vector<Selector>& selectors,
                                    const std::string& path, std::string& problem);

}  // namespace hotstate::client
