#include "server_process.hpp"

#include <algorithm>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace hotstate::testing {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::vector<char*> to_argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Reads everything from fd until EOF.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return out;
    }
  }
}

}  // namespace

std::string ServerProcess::server_binary() { return HOTSTATED_BINARY; }
std::string ServerProcess::cli_binary() { return HOTSTATE_CLI_BINARY; }

ServerProcess::ServerProcess(std::vector<std::string> extra_args) {
  std::vector<std::string> args{server_binary(), "--log-level", "warn"};
  // A free port unless the test names its own (to restart a server on the same address).
  if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end())
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  // In memory unless the test picks its storage: the durable default is ./hotstate-data,
  // which tests running side by side must not share.
  bool storage_given = std::find_if(extra_args.begin(), extra_args.end(), [](const std::string& a) {
                         return a == "--memory" || a == "--data-dir";
                       }) != extra_args.end();
  if (!storage_given) args.push_back("--memory");
  args.insert(args.end(), extra_args.begin(), extra_args.end());

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("pipe2");
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    // If the test process dies (a crash, a sanitizer abort), the server goes with it
    // instead of holding ctest's output pipe open.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    auto argv = to_argv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  pid_ = pid;

  // Wait (bounded) for "listening on HOST:PORT\n" on the child's stdout.
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (seen.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{out_pipe[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[256];
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
  }
  ::close(out_pipe[0]);  // later stdout writes go nowhere; the server ignores SIGPIPE

  const std::string marker = "listening on ";
  auto at = seen.find(marker);
  auto colon = seen.rfind(':', seen.find('\n'));
  if (at == std::string::npos || colon == std::string::npos) {
    kill_hard();
    throw std::runtime_error("hotstated did not start; stdout was: " + seen);
  }
  host_ = seen.substr(at + marker.size(), colon - at - marker.size());
  port_ = static_cast<unsigned short>(std::stoi(seen.substr(colon + 1)));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop();
}

std::string ServerProcess::url() const { return "http://" + host_ + ":" + std::to_string(port_); }

std::string ServerProcess::https_url(const std::string& host) const {
  return "https://" + (host.empty() ? host_ : host) + ":" + std::to_string(port_);
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    ::usleep(5000);
  }
  pid_ = -1;
  return decode_status(status);
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

CommandResult run_command(const std::vector<std::string>& args, const std::string& stdin_data) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw_errno("pipe2");
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    auto argv = to_argv(args);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  // Inputs in tests are small (well under the pipe buffer), so write then read is safe.
  if (!stdin_data.empty() &&
      ::write(in_pipe[1], stdin_data.data(), stdin_data.size()) != ssize_t(stdin_data.size()))
    throw_errno("write stdin");
  ::close(in_pipe[1]);
  CommandResult result;
  result.out = drain(out_pipe[0]);
  result.err = drain(err_pipe[0]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = decode_status(status);
  return result;
}

}  // namespace hotstate::testing
