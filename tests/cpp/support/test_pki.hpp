#pragma once
// A throwaway PKI for TLS tests, made by tests/tls/make_test_pki.sh in a temporary folder
// that is removed again: no private key is ever committed.

#include <string>
#include <vector>

namespace hotstate::testing {

class TestPki {
 public:
  TestPki();  // throws when openssl (the command) is missing or fails
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // "ca.pem", "other-ca.pem", "server.pem", "server.key", ... (see make_test_pki.sh)
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // hotstated flags serving certificate NAME.pem with NAME.key.
  std::vector<std::string> server_flags(const std::string& name = "server") const;

 private:
  std::string dir_;
};

}  // namespace hotstate::testing
