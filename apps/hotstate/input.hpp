#pragma once
// Reads a request body named on the command line: a file, or "-" for stdin.

#include <stdexcept>
#include <string>

namespace hotstate::cli {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Returns the whole content of `source` ("-" means stdin), byte for byte.
// Throws InputError naming the source and the reason when it cannot be read.
std::string read_input(const std::string& source);

}  // namespace hotstate::cli
