/* fork() with an open client, through the C ABI (a plain C11 program against the shared
   library and a real hotstated), as a pre-fork server (gunicorn, uWSGI) does it:
   - each child serves the inherited replica at once (before any network), then opens its
     own connection that resumes from the inherited revision (the server counts a
     catch-up, not a snapshot) and receives writes made after the fork; change callbacks
     registered before the fork keep firing in the child;
   - the parent is unaffected: same connection (connects unchanged, no reconnect), reads,
     writes and callbacks go on;
   - many children, at once and one after another while a writer thread runs in the
     parent, and one forked while the parent reconnects, all work;
   - a child that never uses the client starts no thread, and closing or freeing an
     inherited client in a child works and leaves the parent alone.
   Figures: time from fork() to the child's first read and to the child being LIVE. */
#define _POSIX_C_SOURCE 200809L

#include "e2e_check.h"
#include "hotstate.h"
#include "test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HOTSTATED_BINARY
#error "HOTSTATED_BINARY must name the hotstated executable"
#endif

enum { kChildren = 8, kWait = 20000 };

/* What a child found wrong: its exit code (0: nothing). */
enum child_failure {
  CHILD_OK = 0,
  CHILD_FIRST_READ = 10,     /* the inherited value was not readable at once */
  CHILD_NO_COMMAND = 11,     /* the parent never said which write to wait for */
  CHILD_NOT_LIVE = 12,       /* the child's own connection never became LIVE */
  CHILD_WRITE_MISSED = 13,   /* a write made after the fork never reached the child */
  CHILD_WRONG_VALUE = 14,    /* ... or arrived with another value */
  CHILD_STATUS = 15,         /* not one fresh connection, or a reset snapshot */
  CHILD_CALLBACK = 16,       /* the inherited change callback did not fire */
  CHILD_THREADS = 17,        /* an untouched inherited client started threads */
  CHILD_NOT_CLOSED = 18,     /* a closed inherited client still answered as open */
};

/* What a child reports through a pipe (one write, smaller than PIPE_BUF: never torn). */
typedef struct child_report {
  long long first_read_us; /* fork() to the first read's answer */
  long long first_call_us; /* the first read call alone (it starts the child's client) */
  long long live_ms;       /* fork() to LIVE on the child's own connection */
} child_report;

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A counter of /metrics (-1 when unreadable): one HTTP/1.0 GET to 127.0.0.1. */
static long long metric(int port, const char *name) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  static char body[1 << 16];
  size_t used = 0;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    const char *request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request, strlen(request)) == (ssize_t)strlen(request)) {
      ssize_t n;
      while (used + 1 < sizeof body && (n = read(fd, body + used, sizeof body - 1 - used)) > 0) used += (size_t)n;
    }
  }
  close(fd);
  body[used] = '\0';
  char line[128];
  snprintf(line, sizeof line, "\n%s ", name);
  const char *at = strstr(body, line);
  return at ? atoll(at + strlen(line)) : -1;
}

static hs_client *open_client(const char *url) {
  hs_options *o = NULL;
  hs_client *c = NULL;
  if (hs_options_new(&o) != HS_OK) return NULL;
  hs_options_add_url(o, url);
  hs_options_add_selector(o, "fork", NULL);
  hs_options_set_backoff_initial(o, 20);
  hs_options_set_backoff_max(o, 200);
  if (hs_client_open(o, &c) != HS_OK) c = NULL;
  hs_options_free(o);
  return c;
}

static int64_t read_int(hs_client *c, const char *key, int64_t missing) {
  hs_record *r = NULL;
  int64_t value = missing;
  if (hs_get(c, "fork", KEY(key), &r) == HS_OK) hs_record_int64(r, &value);
  hs_record_free(r);
  return value;
}

/* The change callback registered before any fork: the last value of key "k" it saw. In a
   child it updates the child's copy of this variable, from the child's callback thread. */
static _Atomic int64_t g_seen_k = -1;

static void on_change(const hs_change_batch *batch, void *user_data) {
  (void)user_data;
  for (size_t i = 0; i < hs_change_batch_count(batch); ++i) {
    const hs_record *after = NULL;
    const char *key = NULL;
    size_t len = 0;
    int64_t value = 0;
    if (hs_change_batch_get(batch, i, NULL, &after) != HS_OK || !after) continue;
    if (hs_record_key(after, &key, &len) == HS_OK && len == 1 && key[0] == 'k' &&
        hs_record_int64(after, &value) == HS_OK)
      atomic_store(&g_seen_k, value);
  }
}

/* Between the parent and its children: the child says it read (so the parent's next
   write cannot be what it read), the parent says which write to wait for (revision,
   value), the child reports its figures. */
typedef struct child_pipes {
  int ready[2], command[2], report[2];
} child_pipes;

static int open_pipes(child_pipes *p) { return pipe(p->ready) | pipe(p->command) | pipe(p->report); }

static void close_pipes(child_pipes *p) {
  for (int i = 0; i < 2; ++i) {
    close(p->ready[i]);
    close(p->command[i]);
    close(p->report[i]);
  }
}

/* Reads exactly `size` bytes, waiting at most kWait ms. */
static int read_within(int fd, void *out, size_t size) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, kWait) != 1) return -1;
  return read(fd, out, size) == (ssize_t)size ? 0 : -1;
}

/* The parent: waits until `children` children made their first read. */
static void wait_first_reads(child_pipes *p, int children) {
  for (int i = 0; i < children; ++i) {
    char byte = 0;
    CHECK(read_within(p->ready[0], &byte, 1) == 0);
  }
}

static void send_command(child_pipes *p, uint64_t revision, uint64_t value, int children) {
  uint64_t message[2] = {revision, value};
  for (int i = 0; i < children; ++i) CHECK(write(p->command[1], message, sizeof message) == (ssize_t)sizeof message);
}

/* A child of a pre-fork server: serve at once, then follow the stream on its own link. */
static int child_uses_client(hs_client *c, int64_t inherited_value, long long forked_us, const child_pipes *p) {
  child_report report = {0, 0, 0};
  long long called_us = now_us();
  if (read_int(c, "k", -1) != inherited_value) return CHILD_FIRST_READ;
  report.first_read_us = now_us() - forked_us;
  report.first_call_us = now_us() - called_us;
  if (write(p->ready[1], "r", 1) != 1) return CHILD_NO_COMMAND;
  uint64_t command[2];
  if (read_within(p->command[0], command, sizeof command) != 0) return CHILD_NO_COMMAND;
  if (hs_client_wait_ready(c, kWait) != HS_OK) return CHILD_NOT_LIVE;
  report.live_ms = (now_us() - forked_us) / 1000;
  if (hs_client_wait_for_revision(c, command[0], kWait) != HS_OK) return CHILD_WRITE_MISSED;
  if (read_int(c, "k", -1) != (int64_t)command[1]) return CHILD_WRONG_VALUE;
  hs_client_status s;
  get_status(c, &s);
  if (s.state != HS_LIVE || s.connects != 1 || s.resets != 0 || s.source != HS_SOURCE_SERVER) return CHILD_STATUS;
  for (int i = 0; i < kWait / 10 && atomic_load(&g_seen_k) != (int64_t)command[1]; ++i) sleep_ms(10);
  if (atomic_load(&g_seen_k) != (int64_t)command[1]) return CHILD_CALLBACK;
  if (write(p->report[1], &report, sizeof report) != (ssize_t)sizeof report) return CHILD_NO_COMMAND;
  hs_client_free(c);  /* the child's own threads and link end; the parent's stay */
  return CHILD_OK;
}

static pid_t fork_child(hs_client *c, int64_t inherited_value, const child_pipes *p) {
  fflush(NULL);  /* nothing buffered is printed twice */
  long long forked_us = now_us();
  pid_t pid = fork();
  if (pid == 0) _exit(child_uses_client(c, inherited_value, forked_us, p));
  return pid;
}

static int exit_code(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Each child's first read and LIVE time, printed as figures. */
static void print_reports(const char *what, int report_fd, int children) {
  long long worst_read = 0, worst_live = 0, sum_read = 0, sum_live = 0, sum_call = 0;
  int got = 0;
  child_report r;
  struct pollfd p = {report_fd, POLLIN, 0};
  while (got < children && poll(&p, 1, 0) == 1 && read(report_fd, &r, sizeof r) == (ssize_t)sizeof r) {
    ++got;
    sum_read += r.first_read_us;
    sum_live += r.live_ms;
    sum_call += r.first_call_us;
    if (r.first_read_us > worst_read) worst_read = r.first_read_us;
    if (r.live_ms > worst_live) worst_live = r.live_ms;
  }
  CHECK(got == children);
  if (got == 0) return;
  printf("[figure] fork, %s (children: %d): first read %lld us after fork (mean; worst %lld us; the call itself "
         "%lld us), LIVE after %lld ms (mean; worst %lld ms)\n",
         what, got, sum_read / got, worst_read, sum_call / got, sum_live / got, worst_live);
}

/* Catches: a child that freezes on the inherited client (its threads do not exist), that
   cannot read before it connects, that resyncs with a full snapshot, or that never
   receives later writes; a parent whose link the children broke or kept. */
static void test_children_at_once(hs_client *c, test_server *server) {
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "fork", KEY("k"), KEY("100"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, kWait), HS_OK);
  hs_client_status before;
  get_status(c, &before);
  long long snapshots = metric(server->port, "hotstate_snapshots_total");
  long long catchups = metric(server->port, "hotstate_catchups_total");
  CHECK(snapshots >= 1 && catchups >= 0);

  child_pipes pipes;
  CHECK(open_pipes(&pipes) == 0);
  pid_t pids[kChildren];
  for (int i = 0; i < kChildren; ++i) pids[i] = fork_child(c, 100, &pipes);

  /* A write after every fork (and first read): each child must receive it on its own link. */
  wait_first_reads(&pipes, kChildren);
  CHECK_STATUS(hs_put_json(c, "fork", KEY("k"), KEY("101"), NULL, &rev), HS_OK);
  send_command(&pipes, rev, 101, kChildren);
  for (int i = 0; i < kChildren; ++i) {
    int code = exit_code(pids[i]);
    if (code != 0) fprintf(stderr, "child %d exited with %d (see enum child_failure)\n", i, code);
    CHECK(code == CHILD_OK);
  }
  print_reports("at once", pipes.report[0], kChildren);
  close_pipes(&pipes);

  /* The parent: same link, and it still follows the stream (and its callback fires). */
  CHECK_STATUS(hs_put_json(c, "fork", KEY("k"), KEY("102"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, kWait), HS_OK);
  CHECK(read_int(c, "k", -1) == 102);
  for (int i = 0; i < kWait / 10 && atomic_load(&g_seen_k) != 102; ++i) sleep_ms(10);
  CHECK(atomic_load(&g_seen_k) == 102);
  hs_client_status after;
  get_status(c, &after);
  CHECK(after.state == HS_LIVE);
  CHECK(after.connects == before.connects);
  CHECK(after.reconnect_attempts == 0);
  long long snapshots_after = metric(server->port, "hotstate_snapshots_total");
  long long catchups_after = metric(server->port, "hotstate_catchups_total");
  printf("[figure] fork, at once: server snapshots %lld -> %lld, catch-ups %lld -> %lld\n", snapshots,
         snapshots_after, catchups, catchups_after);
  CHECK(snapshots_after == snapshots);
  CHECK(catchups_after == catchups + kChildren);
}

static atomic_int g_writer_stop;

/* Writes in a loop while the parent forks: HTTP writes in flight, frames arriving,
   callbacks running at the moment of each fork. */
static void *writer(void *arg) {
  hs_client *c = arg;
  for (int i = 0; !atomic_load(&g_writer_stop) && i < 100000; ++i) {
    char value[24];
    snprintf(value, sizeof value, "%d", i);
    hs_put_json(c, "fork", KEY("busy"), KEY(value), NULL, NULL);
  }
  return NULL;
}

/* Catches a child that hangs or crashes because the parent was busy when it forked (a
   lock held by the I/O or callback thread, a half-published replica). */
static void test_children_one_after_another_while_busy(hs_client *c, test_server *server) {
  long long snapshots = metric(server->port, "hotstate_snapshots_total");
  long long catchups = metric(server->port, "hotstate_catchups_total");
  hs_client_status before;
  get_status(c, &before);
  pthread_t thread;
  atomic_store(&g_writer_stop, 0);
  CHECK(pthread_create(&thread, NULL, writer, c) == 0);
  child_pipes pipes;
  CHECK(open_pipes(&pipes) == 0);
  for (int i = 0; i < kChildren; ++i) {
    sleep_ms(20);
    int64_t value = read_int(c, "k", -1);  /* only this loop writes "k", and waits for it */
    pid_t pid = fork_child(c, value, &pipes);
    wait_first_reads(&pipes, 1);
    uint64_t rev = 0;
    char json[24];
    snprintf(json, sizeof json, "%d", 200 + i);
    CHECK_STATUS(hs_put_json(c, "fork", KEY("k"), KEY(json), NULL, &rev), HS_OK);
    send_command(&pipes, rev, (uint64_t)(200 + i), 1);
    int code = exit_code(pid);
    if (code != 0) fprintf(stderr, "busy child %d exited with %d (see enum child_failure)\n", i, code);
    CHECK(code == CHILD_OK);
    CHECK_STATUS(hs_client_wait_for_revision(c, rev, kWait), HS_OK);
  }
  atomic_store(&g_writer_stop, 1);
  pthread_join(thread, NULL);
  print_reports("one after another, writer running", pipes.report[0], kChildren);
  close_pipes(&pipes);
  hs_client_status after;
  get_status(c, &after);
  CHECK(after.state == HS_LIVE);
  CHECK(after.connects == before.connects);
  CHECK(metric(server->port, "hotstate_snapshots_total") == snapshots);
  CHECK(metric(server->port, "hotstate_catchups_total") == catchups + kChildren);
}

/* Catches a child that inherits a link being torn down and rebuilt (the parent was
   reconnecting when it forked) and hangs on it or takes the parent's new link. */
static void test_child_forked_while_the_parent_reconnects(hs_client *c) {
  child_pipes pipes;
  CHECK(open_pipes(&pipes) == 0);
  int64_t value = read_int(c, "k", -1);
  CHECK_STATUS(hs_client_reconnect_now(c), HS_OK);
  pid_t pid = fork_child(c, value, &pipes);
  wait_first_reads(&pipes, 1);
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "fork", KEY("k"), KEY("400"), NULL, &rev), HS_OK);
  send_command(&pipes, rev, 400, 1);
  int code = exit_code(pid);
  if (code != 0) fprintf(stderr, "child of a reconnecting parent exited with %d (see enum child_failure)\n", code);
  CHECK(code == CHILD_OK);
  print_reports("while the parent reconnects", pipes.report[0], 1);
  close_pipes(&pipes);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, kWait), HS_OK);
  CHECK_STATUS(hs_client_wait_ready(c, kWait), HS_OK);
}

/* Catches: threads started in a child that never uses the client (a worker that only
   runs other code, or exec()s); a close or free of an inherited client that hangs (joining
   threads that do not exist) or closes the parent's link; a closed client still open. */
static void test_child_that_only_closes(hs_client *c) {
  hs_client_status before;
  get_status(c, &before);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    sleep_ms(50);
    if (thread_count() != 1) _exit(CHILD_THREADS);
    hs_client_close(c);
    hs_record *r = NULL;
    if (hs_get(c, "fork", KEY("k"), &r) != HS_ERR_CLOSED) _exit(CHILD_NOT_CLOSED);
    hs_client_status s;
    get_status(c, &s);
    if (s.state != HS_CLOSED) _exit(CHILD_NOT_CLOSED);
    hs_client_free(c);
    if (thread_count() != 1) _exit(CHILD_THREADS);
    _exit(CHILD_OK);
  }
  CHECK(exit_code(pid) == CHILD_OK);
  /* Freed without any other call, as at a worker's exit. */
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    hs_client_free(c);
    _exit(thread_count() == 1 ? CHILD_OK : CHILD_THREADS);
  }
  CHECK(exit_code(pid) == CHILD_OK);
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "fork", KEY("k"), KEY("300"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, kWait), HS_OK);
  hs_client_status after;
  get_status(c, &after);
  CHECK(after.state == HS_LIVE);
  CHECK(after.connects == before.connects);
}

int main(void) {
  test_server server;
  if (test_server_start(&server, HOTSTATED_BINARY, NULL) != 0) return 1;
  hs_client *c = open_client(server.url);
  CHECK(c != NULL);
  if (!c) return 1;
  CHECK_STATUS(hs_client_wait_ready(c, kWait), HS_OK);
  hs_subscribe_options only_k = HS_SUBSCRIBE_OPTIONS_INIT;
  only_k.collection = "fork";
  only_k.key = "k";
  only_k.key_len = 1;
  CHECK_STATUS(hs_subscribe(c, &only_k, on_change, NULL, NULL, NULL), HS_OK);
  test_children_at_once(c, &server);
  test_children_one_after_another_while_busy(c, &server);
  test_child_forked_while_the_parent_reconnects(c);
  test_child_that_only_closes(c);
  hs_client_free(c);
  test_server_stop(&server);
  printf("e2e_fork_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
