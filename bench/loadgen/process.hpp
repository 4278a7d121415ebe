#pragma once
// Starting and stopping a server process (the recovery scenario restarts hotstated
// itself, so it knows exactly when the new one says it is listening).

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace loadgen {

struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;  // read end of a pipe on the child's stdout (stderr is inherited)
};

Child spawn(const std::vector<std::string>& command);
// The exit status once the process has exited, without blocking.
std::optional<int> try_reap(pid_t pid);

}  // namespace loadgen
