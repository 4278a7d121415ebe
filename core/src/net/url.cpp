#include "net/url.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace hotstate::net {
namespace {

struct Scheme {
  std::string_view prefix;
  std::string_view default_port;
  bool tls;
};
// ws:// and wss:// name the same server as http:// and https://: the stream and the HTTP
// API share one port.
constexpr Scheme kSchemes[] = {
    {"http://", "80", false}, {"https://", "443", true}, {"ws://", "80", false}, {"wss://", "443", true}};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Spelled out rather than std::isalnum, whose answer depends on the locale.
bool is_unreserved(unsigned char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit))
    return false;
  const unsigned long value = std::stoul(std::string(port));
  return value >= 1 && value <= 65535;
}

}  // namespace

ServerUrl parse_server_url(std::string_view url) {
  // Appended piecewise: GCC 12 at -O3 mistakes "'" + std::string(...) for an overlapping
  // memcpy (-Wrestrict, GCC bug 105329), which -Werror would make fatal.
  std::string quoted;
  quoted.reserve(url.size() + 2);
  quoted.append(1, '\'').append(url).append(1, '\'');
  const Scheme* scheme = nullptr;
  for (const Scheme& candidate : kSchemes)
    if (starts_with_ignoring_case(url, candidate.prefix)) scheme = &candidate;
  if (!scheme) throw UrlError("URL must start with http:// or https:// (or ws://, wss://), got " + quoted);

  std::string_view authority = url.substr(scheme->prefix.size());
  // A lone trailing slash is harmless; any other path would be dropped silently, so refuse it.
  if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.find_first_of("/?#") != std::string_view::npos)
    throw UrlError("URL must not have a path, query or fragment: " + quoted);
  if (authority.find('@') != std::string_view::npos)
    throw UrlError("URL must not contain user info: " + quoted);
  if (authority.empty()) throw UrlError("URL has no host: " + quoted);

  ServerUrl out;
  out.text = std::string(url);
  out.tls = scheme->tls;
  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1)
      throw UrlError("malformed IPv6 literal in URL " + quoted);
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw UrlError("unexpected text after ']' in URL " + quoted);
      has_port = true;
      port = rest.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port = authority.substr(colon + 1);
    }
    if (out.host.empty()) throw UrlError("URL has no host: " + quoted);
  }

  if (has_port && !is_valid_port(port)) throw UrlError("invalid port in URL " + quoted);
  out.port = has_port ? std::string(port) : std::string(scheme->default_port);
  out.host_header = std::string(authority);
  return out;
}

std::string percent_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

}  // namespace hotstate::net
