#pragma once
// What a process used, read from /proc: CPU seconds (user + system, all threads) from
// /proc/PID/stat and resident memory from /proc/PID/status (VmRSS).

#include <sys/types.h>

#include <cstdint>

namespace loadgen {

double cpu_seconds(pid_t pid);        // throws when the process is gone
std::uint64_t rss_bytes(pid_t pid);   // throws when the process is gone

}  // namespace loadgen
