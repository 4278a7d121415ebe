#pragma once
// Starts a real hotstated on a free loopback port for a test, and stops it.

#include <string>
#include <vector>

namespace hotstate::testing {

class ServerProcess {
 public:
  // Starts `hotstated --listen 127.0.0.1:0 <extra_args>` and waits until it prints
  // "listening on HOST:PORT". Throws on failure. In memory unless extra_args names
  // --memory or --data-dir; extra_args may give its own --listen.
  explicit ServerProcess(std::vector<std::string> extra_args = {"--memory"});
  ~ServerProcess();  // stop() if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:PORT"
  // "https://HOST:PORT", for a server started with --tls-cert/--tls-key. HOST defaults to
  // the address it listens on; a name (localhost) checks host-name verification and SNI.
  std::string https_url(const std::string& host = "") const;

  // SIGTERM, wait, and return the exit status (as from waitpid's WEXITSTATUS, or
  // 128+signal when killed by a signal).
  int stop();
  void kill_hard();  // SIGKILL and reap
  bool running() const { return pid_ > 0; }
  // The server's process id while running (for /proc/<pid>/status), else -1.
  int pid() const { return pid_; }

  // Path of the built hotstated / hotstate CLI (set at build time).
  static std::string server_binary();
  static std::string cli_binary();

 private:
  int pid_ = -1;
  std::string host_;
  unsigned short port_ = 0;
};

// Runs a command, returns {exit status, stdout}. stderr is captured separately.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_data = "");

}  // namespace hotstate::testing
