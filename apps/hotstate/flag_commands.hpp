#pragma once
// CLI commands for flags (docs/flags.md): load a flagd file into a collection, check one,
// and evaluate a flag locally the way a service would.

#include <optional>
#include <string>

#include "net/http_client.hpp"

namespace hotstate::cli {

// Checks the flagd document `text` locally (every flag must compile), then writes each
// flag as a record of `collection`, plus "$evaluators" and "$metadata" when present, in
// one transaction. Prints {"revision":R,"flags":N}. A document with problems writes
// nothing and prints them (exit 1).
int import_flags(net::HttpClient& client, const std::string& collection, const std::string& text);

// POST /v1/flags/validate: prints the server's answer; exit 1 when the document is not valid.
int check_flags(net::HttpClient& client, const std::string& text);

// Keeps a replica of `collection`, waits until it is live, evaluates `key` for the
// context (a JSON object's text) and prints {"value","variant","reason","error_code",
// "error_message","metadata"}. Exit 3 when the flag is not found.
int evaluate_flag(const std::string& url, const std::string& ca_file, const std::string& collection,
                  const std::string& key, const std::optional<std::string>& context_json);

}  // namespace hotstate::cli
