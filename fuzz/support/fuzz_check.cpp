#include "fuzz_check.hpp"

#include <cstdio>
#include <cstdlib>

namespace hotstate::fuzz {

void property_failed(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz property violated: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!detail.empty())
    std::fprintf(stderr, "  detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace hotstate::fuzz
