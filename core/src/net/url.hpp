#pragma once
// The server address given on the command line, and percent-encoding for request targets.

#include <stdexcept>
#include <string>
#include <string_view>

namespace hotstate::net {

struct ServerUrl {
  std::string text;         // as the user gave it, for error messages
  std::string host;         // for the resolver: no brackets around IPv6 literals
  std::string port;         // decimal
  std::string host_header;  // value of the Host header, e.g. "[::1]:7700"
  bool tls = false;         // https:// or wss://
};

// Thrown for a URL the CLI cannot use; main reports it as a usage error.
class UrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Accepts "http://HOST[:PORT][/]" and "https://HOST[:PORT][/]" where HOST is a hostname,
// an IPv4 address or a bracketed IPv6 literal. ws:// and wss:// are the same as http://
// and https:// (the stream and the HTTP API share one port). The port defaults to the
// scheme's own: 80, or 443 with TLS. Anything else (another scheme, user info, a path, a
// query) throws UrlError rather than being silently ignored.
ServerUrl parse_server_url(std::string_view url);

// Encodes every byte outside the RFC 3986 unreserved set, so a key's '/', '?', '%',
// spaces and UTF-8 bytes reach the server as the key's own bytes.
std::string percent_encode(std::string_view bytes);

}  // namespace hotstate::net
