#include "process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace loadgen {

Child spawn(const std::vector<std::string>& command) {
  if (command.empty()) throw std::invalid_argument("no server command (give it after --)");
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) return status;
  if (r < 0) throw std::runtime_error("waitpid failed");
  return std::nullopt;
}

}  // namespace loadgen
