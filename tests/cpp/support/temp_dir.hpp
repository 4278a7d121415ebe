#pragma once
// A directory of its own for one test (data directories, cache files), removed with
// everything in it when the test ends. Named after the test and the process, so tests
// running side by side (ctest -j) never share one.

#include <unistd.h>

#include <filesystem>
#include <string>

namespace hotstate::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() / ("hotstate-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ignored;  // a destructor must not throw; a leftover in /tmp is harmless
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string str() const { return path_.string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace hotstate::testing
