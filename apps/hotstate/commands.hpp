#pragma once
// One function per CLI command: build the request, send it, print the outcome.
// Each returns the process exit status (see exit_code.hpp).

#include <cstdint>
#include <optional>
#include <string>

#include "net/http_client.hpp"

namespace hotstate::cli {

// The HTTP client and URL handling are shared with the C++ client library.
using namespace hotstate::net;

int put_record(HttpClient& client, const std::string& collection, const std::string& key,
               const std::string& value, std::optional<std::uint64_t> if_revision);
int get_record(HttpClient& client, const std::string& collection, const std::string& key);
int delete_record(HttpClient& client, const std::string& collection, const std::string& key,
                  std::optional<std::uint64_t> if_revision);

// Follows next_after while the server says there is more (or until `limit` records)
// and prints {"records": [...], "revision": R}. R is the first page's revision: every
// record listed is at least that new, so a watcher starting there misses no change.
int list_records(HttpClient& client, const std::string& collection,
                 const std::optional<std::string>& prefix, std::optional<std::uint64_t> limit);

int run_txn(HttpClient& client, const std::string& body);
// GET /v1/export into `output` ("-": stdout), written whole or not at all.
int export_state(HttpClient& client, const std::string& output);
// POST /v1/import of an export's text.
int import_state(HttpClient& client, const std::string& text);
int get_status(HttpClient& client);

}  // namespace hotstate::cli
