#pragma once
// Who may do what (docs/security.md): API tokens, each with scopes per collection pattern.
//
// A token is presented as `Authorization: Bearer <token>` on HTTP and in Hello.token on
// the stream. The server keeps only each token's SHA-256 and compares digests in constant
// time, visiting every configured token, so neither timing nor a leaked config file gives
// a token away. With no token configured the server is open, and hotstated then refuses
// to listen anywhere but loopback.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hotstate::server {

enum class Access : std::uint8_t { read = 1, write = 2, admin = 4 };
std::string_view access_name(Access access);

// A malformed --auth-file or --token (hotstated reports it and exits).
class AccessConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One scope: these kinds of access on collections matching any of these patterns
// ("flags", "flags.*", "*": '*' matches any run of characters).
struct Grant {
  std::uint8_t access = 0;  // Access bits
  std::vector<std::string> patterns;
};

struct Principal {
  std::string name;  // the token's name, for messages and logs (never the token)
  std::vector<Grant> grants;

  // admin may do everything; read and write are per collection.
  bool may(Access access, std::string_view collection) const;
  bool is_admin() const;
};

class AccessPolicy {
 public:
  // Open: no tokens.
  AccessPolicy() = default;
  // From the JSON file (empty path: none) and --token flags (NAME=SECRET:SCOPE[;SCOPE]).
  // Throws AccessConfigError naming the file, entry and problem.
  static AccessPolicy load(const std::string& auth_file, const std::vector<std::string>& token_flags);

  bool open() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // The principal holding `token`; nullptr when none does.
  const Principal* authenticate(std::string_view token) const;

 private:
  struct Entry {
    std::string sha256;  // 32 raw bytes
    Principal principal;
  };
  void add(Entry entry, const std::string& where);

  std::vector<Entry> entries_;
};

// '*' matches any run of characters (collection names cannot contain it).
bool collection_matches(std::string_view pattern, std::string_view collection);

// The token of an "Authorization: Bearer <token>" header value; empty when not a bearer.
std::string_view bearer_token(std::string_view authorization);

}  // namespace hotstate::server
