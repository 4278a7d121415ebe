/* A hotstated child process for the C ABI tests: started on a free port of 127.0.0.1,
   stopped with SIGTERM. POSIX only (fork/exec). */
#ifndef HOTSTATE_TEST_SERVER_H
#define HOTSTATE_TEST_SERVER_H

#include <sys/types.h>

typedef struct test_server {
  pid_t pid;     /* > 0 while running */
  int port;
  char url[64];  /* "http://127.0.0.1:PORT" */
} test_server;

/* Starts `binary --listen 127.0.0.1:0 --memory --log-level warn` plus extra_args (a
   NULL-terminated list, or NULL) and waits at most 20 s for its "listening on HOST:PORT"
   line. Returns 0 on success, -1 (with a message on stderr) otherwise. */
int test_server_start(test_server *server, const char *binary, const char *const *extra_args);

/* SIGTERM, then waits at most 10 s (SIGKILL after that). Returns the exit code (128 +
   signal when killed by one), or -1 when the server was not running. */
int test_server_stop(test_server *server);

/* Pauses (SIGSTOP) or resumes (SIGCONT) the server: a connection that stays open but
   carries nothing. Returns 0 on success. */
int test_server_pause(test_server *server, int paused);

/* A port of 127.0.0.1 on which nothing accepts connections: *fd is a socket bound to it
   that never listens (so connects are refused); close it when done. Returns the port, or
   -1 on failure. */
int test_dead_port(int *fd);

/* Monotonic milliseconds, and a sleep that survives signals: shared by the test files. */
long long now_ms(void);
void sleep_ms(long ms);

#endif
