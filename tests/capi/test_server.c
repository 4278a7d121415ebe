#define _POSIX_C_SOURCE 200809L

#include "test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_ARGS = 32 };

long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

static int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int test_server_start(test_server *server, const char *binary, const char *const *extra_args) {
  const char *argv[MAX_ARGS];
  int argc = 0;
  argv[argc++] = binary;
  argv[argc++] = "--listen";
  argv[argc++] = "127.0.0.1:0";
  argv[argc++] = "--memory";
  argv[argc++] = "--log-level";
  argv[argc++] = "warn";
  for (size_t i = 0; extra_args && extra_args[i]; ++i) {
    if (argc >= MAX_ARGS - 1) {
      fprintf(stderr, "test_server: too many arguments\n");
      return -1;
    }
    argv[argc++] = extra_args[i];
  }
  argv[argc] = NULL;

  memset(server, 0, sizeof *server);
  server->pid = -1;
  int out[2];
  if (pipe(out) != 0) {
    perror("test_server: pipe");
    return -1;
  }
  fcntl(out[0], F_SETFD, FD_CLOEXEC);
  pid_t pid = fork();
  if (pid < 0) {
    perror("test_server: fork");
    close(out[0]);
    close(out[1]);
    return -1;
  }
  if (pid == 0) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no stray server when the test crashes */
#endif
    dup2(out[1], STDOUT_FILENO);
    close(out[1]);
    /* execv takes char *const[]; the strings are not modified. */
    execv(binary, (char *const *)(void *)argv);
    _exit(127);
  }
  close(out[1]);
  server->pid = pid;

  /* Bounded wait for the first line on the child's stdout. */
  char seen[512];
  size_t used = 0;
  const long long deadline = now_ms() + 20000;
  while (!memchr(seen, '\n', used) && used < sizeof seen - 1) {
    long long left = deadline - now_ms();
    struct pollfd pfd = {out[0], POLLIN, 0};
    if (left <= 0) break;
    int ready = poll(&pfd, 1, (int)left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = read(out[0], seen + used, sizeof seen - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += (size_t)n;
  }
  seen[used] = '\0';
  close(out[0]); /* later stdout output goes nowhere; the server ignores SIGPIPE */

  const char *marker = "listening on ";
  char *at = strstr(seen, marker);
  char *eol = strchr(seen, '\n');
  char *colon = NULL;
  if (at && eol) {
    *eol = '\0';
    colon = strrchr(at, ':');
  }
  long port = colon ? strtol(colon + 1, NULL, 10) : 0;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "test_server: %s did not start; stdout was: %s\n", binary, seen);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    server->pid = -1;
    return -1;
  }
  server->port = (int)port;
  snprintf(server->url, sizeof server->url, "http://127.0.0.1:%d", server->port);
  return 0;
}

int test_server_stop(test_server *server) {
  if (server->pid <= 0) return -1;
  kill(server->pid, SIGCONT); /* in case it was paused */
  kill(server->pid, SIGTERM);
  int status = 0;
  const long long deadline = now_ms() + 10000;
  for (;;) {
    pid_t r = waitpid(server->pid, &status, WNOHANG);
    if (r == server->pid) break;
    if (r < 0 && errno != EINTR) {
      status = -1;
      break;
    }
    if (now_ms() > deadline) {
      fprintf(stderr, "test_server: no exit 10 s after SIGTERM; killing\n");
      kill(server->pid, SIGKILL);
      waitpid(server->pid, &status, 0);
      break;
    }
    sleep_ms(5);
  }
  server->pid = -1;
  return status == -1 ? -1 : decode_status(status);
}

int test_server_pause(test_server *server, int paused) {
  if (server->pid <= 0) return -1;
  return kill(server->pid, paused ? SIGSTOP : SIGCONT);
}

int test_dead_port(int *fd) {
  *fd = socket(AF_INET, SOCK_STREAM, 0);
  if (*fd < 0) return -1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(*fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      getsockname(*fd, (struct sockaddr *)&addr, &len) != 0) {
    close(*fd);
    *fd = -1;
    return -1;
  }
  return ntohs(addr.sin_port);
}
