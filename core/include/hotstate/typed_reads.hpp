#pragma once
// Typed reads of a record's value (the C ABI's hs_record_bool/int64/double/string and the
// bindings' get_bool/get_int/... in C++): a value of another type is an explicit
// ClientError("type_mismatch"), never a silent default, and an absent key is
// ClientError("not_found") unless the caller passed a default.

#include <cstdint>
#include <string>
#include <string_view>

#include "hotstate/client.hpp"

namespace hotstate {

// The value's root as that type; ClientError("type_mismatch") otherwise. as_int64 takes
// integers only (unsigned above INT64_MAX are a mismatch); as_double any JSON number.
// as_string's view points into the record (valid while it lives).
bool as_bool(const Record& record);
std::int64_t as_int64(const Record& record);
double as_double(const Record& record);
std::string_view as_string(const Record& record);

// Local reads: ClientError("not_found") when absent, ("type_mismatch") on another type.
bool get_bool(const Client& client, std::string_view collection, std::string_view key);
std::int64_t get_int(const Client& client, std::string_view collection, std::string_view key);
double get_double(const Client& client, std::string_view collection, std::string_view key);
std::string get_string(const Client& client, std::string_view collection, std::string_view key);
// The same, with the caller's default for an absent key only (a wrong type still throws).
bool get_bool(const Client& client, std::string_view collection, std::string_view key, bool fallback);
std::int64_t get_int(const Client& client, std::string_view collection, std::string_view key,
                     std::int64_t fallback);
double get_double(const Client& client, std::string_view collection, std::string_view key, double fallback);
std::string get_string(const Client& client, std::string_view collection, std::string_view key,
                       std::string fallback);

}  // namespace hotstate
