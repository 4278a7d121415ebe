#pragma once
// Structured logs: one logfmt line per event on stderr, e.g.
//   ts=2026-11-25T14:50:44.123Z level=info msg="stream closed" peer=127.0.0.1:5312

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hotstate::server {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

std::optional<LogLevel> parse_log_level(std::string_view name);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

// The one text form of a 64-bit identifier (the epoch, the server id) wherever the server
// shows one: log lines, /v1/status, the export header, --renew-epoch's report. 16
// lowercase hex digits, since a JSON number cannot hold 64 bits in every language.
std::string hex64(std::uint64_t value);

}  // namespace hotstate::server
