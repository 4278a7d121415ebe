#include "access.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "hotstate/names.hpp"

namespace hotstate::server {

namespace json = boost::json;

namespace {

// Short secrets can be guessed; `openssl rand -hex 32` gives 64 characters.
constexpr std::size_t kMinSecretBytes = 16;

std::string sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1 || length != 32)
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string from_hex(std::string_view hex, const std::string& where) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw AccessConfigError(where + ": \"sha256\" must be 64 hexadecimal digits");
  };
  if (hex.size() != 64) throw AccessConfigError(where + ": \"sha256\" must be 64 hexadecimal digits");
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}

std::uint8_t access_bit(std::string_view name, const std::string& where) {
  if (name == "read") return static_cast<std::uint8_t>(Access::read);
  if (name == "write") return static_cast<std::uint8_t>(Access::write);
  if (name == "admin") return static_cast<std::uint8_t>(Access::admin);
  throw AccessConfigError(where + ": unknown access \"" + std::string(name) + "\" (read, write or admin)");
}

void check_pattern(std::string_view pattern, const std::string& where) {
  // Without its '*'s a pattern must be made of collection-name characters.
  std::string literal;
  for (char c : pattern)
    if (c != '*') literal.push_back(c);
  if (pattern.empty() || (!literal.empty() && !valid_collection(literal)))
    throw AccessConfigError(where + ": \"" + std::string(pattern) +
                            "\" is not a collection pattern ([A-Za-z0-9_.-] and '*')");
}

Grant make_grant(std::uint8_t access, std::vector<std::string> patterns, const std::string& where) {
  if (access == 0) throw AccessConfigError(where + ": a scope needs at least one access");
  if (!(access & static_cast<std::uint8_t>(Access::admin)) && patterns.empty())
    throw AccessConfigError(where + ": a read or write scope needs \"collections\"");
  for (const auto& p : patterns) check_pattern(p, where);
  return Grant{access, std::move(patterns)};
}

std::vector<std::string> string_list(const json::value& value, const std::string& where, const char* field) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.emplace_back(value.get_string());
  } else if (value.is_array()) {
    for (const auto& item : value.get_array()) {
      if (!item.is_string()) throw AccessConfigError(where + ": \"" + field + "\" must hold strings");
      out.emplace_back(item.get_string());
    }
  } else {
    throw AccessConfigError(where + ": \"" + field + "\" must be a string or an array of strings");
  }
  return out;
}

void allow_only(const json::object& object, std::initializer_list<std::string_view> names, const std::string& where) {
  for (const auto& member : object) {
    bool known = false;
    for (auto name : names) known = known || member.key() == name;
    if (!known) throw AccessConfigError(where + ": unknown field \"" + std::string(member.key()) + "\"");
  }
}

Grant grant_from_json(const json::value& value, const std::string& where) {
  if (!value.is_object()) throw AccessConfigError(where + " must be an object");
  const auto& object = value.get_object();
  allow_only(object, {"access", "collections"}, where);
  const json::value* access = object.if_contains("access");
  if (!access) throw AccessConfigError(where + " needs \"access\"");
  std::uint8_t bits = 0;
  for (const auto& name : string_list(*access, where, "access")) bits |= access_bit(name, where);
  std::vector<std::string> patterns;
  if (const json::value* collections = object.if_contains("collections"))
    patterns = string_list(*collections, where, "collections");
  return make_grant(bits, std::move(patterns), where);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AccessConfigError("cannot read the auth file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "read+write@flags,config.*" or "admin"
Grant grant_from_flag(std::string_view scope, const std::string& where) {
  auto at = scope.find('@');
  std::string_view access = scope.substr(0, at);
  std::uint8_t bits = 0;
  while (!access.empty()) {
    auto plus = access.find('+');
    bits |= access_bit(access.substr(0, plus), where);
    access = plus == std::string_view::npos ? std::string_view{} : access.substr(plus + 1);
  }
  std::vector<std::string> patterns;
  if (at != std::string_view::npos) {
    std::string_view list = scope.substr(at + 1);
    while (true) {
      auto comma = list.find(',');
      patterns.emplace_back(list.substr(0, comma));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return make_grant(bits, std::move(patterns), where);
}

}  // namespace

std::string_view access_name(Access access) {
  switch (access) {
    case Access::read: return "read";
    case Access::write: return "write";
    case Access::admin: return "admin";
  }
  return "?";
}

bool collection_matches(std::string_view pattern, std::string_view collection) {
  // Greedy glob with backtracking to the last '*': linear for these short names.
  std::size_t p = 0, c = 0, star = std::string_view::npos, resume = 0;
  while (c < collection.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = c;
    } else if (p < pattern.size() && pattern[p] == collection[c]) {
      ++p;
      ++c;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      c = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return {};
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

bool Principal::is_admin() const {
  for (const auto& grant : grants)
    if (grant.access & static_cast<std::uint8_t>(Access::admin)) return true;
  return false;
}

bool Principal::may(Access access, std::string_view collection) const {
  for (const auto& grant : grants) {
    if (grant.access & static_cast<std::uint8_t>(Access::admin)) return true;
    if (!(grant.access & static_cast<std::uint8_t>(access))) continue;
    for (const auto& pattern : grant.patterns)
      if (collection_matches(pattern, collection)) return true;
  }
  return false;
}

AccessPolicy AccessPolicy::load(const std::string& auth_file, const std::vector<std::string>& token_flags) {
  AccessPolicy policy;
  if (!auth_file.empty()) {
    json::error_code ec;
    json::value doc = json::parse(read_file(auth_file), ec);
    if (ec) throw AccessConfigError(auth_file + ": not valid JSON: " + ec.message());
    if (!doc.is_object()) throw AccessConfigError(auth_file + ": must be a JSON object with \"tokens\"");
    allow_only(doc.get_object(), {"tokens"}, auth_file);
    const json::value* tokens = doc.get_object().if_contains("tokens");
    if (!tokens || !tokens->is_array()) throw AccessConfigError(auth_file + ": \"tokens\" must be an array");
    for (std::size_t i = 0; i < tokens->get_array().size(); ++i) {
      std::string where = auth_file + ": tokens[" + std::to_string(i) + "]";
      const json::value& item = tokens->get_array()[i];
      if (!item.is_object()) throw AccessConfigError(where + " must be an object");
      const auto& object = item.get_object();
      allow_only(object, {"name", "sha256", "secret", "scopes"}, where);
      const json::value* name = object.if_contains("name");
      if (!name || !name->is_string() || name->get_string().empty())
        throw AccessConfigError(where + " needs a \"name\"");
      where += " (" + std::string(name->get_string()) + ")";
      const json::value* digest = object.if_contains("sha256");
      const json::value* secret = object.if_contains("secret");
      if ((digest == nullptr) == (secret == nullptr))
        throw AccessConfigError(where + " needs exactly one of \"sha256\" and \"secret\"");
      if ((digest && !digest->is_string()) || (secret && !secret->is_string()))
        throw AccessConfigError(where + ": \"sha256\" and \"secret\" are strings");
      if (secret && secret->get_string().size() < kMinSecretBytes)
        throw AccessConfigError(where + ": a secret needs at least " + std::to_string(kMinSecretBytes) + " characters");
      const json::value* scopes = object.if_contains("scopes");
      if (!scopes || !scopes->is_array() || scopes->get_array().empty())
        throw AccessConfigError(where + " needs a non-empty \"scopes\" array");
      Entry entry;
      entry.sha256 = digest ? from_hex(digest->get_string(), where) : sha256(secret->get_string());
      entry.principal.name = std::string(name->get_string());
      for (std::size_t s = 0; s < scopes->get_array().size(); ++s)
        entry.principal.grants.push_back(
            grant_from_json(scopes->get_array()[s], where + ": scopes[" + std::to_string(s) + "]"));
      policy.add(std::move(entry), where);
    }
  }
  for (const auto& flag : token_flags) {
    // NAME=SECRET:SCOPE[;SCOPE]; the message never repeats the secret.
    auto eq = flag.find('='), colon = flag.find(':', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || eq == 0 || colon == std::string::npos || colon + 1 == flag.size())
      throw AccessConfigError("--token expects NAME=SECRET:SCOPE[;SCOPE], e.g. web=$TOKEN:read@flags,config.*");
    std::string name = flag.substr(0, eq);
    std::string where = "--token " + name;
    std::string_view secret = std::string_view(flag).substr(eq + 1, colon - eq - 1);
    if (secret.size() < kMinSecretBytes)
      throw AccessConfigError(where + ": a secret needs at least " + std::to_string(kMinSecretBytes) + " characters");
    Entry entry;
    entry.sha256 = sha256(secret);
    entry.principal.name = name;
    std::string_view scopes = std::string_view(flag).substr(colon + 1);
    while (true) {
      auto semi = scopes.find(';');
      entry.principal.grants.push_back(grant_from_flag(scopes.substr(0, semi), where));
      if (semi == std::string_view::npos) break;
      scopes.remove_prefix(semi + 1);
    }
    policy.add(std::move(entry), where);
  }
  return policy;
}

void AccessPolicy::add(Entry entry, const std::string& where) {
  for (const auto& existing : entries_) {
    if (existing.principal.name == entry.principal.name)
      throw AccessConfigError(where + ": the name \"" + entry.principal.name + "\" is used twice");
    if (existing.sha256 == entry.sha256)
      throw AccessConfigError(where + ": the same token as \"" + existing.principal.name + "\"");
  }
  entries_.push_back(std::move(entry));
}

const Principal* AccessPolicy::authenticate(std::string_view token) const {
  if (token.empty()) return nullptr;
  const std::string digest = sha256(token);
  const Principal* found = nullptr;
  for (const auto& entry : entries_)  // every entry, no early exit: the time says nothing
    if (CRYPTO_memcmp(entry.sha256.data(), digest.data(), digest.size()) == 0) found = &entry.principal;
  return found;
}

}  // namespace hotstate::server
