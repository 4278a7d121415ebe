#include "input.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace hotstate::cli {
namespace {

std::string read_all(std::FILE* file, const std::string& name) {
  std::string content;
  char buffer[65536];
  for (;;) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
    content.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file)) throw InputError("cannot read " + name + ": " + std::strerror(errno));
  return content;
}

}  // namespace

std::string read_input(const std::string& source) {
  if (source == "-") return read_all(stdin, "stdin");
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(source.c_str(), "rb"),
                                                              &std::fclose);
  if (!file) throw InputError("cannot open '" + source + "': " + std::strerror(errno));
  return read_all(file.get(), "'" + source + "'");
}

}  // namespace hotstate::cli
