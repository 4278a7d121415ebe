#pragma once
// Turns outcomes into the CLI's output: response bodies on stdout, one-line errors on stderr.

#include <string_view>

#include "exit_code.hpp"
#include "net/http_client.hpp"

namespace hotstate::cli {

// The HTTP client and URL handling are shared with the C++ client library.
using namespace hotstate::net;

bool is_success(const HttpResponse& response);

// Writes `text` and a newline (unless it already ends with one) to stdout. Returns
// kExitOk, or kExitError after reporting it when stdout could not be written.
int print_output(std::string_view text);

// Writes "hotstate: <code>: <message>" to stderr as a single line.
void print_error(std::string_view code, std::string_view message);

// Prints a response as the command's result: the body on success, otherwise the
// server's {"error": {...}} as one line. Returns the exit status that goes with it.
int print_response(const HttpResponse& response);

}  // namespace hotstate::cli
