// Runs a fuzz target over saved inputs without libFuzzer: every file named on the command
// line, and every file in every directory named (sorted, so runs repeat exactly). A target
// that crashes or breaks a property aborts, failing the ctest test with the file's name
// printed just before. Exits non-zero when it found no input at all, so a moved corpus
// cannot turn the test into one that always passes.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const fs::path& where) {
  std::vector<fs::path> files;
  if (fs::is_regular_file(where)) {
    files.push_back(where);
  } else if (fs::is_directory(where)) {
    for (const auto& entry : fs::recursive_directory_iterator(where))
      if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
        files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::size_t here = 0;
    for (const auto& file : inputs_in(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), bytes.size());
      // libFuzzer never passes a null pointer, even for an empty input.
      static const std::uint8_t kEmpty = 0;
      LLVMFuzzerTestOneInput(bytes.empty() ? &kEmpty : bytes.data(), bytes.size());
      ++here;
    }
    std::printf("%s: %zu inputs\n", argv[i], here);
    replayed += here;
  }
  if (replayed == 0) {
    std::fprintf(stderr, "no inputs found in the paths given\n");
    return 1;
  }
  std::printf("replayed %zu inputs, no failure\n", replayed);
  return 0;
}
