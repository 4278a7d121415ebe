#include "test_pki.hpp"

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "server_process.hpp"

namespace hotstate::testing {

TestPki::TestPki() {
  std::string pattern = (std::filesystem::temp_directory_path() / "hotstate-pki.XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  dir_ = pattern;
  CommandResult made = run_command({"/bin/bash", HOTSTATE_TEST_PKI_SCRIPT, dir_});
  if (made.exit_code != 0) {
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("make_test_pki.sh failed (is openssl installed?): " + made.err);
  }
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::vector<std::string> TestPki::server_flags(const std::string& name) const {
  return {"--tls-cert", path(name + ".pem"), "--tls-key", path(name + ".key")};
}

}  // namespace hotstate::testing
