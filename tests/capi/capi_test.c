/* capi_test — exercises every function of hotstate.h from plain C11, against a real
   hotstated started by the test (test_server.c). Each CHECK counts a pass or a failure;
   a failure prints file:line, what was expected and hs_last_error(). The last line is
   "capi: N passed, M failed"; the exit code is nonzero on any failure.

   Every wait is bounded; a watchdog ends the program if something hangs anyway. */
#define _POSIX_C_SOURCE 200809L

#include "hotstate.h"
#include "test_server.h"

#include <dirent.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef HOTSTATED_BINARY
#error "HOTSTATED_BINARY must name the hotstated executable"
#endif

/* ==== Checks ============================================================== */

static int g_passed;
static int g_failed;
static pthread_t g_main_thread;

/* Copies hs_last_error() before anything else calls into the library. */
static void last_error_copy(char *buf, size_t size) {
  const char *e = hs_last_error();
  snprintf(buf, size, "%s", e ? e : "(null)");
}

static int check_impl(int ok, const char *what, const char *file, int line) {
  if (ok) {
    ++g_passed;
    return 1;
  }
  char err[512];
  last_error_copy(err, sizeof err);
  ++g_failed;
  fprintf(stderr, "%s:%d: FAILED: %s (hs_last_error: \"%.300s\")\n", file, line, what, err);
  return 0;
}

/* The call must return `expected`; a failure status must also leave a message in
   hs_last_error(). */
static int check_status_impl(hs_status got, hs_status expected, const char *what, const char *file,
                             int line) {
  char err[512];
  last_error_copy(err, sizeof err);
  if (got == expected && (expected == HS_OK || err[0] != '\0')) {
    ++g_passed;
    return 1;
  }
  ++g_failed;
  if (got == expected)
    fprintf(stderr, "%s:%d: FAILED: %s returned %s as expected, but hs_last_error() is empty\n", file,
            line, what, hs_status_name(got));
  else
    fprintf(stderr, "%s:%d: FAILED: %s: expected %s, got %s (hs_last_error: \"%.300s\")\n", file, line, what,
            hs_status_name(expected), hs_status_name(got), err);
  return 0;
}

static int check_str_impl(const char *got, const char *expected, const char *what, const char *file,
                          int line) {
  if (got && strcmp(got, expected) == 0) {
    ++g_passed;
    return 1;
  }
  ++g_failed;
  fprintf(stderr, "%s:%d: FAILED: %s: expected \"%s\", got \"%s\"\n", file, line, what, expected,
          got ? got : "(null)");
  return 0;
}

static int check_u64_impl(uint64_t got, uint64_t expected, const char *what, const char *file, int line) {
  if (got == expected) {
    ++g_passed;
    return 1;
  }
  ++g_failed;
  fprintf(stderr, "%s:%d: FAILED: %s: expected %llu, got %llu\n", file, line, what,
          (unsigned long long)expected, (unsigned long long)got);
  return 0;
}

#define CHECK(cond) check_impl((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
#define CHECK_STATUS(call, expected) check_status_impl((call), (expected), #call, __FILE__, __LINE__)
#define CHECK_OK(call) CHECK_STATUS(call, HS_OK)
#define CHECK_INVALID(call) CHECK_STATUS(call, HS_ERR_INVALID_ARGUMENT)
#define CHECK_STR(got, expected) check_str_impl((got), (expected), #got, __FILE__, __LINE__)
#define CHECK_U64(got, expected) check_u64_impl((uint64_t)(got), (uint64_t)(expected), #got, __FILE__, __LINE__)

/* A subscribe call that must fail with HS_ERR_INVALID_ARGUMENT. Should it succeed, the
   subscription is removed at once: its user_data lives on this stack frame. */
#define CHECK_SUBSCRIBE_INVALID(client, id, call)                                            \
  do {                                                                                       \
    (id) = 0;                                                                                \
    hs_status subscribe_status_ = (call);                                                    \
    check_status_impl(subscribe_status_, HS_ERR_INVALID_ARGUMENT, #call, __FILE__, __LINE__); \
    if (subscribe_status_ == HS_OK) hs_unsubscribe((client), (id));                          \
  } while (0)

/* A (pointer, length) key from a string literal or array. */
#define KEY(s) (s), strlen(s)

/* hs_subscribe with the filters as arguments, as most cases here need one line each. */
static hs_status subscribe_filtered(hs_client *c, const char *collection, const char *prefix, size_t prefix_len,
                                    const char *key, size_t key_len, uint32_t flags, hs_change_fn fn, void *user_data,
                                    hs_free_fn free_user_data, uint64_t *subscription_out) {
  hs_subscribe_options options = HS_SUBSCRIBE_OPTIONS_INIT;
  options.collection = collection;
  options.prefix = prefix;
  options.prefix_len = prefix_len;
  options.key = key;
  options.key_len = key_len;
  options.flags = flags;
  return hs_subscribe(c, &options, fn, user_data, free_user_data, subscription_out);
}

/* A bad option is refused by its setter (whose status is `set`) or, at the latest, by
   hs_client_open; either way no client is made. Frees `o`. */
static void expect_refused(hs_options *o, hs_status set) {
  if (set == HS_OK) {
    hs_client *c = NULL;
    CHECK_INVALID(hs_client_open(o, &c));
    CHECK(c == NULL);
    hs_client_free(c);
  } else {
    CHECK_STATUS(set, HS_ERR_INVALID_ARGUMENT);
  }
  hs_options_free(o);
}

/* Polls `cond` every 2 ms for at most `ms`. */
#define WAIT_UNTIL(cond, ms)                                  \
  do {                                                        \
    const long long wait_deadline_ = now_ms() + (ms);         \
    while (!(cond) && now_ms() < wait_deadline_) sleep_ms(2); \
  } while (0)

enum { WAIT_MS = 5000 };

static void on_watchdog(int sig) {
  (void)sig;
  static const char msg[] = "capi_test: watchdog: still running after 240 s, giving up\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  _exit(3);
}

/* ==== Small helpers ======================================================== */

/* Options for a client of `url` selecting collections t, cb (whole) and sel (prefix in/). */
static hs_options *make_options(const char *url, uint32_t stale_after_ms, const char *cache_path) {
  hs_options *o = NULL;
  if (!CHECK_OK(hs_options_new(&o))) return NULL;
  CHECK(o != NULL);
  CHECK_OK(hs_options_add_url(o, url));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_OK(hs_options_add_selector(o, "cb", ""));
  CHECK_OK(hs_options_add_selector(o, "sel", "in/"));
  CHECK_OK(hs_options_set_stale_after(o, stale_after_ms));
  CHECK_OK(hs_options_set_backoff_initial(o, 20));
  CHECK_OK(hs_options_set_backoff_max(o, 200));
  CHECK_OK(hs_options_set_connect_timeout(o, 1000));
  CHECK_OK(hs_options_set_request_timeout(o, 3000));
  CHECK_OK(hs_options_set_client_name(o, "capi_test"));
  CHECK_OK(hs_options_set_token(o, "capi-test-token"));
  if (cache_path) {
    CHECK_OK(hs_options_set_cache_path(o, cache_path));
    CHECK_OK(hs_options_set_cache_interval(o, 100));
  }
  return o;
}

static hs_client *open_client(const char *url, uint32_t stale_after_ms, const char *cache_path) {
  hs_options *o = make_options(url, stale_after_ms, cache_path);
  hs_client *c = NULL;
  CHECK_OK(hs_client_open(o, &c));
  hs_options_free(o); /* the client does not need the options any more */
  CHECK(c != NULL);
  return c;
}

/* PUT via the ABI and wait until the replica has it. Returns the revision (0 on error). */
static uint64_t put_wait(hs_client *c, const char *collection, const char *key, const char *json) {
  uint64_t revision = 0;
  if (!CHECK_OK(hs_put_json(c, collection, key, strlen(key), json, strlen(json), NULL, &revision)))
    return 0;
  CHECK(revision > 0);
  CHECK_OK(hs_client_wait_for_revision(c, revision, WAIT_MS));
  return revision;
}

/* The record's value as JSON in buf ("-" for NULL, "!" on error). */
static void json_of(const hs_record *record, char *buf, size_t size) {
  if (!record) {
    snprintf(buf, size, "-");
    return;
  }
  char *json = NULL;
  size_t len = 0;
  if (hs_record_json(record, &json, &len) != HS_OK || !json) {
    snprintf(buf, size, "!");
    return;
  }
  snprintf(buf, size, "%s", json);
  hs_free(json);
}

/* hs_get + JSON; returns the hs_get status. */
static hs_status get_json(hs_client *c, const char *collection, const char *key, size_t key_len, char *buf,
                          size_t size) {
  hs_record *record = NULL;
  hs_status s = hs_get(c, collection, key, key_len, &record);
  json_of(record, buf, size);
  hs_record_free(record);
  return s;
}

static uint64_t mod_revision_of(const hs_record *record) {
  uint64_t create = 0, mod = 0, version = 0;
  if (hs_record_revisions(record, &create, &mod, &version) != HS_OK) return 0;
  return mod;
}

static hs_client_status status_of(hs_client *c) {
  hs_client_status st = HS_CLIENT_STATUS_INIT;
  if (hs_client_status_get(c, &st) != HS_OK) st.state = HS_CLOSED;
  return st;
}

/* ==== Callback recorders =================================================== */

enum { MAX_EVENTS = 32 };

typedef struct change_event {
  uint64_t revision;
  size_t batch_count;
  int is_reset;
  char collection[32];
  char key[64];
  char before[64];
  char after[64];
} change_event;

typedef struct recorder {
  pthread_mutex_t mu;
  hs_client *client;      /* read from (and maybe written to / closed) inside the callback */
  atomic_int calls;       /* incremented last in each call */
  atomic_int frees;       /* free_user_data calls */
  int nevents;
  change_event events[MAX_EVENTS];
  uint64_t last_revision;
  int out_of_order;       /* a batch at or below the previous one's revision */
  int on_main_thread;     /* a callback ran on the thread that called the library */
  int errors;             /* failed calls inside the callback */
  int replica_behind;     /* the client's revision was below the batch's during the call */
  int bad_index_accepted; /* hs_change_batch_get(count) did not return INVALID_ARGUMENT */
  /* Actions taken from inside the callback: */
  int unsubscribe_self;
  atomic_ullong self_id;
  hs_status unsubscribe_status;
  int close_client;
  const char *write_key; /* put cb/<write_key> from the callback */
  hs_status write_status;
} recorder;

static void recorder_init(recorder *r, hs_client *client) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  r->client = client;
  atomic_init(&r->calls, 0);
  atomic_init(&r->frees, 0);
  atomic_init(&r->self_id, 0);
  r->unsubscribe_status = HS_ERR_INTERNAL;
  r->write_status = HS_ERR_INTERNAL;
}

static void recorder_destroy(recorder *r) { pthread_mutex_destroy(&r->mu); }

static int calls_of(recorder *r) { return atomic_load(&r->calls); }
static int frees_of(recorder *r) { return atomic_load(&r->frees); }

/* Changes recorded for `collection`. */
static int events_in(recorder *r, const char *collection) {
  int n = 0;
  pthread_mutex_lock(&r->mu);
  for (int i = 0; i < r->nevents; ++i) n += strcmp(r->events[i].collection, collection) == 0;
  pthread_mutex_unlock(&r->mu);
  return n;
}

static void count_free(void *user_data) { atomic_fetch_add(&((recorder *)user_data)->frees, 1); }

static void copy_key(const hs_record *record, char *buf, size_t size) {
  const char *key = NULL;
  size_t len = 0;
  if (!record || hs_record_key(record, &key, &len) != HS_OK || !key) {
    snprintf(buf, size, "!");
    return;
  }
  snprintf(buf, size, "%.*s", (int)len, key);
}

static void on_change(const hs_change_batch *batch, void *user_data) {
  recorder *r = user_data;
  const uint64_t revision = hs_change_batch_revision(batch);
  const size_t n = hs_change_batch_count(batch);
  pthread_mutex_lock(&r->mu);
  if (pthread_equal(pthread_self(), g_main_thread)) r->on_main_thread = 1;
  if (revision <= r->last_revision) r->out_of_order++;
  r->last_revision = revision;
  if (n == 0) r->errors++;
  /* The replica applied the batch before the call: reading from the client works and is
     at least at this revision. */
  hs_client_status st = HS_CLIENT_STATUS_INIT;
  if (hs_client_status_get(r->client, &st) != HS_OK) {
    if (!r->close_client) r->errors++;
  } else if (st.revision < revision) {
    r->replica_behind++;
  }
  for (size_t i = 0; i < n; ++i) {
    const hs_record *before = NULL, *after = NULL;
    if (hs_change_batch_get(batch, i, &before, &after) != HS_OK || (!before && !after)) {
      r->errors++;
      continue;
    }
    const hs_record *either = after ? after : before;
    if (r->nevents < MAX_EVENTS) {
      change_event *e = &r->events[r->nevents++];
      e->revision = revision;
      e->batch_count = n;
      e->is_reset = hs_change_batch_is_reset(batch);
      const char *collection = NULL;
      if (hs_record_collection(either, &collection) == HS_OK && collection)
        snprintf(e->collection, sizeof e->collection, "%s", collection);
      copy_key(either, e->key, sizeof e->key);
      json_of(before, e->before, sizeof e->before);
      json_of(after, e->after, sizeof e->after);
    }
    const char *key = NULL, *collection = NULL;
    size_t key_len = 0;
    hs_record *now = NULL;
    if (hs_record_key(either, &key, &key_len) == HS_OK && hs_record_collection(either, &collection) == HS_OK) {
      hs_status s = hs_get(r->client, collection, key, key_len, &now);
      if (s != HS_OK && s != HS_ERR_NOT_FOUND && !r->close_client) r->errors++;
      hs_record_free(now);
    } else {
      r->errors++;
    }
  }
  const hs_record *b = NULL, *a = NULL;
  if (hs_change_batch_get(batch, n, &b, &a) != HS_ERR_INVALID_ARGUMENT) r->bad_index_accepted++;
  pthread_mutex_unlock(&r->mu);

  if (r->unsubscribe_self && atomic_load(&r->calls) == 0)
    r->unsubscribe_status = hs_unsubscribe(r->client, (uint64_t)atomic_load(&r->self_id));
  if (r->write_key) {
    char json[32];
    snprintf(json, sizeof json, "%llu", (unsigned long long)revision);
    r->write_status = hs_put_json(r->client, "cb", KEY(r->write_key), KEY(json), NULL, NULL);
  }
  if (r->close_client) hs_client_close(r->client);
  atomic_fetch_add(&r->calls, 1);
}

typedef struct status_recorder {
  atomic_int calls;
  atomic_int frees;
  atomic_uint seen_mask; /* 1 << state for every state told */
  atomic_int last_state;
  atomic_int bad_struct; /* struct_size other than ours, or an impossible state */
} status_recorder;

static void status_recorder_init(status_recorder *r) {
  atomic_init(&r->calls, 0);
  atomic_init(&r->frees, 0);
  atomic_init(&r->seen_mask, 0u);
  atomic_init(&r->last_state, -1);
  atomic_init(&r->bad_struct, 0);
}

static void on_status(const hs_client_status *status, void *user_data) {
  status_recorder *r = user_data;
  if (!status || status->struct_size != sizeof(hs_client_status) || (int)status->state < HS_CONNECTING ||
      (int)status->state > HS_CLOSED || !memchr(status->last_error, '\0', sizeof status->last_error)) {
    atomic_fetch_add(&r->bad_struct, 1);
  } else {
    atomic_fetch_or(&r->seen_mask, 1u << (unsigned)status->state);
    atomic_store(&r->last_state, (int)status->state);
  }
  atomic_fetch_add(&r->calls, 1);
}

static void count_status_free(void *user_data) { atomic_fetch_add(&((status_recorder *)user_data)->frees, 1); }

static int seen(status_recorder *r, hs_link_state state) {
  return (atomic_load(&r->seen_mask) & (1u << (unsigned)state)) != 0;
}

/* ==== Version, names, memory =============================================== */

static void test_version_and_names(void) {
  CHECK(hs_abi_version() == HS_ABI_VERSION);
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", HS_VERSION_MAJOR, HS_VERSION_MINOR, HS_VERSION_PATCH);
  CHECK_STR(hs_version(), expected);

  static const struct {
    hs_status status;
    const char *name;
  } names[] = {
      {HS_OK, "HS_OK"},
      {HS_ERR_INVALID_ARGUMENT, "HS_ERR_INVALID_ARGUMENT"},
      {HS_ERR_NOT_FOUND, "HS_ERR_NOT_FOUND"},
      {HS_ERR_CONDITION_FAILED, "HS_ERR_CONDITION_FAILED"},
      {HS_ERR_TIMEOUT, "HS_ERR_TIMEOUT"},
      {HS_ERR_UNAVAILABLE, "HS_ERR_UNAVAILABLE"},
      {HS_ERR_CLOSED, "HS_ERR_CLOSED"},
      {HS_ERR_REFUSED, "HS_ERR_REFUSED"},
      {HS_ERR_TYPE_MISMATCH, "HS_ERR_TYPE_MISMATCH"},
      {HS_ERR_NO_MEMORY, "HS_ERR_NO_MEMORY"},
      {HS_ERR_INTERNAL, "HS_ERR_INTERNAL"},
      {HS_ERR_PERMISSION_DENIED, "HS_ERR_PERMISSION_DENIED"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    CHECK((int)names[i].status == (int)i); /* stable numbers */
    CHECK_STR(hs_status_name(names[i].status), names[i].name);
  }
  /* A number the header does not know still gets a string, never NULL. */
  CHECK(hs_status_name((hs_status)999) != NULL);

  hs_free(NULL);
  hs_options_free(NULL);
  hs_client_close(NULL);
  hs_client_free(NULL);
  hs_record_free(NULL);
  hs_iter_free(NULL);
  hs_read_free(NULL);
  ++g_passed; /* the free functions took NULL without crashing */
}

/* ==== hs_last_error is per thread ========================================= */

typedef struct thread_errors {
  char before[256]; /* this thread's message before any failure */
  char after[256];  /* after a failure of its own */
} thread_errors;

static void *error_thread(void *arg) {
  thread_errors *t = arg;
  last_error_copy(t->before, sizeof t->before);
  (void)hs_options_set_token(NULL, "x");
  last_error_copy(t->after, sizeof t->after);
  return NULL;
}

static void test_last_error_per_thread(void) {
  CHECK_INVALID(hs_options_add_url(NULL, "http://127.0.0.1:1"));
  char mine[256];
  last_error_copy(mine, sizeof mine);
  CHECK(mine[0] != '\0');

  thread_errors t;
  memset(&t, 0, sizeof t);
  pthread_t thread;
  if (CHECK(pthread_create(&thread, NULL, error_thread, &t) == 0)) {
    pthread_join(thread, NULL);
    CHECK_STR(t.before, "");  /* "" when the thread has no failed call */
    CHECK(t.after[0] != '\0');
    CHECK_STR(hs_last_error(), mine); /* the other thread's failure did not touch ours */
  }
}

/* ==== Options ============================================================= */

static void test_options(const char *url) {
  CHECK_INVALID(hs_options_new(NULL));
  hs_options *o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK(o != NULL);

  CHECK_INVALID(hs_options_add_url(NULL, url));
  CHECK_INVALID(hs_options_add_url(o, NULL));
  CHECK_INVALID(hs_options_add_selector(NULL, "t", NULL));
  CHECK_INVALID(hs_options_add_selector(o, NULL, NULL));
  CHECK_INVALID(hs_options_set_cache_path(NULL, "/tmp/x"));
  CHECK_INVALID(hs_options_set_cache_path(o, NULL));
  CHECK_INVALID(hs_options_set_cache_interval(NULL, 0));
  CHECK_INVALID(hs_options_set_stale_after(NULL, 0));
  CHECK_INVALID(hs_options_set_backoff_initial(NULL, 10));
  CHECK_INVALID(hs_options_set_backoff_max(NULL, 100));
  CHECK_INVALID(hs_options_set_connect_timeout(NULL, 10));
  CHECK_INVALID(hs_options_set_request_timeout(NULL, 100));
  CHECK_INVALID(hs_options_set_client_name(NULL, "x"));
  CHECK_INVALID(hs_options_set_client_name(o, NULL));
  CHECK_INVALID(hs_options_set_token(NULL, "x"));
  CHECK_INVALID(hs_options_set_token(o, NULL));
  CHECK_INVALID(hs_options_set_ca_file(NULL, ""));
  CHECK_INVALID(hs_options_set_ca_file(o, NULL));
  hs_client *c = NULL;
  CHECK_INVALID(hs_client_open(NULL, &c));
  CHECK(c == NULL);
  CHECK_INVALID(hs_client_open(o, NULL));

  /* No URL. */
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_INVALID(hs_client_open(o, &c));
  CHECK(c == NULL);
  hs_client_free(c);
  hs_options_free(o);

  /* No selector. */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, url));
  c = NULL;
  CHECK_INVALID(hs_client_open(o, &c));
  CHECK(c == NULL);
  hs_client_free(c);
  hs_options_free(o);

  /* A bad collection name is refused by the setter or, at the latest, by open. */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, url));
  hs_status s = hs_options_add_selector(o, "no spaces/or slashes", NULL);
  expect_refused(o, s);

  /* A URL that is not one, likewise. */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  s = hs_options_add_url(o, "not a url");
  expect_refused(o, s);

  /* Backoff whose initial delay exceeds its maximum, likewise. */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, url));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_OK(hs_options_set_backoff_initial(o, 500));
  s = hs_options_set_backoff_max(o, 100);
  expect_refused(o, s);

  /* An initial delay over the core's default maximum (0: 10 s) is refused at open too: 0
     means the core's default, not "no limit". */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, url));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_OK(hs_options_set_backoff_max(o, 0));
  s = hs_options_set_backoff_initial(o, 20000);
  expect_refused(o, s);

  /* 0 for every duration is the core's default: the client opens and works. */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, url));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_OK(hs_options_set_cache_interval(o, 0));
  CHECK_OK(hs_options_set_stale_after(o, 0));
  CHECK_OK(hs_options_set_backoff_initial(o, 0));
  CHECK_OK(hs_options_set_backoff_max(o, 0));
  CHECK_OK(hs_options_set_connect_timeout(o, 0));
  CHECK_OK(hs_options_set_request_timeout(o, 0));
  CHECK_OK(hs_options_set_token(o, "capi-test-token"));
  c = NULL;
  CHECK_OK(hs_client_open(o, &c));
  hs_options_free(o);
  CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
  hs_client_free(c);
  c = NULL;

  /* A CA file that does not exist: refused by open, which names the file. */
  o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, "https://127.0.0.1:1"));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_OK(hs_options_set_ca_file(o, "/nonexistent/hotstate-ca.pem"));
  c = NULL;
  CHECK_INVALID(hs_client_open(o, &c));
  CHECK(c == NULL);
  CHECK(strstr(hs_last_error(), "/nonexistent/hotstate-ca.pem") != NULL);
  hs_options_free(o);
}

/* ==== The main client: reads, writes, callbacks ============================ */

static uint8_t g_flex[4096]; /* a record's value, for hs_put_flex against a dead server */
static size_t g_flex_len;

static void test_null_arguments_with_client(hs_client *c) {
  hs_client_status st = HS_CLIENT_STATUS_INIT;
  CHECK_INVALID(hs_client_status_get(NULL, &st));
  CHECK_INVALID(hs_client_status_get(c, NULL));
  CHECK_INVALID(hs_client_wait_ready(NULL, 10));
  CHECK_INVALID(hs_client_wait_for_revision(NULL, 1, 10));
  CHECK_INVALID(hs_client_reconnect_now(NULL));

  hs_record *rec = NULL;
  CHECK_INVALID(hs_get(NULL, "t", KEY("k"), &rec));
  CHECK_INVALID(hs_get(c, NULL, KEY("k"), &rec));
  CHECK_INVALID(hs_get(c, "t", NULL, 1, &rec));
  CHECK_INVALID(hs_get(c, "t", KEY("k"), NULL));
  CHECK(rec == NULL);

  hs_iter *it = NULL;
  CHECK_INVALID(hs_scan(NULL, "t", NULL, 0, &it));
  CHECK_INVALID(hs_scan(c, NULL, NULL, 0, &it));
  CHECK_INVALID(hs_scan(c, "t", NULL, 3, &it)); /* NULL prefix with a length */
  CHECK_INVALID(hs_scan(c, "t", NULL, 0, NULL));
  CHECK(it == NULL);
  const hs_record *lent = NULL;
  CHECK_INVALID(hs_iter_next(NULL, &lent));
  CHECK(hs_iter_count(NULL) == 0);

  hs_read *rd = NULL;
  CHECK_INVALID(hs_read_begin(NULL, &rd));
  CHECK_INVALID(hs_read_begin(c, NULL));
  CHECK(hs_read_revision(NULL) == 0);
  CHECK_INVALID(hs_read_get(NULL, "t", KEY("k"), &lent));
  CHECK_INVALID(hs_read_scan(NULL, "t", NULL, 0, &it));

  uint64_t rev = 0;
  CHECK_INVALID(hs_put_json(NULL, "t", KEY("k"), KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, NULL, KEY("k"), KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "t", NULL, 1, KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "t", KEY("k"), NULL, 1, NULL, &rev));
  CHECK_INVALID(hs_put_flex(NULL, "t", KEY("k"), (const uint8_t *)"x", 1, NULL, &rev));
  CHECK_INVALID(hs_put_flex(c, "t", KEY("k"), NULL, 4, NULL, &rev));
  CHECK_INVALID(hs_put_flex(c, NULL, KEY("k"), (const uint8_t *)"x", 1, NULL, &rev));
  CHECK_INVALID(hs_delete(NULL, "t", KEY("k"), NULL, &rev));
  CHECK_INVALID(hs_delete(c, NULL, KEY("k"), NULL, &rev));
  CHECK_INVALID(hs_delete(c, "t", NULL, 1, NULL, &rev));
  CHECK_INVALID(hs_txn(NULL, KEY("{\"ops\":[]}"), &rev));
  CHECK_INVALID(hs_txn(c, NULL, 4, &rev));

  CHECK(hs_change_batch_revision(NULL) == 0);
  CHECK(hs_change_batch_is_reset(NULL) == 0);
  CHECK(hs_change_batch_count(NULL) == 0);
  const hs_record *before = NULL, *after = NULL;
  CHECK_INVALID(hs_change_batch_get(NULL, 0, &before, &after));

  recorder r;
  recorder_init(&r, c);
  uint64_t id = 0;
  CHECK_SUBSCRIBE_INVALID(c, id, subscribe_filtered(NULL, "cb", NULL, 0, NULL, 0, 0, on_change, &r, NULL, &id));
  CHECK_SUBSCRIBE_INVALID(c, id, subscribe_filtered(c, "cb", NULL, 0, NULL, 0, 0, NULL, &r, NULL, &id));
  CHECK_SUBSCRIBE_INVALID(c, id, subscribe_filtered(c, "cb", NULL, 2, NULL, 0, 0, on_change, &r, NULL, &id));
  CHECK_SUBSCRIBE_INVALID(c, id, subscribe_filtered(c, "cb", NULL, 0, NULL, 2, 0, on_change, &r, NULL, &id));
  CHECK_SUBSCRIBE_INVALID(c, id,
                          subscribe_filtered(c, "not a collection", NULL, 0, NULL, 0, 0, on_change, &r, NULL, &id));
  status_recorder sr;
  status_recorder_init(&sr);
  CHECK_SUBSCRIBE_INVALID(c, id, hs_subscribe_status(NULL, on_status, &sr, NULL, &id));
  CHECK_SUBSCRIBE_INVALID(c, id, hs_subscribe_status(c, NULL, &sr, NULL, &id));
  CHECK_INVALID(hs_unsubscribe(NULL, 1));
  CHECK(calls_of(&r) == 0);
  recorder_destroy(&r);

  /* The header does not say whether free_user_data runs when hs_subscribe fails; report
     what this library does. */
  recorder f;
  recorder_init(&f, c);
  CHECK_SUBSCRIBE_INVALID(
      c, id, subscribe_filtered(c, "not a collection", NULL, 0, NULL, 0, 0, on_change, &f, count_free, &id));
  printf("note: a failed hs_subscribe called free_user_data %d time(s)\n", frees_of(&f));
  recorder_destroy(&f);
}

static void test_status_struct(hs_client *c) {
  hs_client_status st = HS_CLIENT_STATUS_INIT;
  CHECK(st.struct_size == sizeof(hs_client_status));
  CHECK(st.since_last_contact_ms == -1);
  CHECK_OK(hs_client_status_get(c, &st));
  CHECK(st.struct_size == sizeof(hs_client_status));
  CHECK(st.state == HS_LIVE);
  CHECK(st.source == HS_SOURCE_SERVER);
  CHECK(st.epoch != 0);
  CHECK(st.connects >= 1);
  CHECK(st.since_last_contact_ms >= 0);
  CHECK(st.server_revision >= st.revision);
  CHECK(memchr(st.last_error, '\0', sizeof st.last_error) != NULL);

  /* A caller built against a newer header: the library must not write past what it knows. */
  struct {
    hs_client_status status;
    unsigned char tail[64];
  } bigger;
  memset(&bigger, 0xCD, sizeof bigger);
  bigger.status.struct_size = (uint32_t)sizeof bigger;
  CHECK_OK(hs_client_status_get(c, &bigger.status));
  CHECK(bigger.status.state == HS_LIVE);
  int tail_intact = 1;
  for (size_t i = 0; i < sizeof bigger.tail; ++i) tail_intact &= bigger.tail[i] == 0xCD;
  CHECK(tail_intact);

  /* A caller built against an older, shorter struct: nothing beyond struct_size is written. */
  hs_client_status older;
  memset(&older, 0xAB, sizeof older);
  older.struct_size = (uint32_t)offsetof(hs_client_status, epoch);
  CHECK_OK(hs_client_status_get(c, &older));
  CHECK(older.state == HS_LIVE);
  const unsigned char *bytes = (const unsigned char *)&older;
  int rest_intact = 1;
  for (size_t i = offsetof(hs_client_status, epoch); i < sizeof older; ++i) rest_intact &= bytes[i] == 0xAB;
  CHECK(rest_intact);
}

static void test_writes_and_reads(hs_client *c) {
  char buf[256];
  uint64_t rev = 0;

  /* Values of every type, and their typed reads. */
  put_wait(c, "t", "bool", "true");
  put_wait(c, "t", "int", "-42");
  put_wait(c, "t", "big", "9007199254740993");
  put_wait(c, "t", "dbl", "1.5");
  put_wait(c, "t", "str", "\"h\xc3\xa9llo\"");
  put_wait(c, "t", "null", "null");
  uint64_t obj_rev = put_wait(c, "t", "obj", "{\"b\": 1, \"a\": [true, null, \"x\"], \"c\": 1.0}");

  hs_record *rb = NULL, *ri = NULL, *rbig = NULL, *rd = NULL, *rs = NULL, *rn = NULL, *ro = NULL;
  CHECK_OK(hs_get(c, "t", KEY("bool"), &rb));
  CHECK_OK(hs_get(c, "t", KEY("int"), &ri));
  CHECK_OK(hs_get(c, "t", KEY("big"), &rbig));
  CHECK_OK(hs_get(c, "t", KEY("dbl"), &rd));
  CHECK_OK(hs_get(c, "t", KEY("str"), &rs));
  CHECK_OK(hs_get(c, "t", KEY("null"), &rn));
  CHECK_OK(hs_get(c, "t", KEY("obj"), &ro));
  if (rb && ri && rbig && rd && rs && rn && ro) {
    int b = -1;
    int64_t i64 = 0;
    double d = 0;
    const char *s = NULL;
    size_t slen = 0;
    CHECK_OK(hs_record_bool(rb, &b));
    CHECK(b == 1);
    CHECK_OK(hs_record_int64(ri, &i64));
    CHECK(i64 == -42);
    CHECK_OK(hs_record_int64(rbig, &i64));
    CHECK(i64 == INT64_C(9007199254740993));
    CHECK_OK(hs_record_double(rd, &d));
    CHECK(d == 1.5);
    CHECK_OK(hs_record_string(rs, &s, &slen));
    CHECK(slen == 6 && s && memcmp(s, "h\xc3\xa9llo", 6) == 0);

    CHECK_STATUS(hs_record_bool(rs, &b), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_bool(ro, &b), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_bool(rn, &b), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_int64(rs, &i64), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_int64(ro, &i64), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_int64(rd, &i64), HS_ERR_TYPE_MISMATCH); /* 1.5 is no integer */
    CHECK_STATUS(hs_record_double(rs, &d), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_double(ro, &d), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_string(ri, &s, &slen), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_string(rb, &s, &slen), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_string(rn, &s, &slen), HS_ERR_TYPE_MISMATCH);
    CHECK_STATUS(hs_record_string(ro, &s, &slen), HS_ERR_TYPE_MISMATCH);

    CHECK_INVALID(hs_record_bool(NULL, &b));
    CHECK_INVALID(hs_record_bool(rb, NULL));
    CHECK_INVALID(hs_record_int64(NULL, &i64));
    CHECK_INVALID(hs_record_int64(ri, NULL));
    CHECK_INVALID(hs_record_double(NULL, &d));
    CHECK_INVALID(hs_record_double(rd, NULL));
    CHECK_INVALID(hs_record_string(NULL, &s, &slen));
    CHECK_INVALID(hs_record_string(rs, NULL, &slen));
    CHECK_INVALID(hs_record_string(rs, &s, NULL));

    /* JSON rendering: members sorted, 1.0 stays 1.0, 64-bit integers exact. */
    char *json = NULL;
    size_t len = 0;
    CHECK_OK(hs_record_json(ro, &json, &len));
    if (CHECK(json != NULL)) {
      CHECK_STR(json, "{\"a\":[true,null,\"x\"],\"b\":1,\"c\":1.0}");
      CHECK(len == strlen(json));
      hs_free(json);
    }
    json_of(rbig, buf, sizeof buf);
    CHECK_STR(buf, "9007199254740993");
    json_of(rs, buf, sizeof buf);
    CHECK_STR(buf, "\"h\xc3\xa9llo\"");
    json_of(rn, buf, sizeof buf);
    CHECK_STR(buf, "null");
    CHECK_INVALID(hs_record_json(NULL, &json, &len));
    CHECK_INVALID(hs_record_json(ro, NULL, &len));

    /* Zero-copy views. */
    const uint8_t *flex = NULL;
    size_t flex_len = 0;
    CHECK_OK(hs_record_value(ro, &flex, &flex_len));
    CHECK(flex != NULL && flex_len > 0);
    if (flex && flex_len > 0 && flex_len <= sizeof g_flex) {
      memcpy(g_flex, flex, flex_len);
      g_flex_len = flex_len;
    }
    CHECK_INVALID(hs_record_value(NULL, &flex, &flex_len));
    CHECK_INVALID(hs_record_value(ro, NULL, &flex_len));
    CHECK_INVALID(hs_record_value(ro, &flex, NULL));
    const char *key = NULL;
    size_t key_len = 0;
    CHECK_OK(hs_record_key(ro, &key, &key_len));
    CHECK(key_len == 3 && key && memcmp(key, "obj", 3) == 0);
    CHECK_INVALID(hs_record_key(NULL, &key, &key_len));
    CHECK_INVALID(hs_record_key(ro, NULL, &key_len));
    CHECK_INVALID(hs_record_key(ro, &key, NULL));
    const char *collection = NULL;
    CHECK_OK(hs_record_collection(ro, &collection));
    CHECK_STR(collection, "t");
    CHECK_INVALID(hs_record_collection(NULL, &collection));
    CHECK_INVALID(hs_record_collection(ro, NULL));
    uint64_t create = 0, mod = 0, version = 0;
    CHECK_OK(hs_record_revisions(ro, &create, &mod, &version));
    CHECK_U64(create, obj_rev);
    CHECK_U64(mod, obj_rev);
    CHECK_U64(version, 1);
    CHECK_INVALID(hs_record_revisions(NULL, &create, &mod, &version));

    /* hs_put_flex with bytes straight from another record's value. */
    if (CHECK_OK(hs_put_flex(c, "t", KEY("obj-copy"), flex, flex_len, NULL, &rev))) {
      CHECK_OK(hs_client_wait_for_revision(c, rev, WAIT_MS));
      CHECK(get_json(c, "t", KEY("obj-copy"), buf, sizeof buf) == HS_OK);
      CHECK_STR(buf, "{\"a\":[true,null,\"x\"],\"b\":1,\"c\":1.0}");
    }
    static const uint8_t not_flex[] = {0xff, 0xff, 0xff, 0x07}; /* byte width 7: no FlexBuffer */
    CHECK_INVALID(hs_put_flex(c, "t", KEY("bad-flex"), not_flex, sizeof not_flex, NULL, &rev));
    CHECK_INVALID(hs_put_flex(c, "t", KEY("bad-flex"), flex, 0, NULL, &rev));

    /* A record is immutable: overwriting the key does not change the one we hold. */
    uint64_t obj2 = put_wait(c, "t", "obj", "{\"z\":0}");
    json_of(ro, buf, sizeof buf);
    CHECK_STR(buf, "{\"a\":[true,null,\"x\"],\"b\":1,\"c\":1.0}");
    CHECK(flex_len > 0 && memcmp(flex, g_flex, flex_len) == 0); /* view still readable */
    CHECK(get_json(c, "t", KEY("obj"), buf, sizeof buf) == HS_OK);
    CHECK_STR(buf, "{\"z\":0}");
    hs_record *ro2 = NULL;
    CHECK_OK(hs_get(c, "t", KEY("obj"), &ro2));
    CHECK_OK(hs_record_revisions(ro2, &create, &mod, &version));
    CHECK_U64(create, obj_rev);
    CHECK_U64(mod, obj2);
    CHECK_U64(version, 2);
    hs_record_free(ro2);
  }
  hs_record_free(rb);
  hs_record_free(ri);
  hs_record_free(rbig);
  hs_record_free(rd);
  hs_record_free(rs);
  hs_record_free(rn);
  hs_record_free(ro);

  /* Not found. */
  hs_record *missing = (hs_record *)&rev; /* must be reset to NULL */
  CHECK_STATUS(hs_get(c, "t", KEY("no-such-key"), &missing), HS_ERR_NOT_FOUND);
  CHECK(missing == NULL);
  CHECK_STATUS(hs_delete(c, "t", KEY("no-such-key"), NULL, &rev), HS_ERR_NOT_FOUND);

  /* Keys are (pointer, length): '/', '%', spaces, non-ASCII and an embedded NUL. */
  static const char nul_key[] = {'n', 'u', 'l', '\0', 'k', 'e', 'y'};
  uint64_t r1 = 0;
  CHECK_OK(hs_put_json(c, "t", KEY("a/b c%d"), KEY("1"), NULL, NULL)); /* revision_out may be NULL */
  CHECK_OK(hs_put_json(c, "t", KEY("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"), KEY("2"), NULL, NULL));
  CHECK_OK(hs_put_json(c, "t", KEY("nul"), KEY("3"), NULL, NULL));
  CHECK_OK(hs_put_json(c, "t", nul_key, sizeof nul_key, KEY("4"), NULL, &r1));
  CHECK_OK(hs_client_wait_for_revision(c, r1, WAIT_MS));
  CHECK(get_json(c, "t", KEY("a/b c%d"), buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "1");
  CHECK(get_json(c, "t", KEY("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"), buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "2");
  CHECK(get_json(c, "t", KEY("nul"), buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "3");
  CHECK(get_json(c, "t", nul_key, sizeof nul_key, buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "4");
  hs_record *rk = NULL;
  if (CHECK_OK(hs_get(c, "t", nul_key, sizeof nul_key, &rk))) {
    const char *key = NULL;
    size_t key_len = 0;
    CHECK_OK(hs_record_key(rk, &key, &key_len));
    CHECK(key_len == sizeof nul_key && key && memcmp(key, nul_key, key_len) == 0);
  }
  hs_record_free(rk);

  /* The JSON text is (pointer, length) too: bytes past json_len are not read. */
  CHECK_OK(hs_put_json(c, "t", KEY("len"), "truexyz", 4, NULL, &rev));
  CHECK_OK(hs_client_wait_for_revision(c, rev, WAIT_MS));
  CHECK(get_json(c, "t", KEY("len"), buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "true");

  /* Bad input changes nothing. */
  char long_key[1026];
  memset(long_key, 'k', sizeof long_key);
  CHECK_INVALID(hs_put_json(c, "t", "", 0, KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "t", long_key, 1025, KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "t", KEY("\xff\xfe"), KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "no spaces", KEY("k"), KEY("1"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "t", KEY("k"), KEY("{bad json"), NULL, &rev));
  CHECK_INVALID(hs_put_json(c, "t", KEY("k"), "", 0, NULL, &rev));
  CHECK_INVALID(hs_delete(c, "t", "", 0, NULL, &rev));
  CHECK_INVALID(hs_get(c, "no spaces", KEY("k"), &missing));
  CHECK_INVALID(hs_get(c, "t", long_key, 1025, &missing));
  CHECK_STATUS(get_json(c, "t", KEY("k"), buf, sizeof buf), HS_ERR_NOT_FOUND);

  /* A value over the server's --max-value-bytes is the caller's mistake (hotstate.h:
     HS_ERR_INVALID_ARGUMENT covers values over the server's size limits). */
  char *big = malloc(6002);
  if (CHECK(big != NULL)) {
    big[0] = '"';
    memset(big + 1, 'v', 6000);
    big[6001] = '"';
    CHECK_STATUS(hs_put_json(c, "t", KEY("too-big"), big, 6002, NULL, &rev), HS_ERR_INVALID_ARGUMENT);
    free(big);
  }
}

static void test_conditions_and_txn(hs_client *c) {
  char buf[128];
  const uint64_t absent = 0;
  uint64_t r1 = 0, r2 = 0, r3 = 0, rev = 0;

  CHECK_OK(hs_put_json(c, "t", KEY("cond"), KEY("1"), &absent, &r1));
  CHECK_STATUS(hs_put_json(c, "t", KEY("cond"), KEY("9"), &absent, &rev), HS_ERR_CONDITION_FAILED);
  CHECK_OK(hs_put_json(c, "t", KEY("cond"), KEY("2"), &r1, &r2));
  CHECK(r2 > r1);
  CHECK_STATUS(hs_put_json(c, "t", KEY("cond"), KEY("9"), &r1, &rev), HS_ERR_CONDITION_FAILED);
  CHECK_STATUS(hs_delete(c, "t", KEY("cond"), &r1, &rev), HS_ERR_CONDITION_FAILED);
  CHECK_OK(hs_client_wait_for_revision(c, r2, WAIT_MS));
  CHECK(get_json(c, "t", KEY("cond"), buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "2");
  hs_record *rec = NULL;
  if (CHECK_OK(hs_get(c, "t", KEY("cond"), &rec))) {
    uint64_t create = 0, mod = 0, version = 0;
    CHECK_OK(hs_record_revisions(rec, &create, &mod, &version));
    CHECK_U64(create, r1);
    CHECK_U64(mod, r2);
    CHECK_U64(version, 2);
  }
  hs_record_free(rec);
  CHECK_OK(hs_delete(c, "t", KEY("cond"), &r2, &r3));
  CHECK(r3 > r2);
  CHECK_OK(hs_client_wait_for_revision(c, r3, WAIT_MS));
  CHECK_STATUS(get_json(c, "t", KEY("cond"), buf, sizeof buf), HS_ERR_NOT_FOUND);
  CHECK_STATUS(hs_delete(c, "t", KEY("cond"), NULL, &rev), HS_ERR_NOT_FOUND);

  /* Transactions: all ops at one revision. */
  put_wait(c, "t", "doomed", "0");
  static const char txn[] =
      "{\"ops\":[{\"op\":\"put\",\"collection\":\"t\",\"key\":\"tx1\",\"value\":1},"
      "{\"op\":\"put\",\"collection\":\"t\",\"key\":\"tx2\",\"value\":{\"n\":2}},"
      "{\"op\":\"delete\",\"collection\":\"t\",\"key\":\"doomed\"}]}trailing bytes not part of it";
  const size_t txn_len = strlen(txn) - strlen("trailing bytes not part of it");
  uint64_t tr = 0;
  CHECK_OK(hs_txn(c, txn, txn_len, &tr));
  CHECK(tr > r3);
  CHECK_OK(hs_client_wait_for_revision(c, tr, WAIT_MS));
  hs_record *t1 = NULL, *t2 = NULL;
  CHECK_OK(hs_get(c, "t", KEY("tx1"), &t1));
  CHECK_OK(hs_get(c, "t", KEY("tx2"), &t2));
  CHECK_U64(mod_revision_of(t1), tr);
  CHECK_U64(mod_revision_of(t2), tr);
  json_of(t2, buf, sizeof buf);
  CHECK_STR(buf, "{\"n\":2}");
  hs_record_free(t1);
  hs_record_free(t2);
  CHECK_STATUS(get_json(c, "t", KEY("doomed"), buf, sizeof buf), HS_ERR_NOT_FOUND);

  static const char txn_if[] =
      "{\"if\":[{\"collection\":\"t\",\"key\":\"tx1\",\"mod_revision\":0}],"
      "\"ops\":[{\"op\":\"put\",\"collection\":\"t\",\"key\":\"tx1\",\"value\":99}]}";
  CHECK_STATUS(hs_txn(c, KEY(txn_if), &rev), HS_ERR_CONDITION_FAILED);
  CHECK_INVALID(hs_txn(c, KEY("{\"ops\": ["), &rev));
  /* Nothing to change: commits nothing and answers the current revision. */
  static const char txn_noop[] = "{\"ops\":[{\"op\":\"delete\",\"collection\":\"t\",\"key\":\"doomed\"}]}";
  rev = 0;
  CHECK_OK(hs_txn(c, KEY(txn_noop), &rev));
  CHECK_U64(rev, tr);
  CHECK_OK(hs_txn(c, KEY(txn_noop), NULL));
}

static void test_scan_and_read(hs_client *c) {
  char buf[128];
  put_wait(c, "t", "scan/c", "3");
  put_wait(c, "t", "scan/a", "1");
  put_wait(c, "t", "scanx", "0");
  put_wait(c, "t", "scan/b", "2");
  put_wait(c, "t", "scan/a/x", "11");

  static const char *const expected[] = {"scan/a", "scan/a/x", "scan/b", "scan/c"};
  hs_iter *it = NULL;
  if (CHECK_OK(hs_scan(c, "t", KEY("scan/"), &it))) {
    CHECK(hs_iter_count(it) == 4);
    const hs_record *first = NULL;
    for (size_t i = 0; i < 4; ++i) {
      const hs_record *rec = NULL;
      CHECK_OK(hs_iter_next(it, &rec));
      if (!CHECK(rec != NULL)) break;
      if (i == 0) first = rec;
      char key[64];
      copy_key(rec, key, sizeof key);
      CHECK_STR(key, expected[i]);
      const char *collection = NULL;
      CHECK_OK(hs_record_collection(rec, &collection));
      CHECK_STR(collection, "t");
    }
    const hs_record *end = (const hs_record *)&buf;
    CHECK_OK(hs_iter_next(it, &end));
    CHECK(end == NULL);
    end = (const hs_record *)&buf;
    CHECK_OK(hs_iter_next(it, &end)); /* stays at the end */
    CHECK(end == NULL);
    CHECK_INVALID(hs_iter_next(it, NULL));
    if (first) { /* lent records stay valid until hs_iter_free */
      char key[64];
      copy_key(first, key, sizeof key);
      CHECK_STR(key, "scan/a");
      json_of(first, buf, sizeof buf);
      CHECK_STR(buf, "1");
    }
  }
  /* A retained record outlives the iterator that lent it. */
  hs_record *kept = NULL;
  CHECK_INVALID(hs_record_retain(NULL, &kept));
  if (it) {
    hs_iter *again = NULL;
    const hs_record *lent = NULL;
    if (CHECK_OK(hs_scan(c, "t", KEY("scan/"), &again)) && CHECK_OK(hs_iter_next(again, &lent)) && lent) {
      CHECK_INVALID(hs_record_retain(lent, NULL));
      CHECK_OK(hs_record_retain(lent, &kept));
    }
    hs_iter_free(again);
  }
  hs_iter_free(it);
  if (CHECK(kept != NULL)) {
    char key[64];
    copy_key(kept, key, sizeof key);
    CHECK_STR(key, "scan/a");
    json_of(kept, buf, sizeof buf);
    CHECK_STR(buf, "1");
  }
  hs_record_free(kept);

  /* No prefix: the whole collection, in byte order. */
  it = NULL;
  if (CHECK_OK(hs_scan(c, "t", NULL, 0, &it))) {
    size_t n = hs_iter_count(it), seen_count = 0;
    CHECK(n >= 5);
    char previous[64] = "";
    size_t previous_len = 0;
    int sorted = 1;
    const hs_record *rec = NULL;
    while (hs_iter_next(it, &rec) == HS_OK && rec) {
      const char *key = NULL;
      size_t len = 0;
      if (hs_record_key(rec, &key, &len) != HS_OK || len >= sizeof previous) {
        sorted = 0;
        break;
      }
      size_t common = len < previous_len ? len : previous_len;
      int cmp = memcmp(previous, key, common);
      if (seen_count > 0 && (cmp > 0 || (cmp == 0 && previous_len >= len))) sorted = 0;
      memcpy(previous, key, len);
      previous_len = len;
      ++seen_count;
    }
    CHECK(sorted);
    CHECK(seen_count == n);
  }
  hs_iter_free(it);

  it = NULL;
  CHECK_OK(hs_scan(c, "t", KEY("zzz-none/"), &it));
  CHECK(hs_iter_count(it) == 0);
  const hs_record *none = (const hs_record *)&buf;
  CHECK_OK(hs_iter_next(it, &none));
  CHECK(none == NULL);
  hs_iter_free(it);
  it = NULL;
  CHECK_OK(hs_scan(c, "unselected", NULL, 0, &it)); /* a collection the replica lacks: empty */
  CHECK(hs_iter_count(it) == 0);
  hs_iter_free(it);
  it = NULL;
  CHECK_INVALID(hs_scan(c, "no spaces", NULL, 0, &it));
  hs_iter_free(it);

  /* Prefix selectors: the replica holds sel/in/... only. */
  put_wait(c, "sel", "out/x", "1");
  put_wait(c, "sel", "in/y", "2");
  CHECK(get_json(c, "sel", KEY("in/y"), buf, sizeof buf) == HS_OK);
  CHECK_STATUS(get_json(c, "sel", KEY("out/x"), buf, sizeof buf), HS_ERR_NOT_FOUND);

  /* A read transaction: one revision for many reads. */
  uint64_t before_rev = put_wait(c, "t", "rtx", "1");
  hs_read *rd = NULL;
  if (CHECK_OK(hs_read_begin(c, &rd))) {
    uint64_t pinned = hs_read_revision(rd);
    hs_client_status st = status_of(c);
    CHECK(pinned >= before_rev);
    CHECK_U64(pinned, st.revision);
    uint64_t after_rev = put_wait(c, "t", "rtx", "2");
    CHECK(after_rev > pinned);
    CHECK_U64(hs_read_revision(rd), pinned);
    const hs_record *rec = NULL;
    CHECK_OK(hs_read_get(rd, "t", KEY("rtx"), &rec));
    json_of(rec, buf, sizeof buf);
    CHECK_STR(buf, "1");
    CHECK(get_json(c, "t", KEY("rtx"), buf, sizeof buf) == HS_OK);
    CHECK_STR(buf, "2");
    const hs_record *absent = (const hs_record *)&buf;
    CHECK_STATUS(hs_read_get(rd, "t", KEY("no-such-key"), &absent), HS_ERR_NOT_FOUND);
    CHECK(absent == NULL);
    CHECK_INVALID(hs_read_get(rd, NULL, KEY("rtx"), &rec));
    CHECK_INVALID(hs_read_get(rd, "t", NULL, 3, &rec));
    CHECK_INVALID(hs_read_get(rd, "t", KEY("rtx"), NULL));
    hs_iter *rit = NULL;
    if (CHECK_OK(hs_read_scan(rd, "t", KEY("scan/"), &rit))) {
      CHECK(hs_iter_count(rit) == 4);
      const hs_record *r0 = NULL;
      CHECK_OK(hs_iter_next(rit, &r0));
      char key[64];
      copy_key(r0, key, sizeof key);
      CHECK_STR(key, "scan/a");
    }
    hs_iter_free(rit);
    CHECK_INVALID(hs_read_scan(rd, NULL, NULL, 0, &rit));
    CHECK_INVALID(hs_read_scan(rd, "t", NULL, 0, NULL));
    /* The lent record is still the pinned one after more writes. */
    json_of(rec, buf, sizeof buf);
    CHECK_STR(buf, "1");
  }
  hs_read_free(rd);
}

static void test_change_callbacks(hs_client *c) {
  recorder all, prefixed, exact, unchanged, every, once;
  recorder_init(&all, c);
  recorder_init(&prefixed, c);
  recorder_init(&exact, c);
  recorder_init(&unchanged, c);
  recorder_init(&every, c);
  recorder_init(&once, c);
  once.unsubscribe_self = 1;
  uint64_t id_all = 0, id_prefixed = 0, id_exact = 0, id_unchanged = 0, id_every = 0, id_once = 0;
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, NULL, 0, 0, on_change, &all, count_free, &id_all));
  CHECK_OK(subscribe_filtered(c, "cb", KEY("p/"), NULL, 0, 0, on_change, &prefixed, count_free, &id_prefixed));
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, KEY("exact"), 0, on_change, &exact, count_free, &id_exact));
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, NULL, 0, HS_SUBSCRIBE_UNCHANGED_VALUES, on_change, &unchanged,
                              count_free, &id_unchanged));
  CHECK_OK(subscribe_filtered(c, NULL, NULL, 0, NULL, 0, 0, on_change, &every, count_free, &id_every));
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, NULL, 0, 0, on_change, &once, count_free, &id_once));
  atomic_store(&once.self_id, (unsigned long long)id_once);
  CHECK(id_all != 0 && id_prefixed != 0 && id_exact != 0 && id_unchanged != 0 && id_every != 0 && id_once != 0);
  CHECK(id_all != id_prefixed && id_prefixed != id_exact && id_exact != id_unchanged);

  uint64_t w1 = put_wait(c, "cb", "k1", "1");
  uint64_t w2 = put_wait(c, "cb", "k1", "2");
  uint64_t w3 = put_wait(c, "cb", "k1", "2"); /* same value */
  uint64_t w4 = 0;
  CHECK_OK(hs_delete(c, "cb", KEY("k1"), NULL, &w4));
  CHECK_OK(hs_client_wait_for_revision(c, w4, WAIT_MS));
  uint64_t w5 = put_wait(c, "cb", "p/x", "\"x\"");
  uint64_t w6 = put_wait(c, "cb", "exact", "true");
  static const char txn[] =
      "{\"ops\":[{\"op\":\"put\",\"collection\":\"cb\",\"key\":\"t1\",\"value\":1},"
      "{\"op\":\"put\",\"collection\":\"cb\",\"key\":\"t2\",\"value\":2}]}";
  uint64_t w7 = 0;
  CHECK_OK(hs_txn(c, KEY(txn), &w7));
  CHECK_OK(hs_client_wait_for_revision(c, w7, WAIT_MS));

  WAIT_UNTIL(calls_of(&unchanged) >= 7 && calls_of(&all) >= 6 && events_in(&every, "cb") >= 7, WAIT_MS);
  sleep_ms(200); /* anything extra would show up now */
  CHECK(calls_of(&all) == 6);
  CHECK(calls_of(&prefixed) == 1);
  CHECK(calls_of(&exact) == 1);
  CHECK(calls_of(&unchanged) == 7);
  /* `every` watches all collections; a write awaited just before hs_subscribe (in "t")
     may still reach it, so count only the "cb" changes. */
  CHECK(events_in(&every, "cb") == 7);
  CHECK(calls_of(&once) == 1);
  CHECK_STATUS(once.unsubscribe_status, HS_OK); /* unsubscribing from inside the callback */
  WAIT_UNTIL(frees_of(&once) >= 1, WAIT_MS);
  CHECK(frees_of(&once) == 1);

  pthread_mutex_lock(&all.mu);
  CHECK(all.nevents == 7);
  if (all.nevents == 7) {
    const change_event *e = all.events;
    CHECK_U64(e[0].revision, w1);
    CHECK_STR(e[0].collection, "cb");
    CHECK_STR(e[0].key, "k1");
    CHECK_STR(e[0].before, "-");
    CHECK_STR(e[0].after, "1");
    CHECK_U64(e[1].revision, w2);
    CHECK_STR(e[1].before, "1");
    CHECK_STR(e[1].after, "2");
    CHECK_U64(e[2].revision, w4);
    CHECK_STR(e[2].key, "k1");
    CHECK_STR(e[2].before, "2");
    CHECK_STR(e[2].after, "-");
    CHECK_U64(e[3].revision, w5);
    CHECK_STR(e[3].key, "p/x");
    CHECK_STR(e[3].after, "\"x\"");
    CHECK_U64(e[4].revision, w6);
    CHECK_STR(e[4].key, "exact");
    CHECK_U64(e[5].revision, w7);
    CHECK_U64(e[6].revision, w7);
    CHECK(e[5].batch_count == 2 && e[6].batch_count == 2); /* one call per transaction */
    CHECK_STR(e[5].key, "t1");
    CHECK_STR(e[6].key, "t2");
    int resets = 0;
    for (int i = 0; i < 7; ++i) resets += e[i].is_reset;
    CHECK(resets == 0);
  }
  CHECK(all.out_of_order == 0);
  CHECK(all.on_main_thread == 0);
  CHECK(all.errors == 0);
  CHECK(all.replica_behind == 0);
  CHECK(all.bad_index_accepted == 0);
  pthread_mutex_unlock(&all.mu);

  pthread_mutex_lock(&prefixed.mu);
  CHECK(prefixed.nevents == 1 && strcmp(prefixed.events[0].key, "p/x") == 0);
  pthread_mutex_unlock(&prefixed.mu);
  pthread_mutex_lock(&exact.mu);
  CHECK(exact.nevents == 1 && strcmp(exact.events[0].key, "exact") == 0);
  pthread_mutex_unlock(&exact.mu);
  pthread_mutex_lock(&unchanged.mu);
  CHECK(unchanged.nevents == 8);
  if (unchanged.nevents == 8) {
    CHECK_U64(unchanged.events[2].revision, w3);
    CHECK_STR(unchanged.events[2].before, "2");
    CHECK_STR(unchanged.events[2].after, "2");
  }
  pthread_mutex_unlock(&unchanged.mu);

  /* Unsubscribe: free_user_data once, no more calls. */
  CHECK(frees_of(&prefixed) == 0);
  CHECK_OK(hs_unsubscribe(c, id_prefixed));
  WAIT_UNTIL(frees_of(&prefixed) >= 1, WAIT_MS);
  CHECK(frees_of(&prefixed) == 1);
  /* The header does not say what unsubscribing an unknown id returns; report it. */
  hs_status again = hs_unsubscribe(c, id_prefixed);
  printf("note: hs_unsubscribe of an id already unsubscribed returns %s\n", hs_status_name(again));
  again = hs_unsubscribe(c, UINT64_C(0xdeadbeef));
  printf("note: hs_unsubscribe of an id never issued returns %s\n", hs_status_name(again));
  put_wait(c, "cb", "p/y", "1");
  WAIT_UNTIL(calls_of(&all) >= 7, WAIT_MS);
  sleep_ms(100);
  CHECK(calls_of(&all) == 7);
  CHECK(calls_of(&prefixed) == 1);
  CHECK(calls_of(&once) == 1);
  CHECK(frees_of(&prefixed) == 1);
  CHECK(frees_of(&once) == 1);

  /* A callback may write. */
  recorder writer;
  recorder_init(&writer, c);
  writer.write_key = "pong";
  uint64_t id_writer = 0;
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, KEY("ping"), 0, on_change, &writer, count_free, &id_writer));
  uint64_t ping = put_wait(c, "cb", "ping", "1");
  char buf[64];
  WAIT_UNTIL(get_json(c, "cb", KEY("pong"), buf, sizeof buf) == HS_OK, WAIT_MS);
  CHECK(get_json(c, "cb", KEY("pong"), buf, sizeof buf) == HS_OK);
  /* The replica may hear of the write before the callback's hs_put_json returns. */
  WAIT_UNTIL(calls_of(&writer) >= 1, WAIT_MS);
  CHECK(strtoull(buf, NULL, 10) == ping);
  CHECK_STATUS(writer.write_status, HS_OK);
  CHECK_OK(hs_unsubscribe(c, id_writer));
  WAIT_UNTIL(frees_of(&writer) >= 1, WAIT_MS);
  CHECK(frees_of(&writer) == 1);

  /* Subscriptions still open (all, exact, unchanged, every) end at client free. */
  CHECK_OK(hs_unsubscribe(c, id_all));
  CHECK_OK(hs_unsubscribe(c, id_exact));
  CHECK_OK(hs_unsubscribe(c, id_unchanged));
  CHECK_OK(hs_unsubscribe(c, id_every));
  WAIT_UNTIL(frees_of(&all) + frees_of(&exact) + frees_of(&unchanged) + frees_of(&every) >= 4, WAIT_MS);
  CHECK(frees_of(&all) == 1 && frees_of(&exact) == 1 && frees_of(&unchanged) == 1 && frees_of(&every) == 1);

  recorder_destroy(&all);
  recorder_destroy(&prefixed);
  recorder_destroy(&exact);
  recorder_destroy(&unchanged);
  recorder_destroy(&every);
  recorder_destroy(&once);
  recorder_destroy(&writer);
}

/* Status callbacks, reconnect_now and STALE (the server is paused with SIGSTOP). */
static void test_status_and_reconnect(hs_client *c, test_server *server) {
  status_recorder sr;
  status_recorder_init(&sr);
  uint64_t id = 0;
  CHECK_OK(hs_subscribe_status(c, on_status, &sr, count_status_free, &id));
  CHECK(id != 0);

  hs_client_status st = status_of(c);
  const uint64_t connects = st.connects;
  const int calls = atomic_load(&sr.calls);
  CHECK_OK(hs_client_reconnect_now(c));
  CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
  WAIT_UNTIL(atomic_load(&sr.calls) >= calls + 2 && atomic_load(&sr.last_state) == HS_LIVE, WAIT_MS);
  CHECK(atomic_load(&sr.calls) >= calls + 2); /* away from LIVE and back */
  CHECK(atomic_load(&sr.last_state) == HS_LIVE);
  CHECK(atomic_load(&sr.bad_struct) == 0);
  st = status_of(c);
  CHECK(st.state == HS_LIVE);
  CHECK(st.connects >= connects + 1);

  /* The server stops answering but keeps the socket: STALE, then a reconnect. */
  if (CHECK(test_server_pause(server, 1) == 0)) {
    WAIT_UNTIL(seen(&sr, HS_STALE), 10000);
    CHECK(seen(&sr, HS_STALE));
    test_server_pause(server, 0);
    CHECK_OK(hs_client_wait_ready(c, 15000));
    WAIT_UNTIL(atomic_load(&sr.last_state) == HS_LIVE, WAIT_MS);
    CHECK(atomic_load(&sr.last_state) == HS_LIVE);
  }

  CHECK_OK(hs_unsubscribe(c, id));
  WAIT_UNTIL(atomic_load(&sr.frees) >= 1, WAIT_MS);
  CHECK(atomic_load(&sr.frees) == 1);
  const int after = atomic_load(&sr.calls);
  CHECK_OK(hs_client_reconnect_now(c));
  CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
  sleep_ms(100);
  CHECK(atomic_load(&sr.calls) == after);
}

/* free_user_data runs exactly once when the client is freed with subscriptions open. */
static void test_free_with_subscriptions(const char *url) {
  hs_client *c = open_client(url, 0, NULL);
  if (!c) return;
  CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
  recorder r;
  recorder_init(&r, c);
  status_recorder sr;
  status_recorder_init(&sr);
  uint64_t id1 = 0, id2 = 0;
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, NULL, 0, 0, on_change, &r, count_free, &id1));
  CHECK_OK(hs_subscribe_status(c, on_status, &sr, count_status_free, &id2));
  put_wait(c, "cb", "free-test", "1");
  WAIT_UNTIL(calls_of(&r) >= 1, WAIT_MS);
  CHECK(calls_of(&r) == 1);
  hs_client_close(c);
  CHECK(frees_of(&r) <= 1 && atomic_load(&sr.frees) <= 1);
  hs_client_free(c);
  CHECK(frees_of(&r) == 1);
  CHECK(atomic_load(&sr.frees) == 1);
  recorder_destroy(&r);
}

/* hs_client_close from inside a change callback. */
static void test_close_from_callback(const char *url, hs_client *writer) {
  hs_client *c = open_client(url, 0, NULL);
  if (!c) return;
  CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
  recorder r;
  recorder_init(&r, c);
  r.close_client = 1;
  uint64_t id = 0;
  CHECK_OK(subscribe_filtered(c, "cb", NULL, 0, KEY("close-me"), 0, on_change, &r, count_free, &id));
  put_wait(writer, "cb", "close-me", "1");
  WAIT_UNTIL(calls_of(&r) >= 1, WAIT_MS);
  CHECK(calls_of(&r) == 1);
  hs_record *rec = NULL;
  WAIT_UNTIL(hs_get(c, "cb", KEY("close-me"), &rec) == HS_ERR_CLOSED, WAIT_MS);
  CHECK_STATUS(hs_get(c, "cb", KEY("close-me"), &rec), HS_ERR_CLOSED);
  hs_record_free(rec);
  hs_client_free(c);
  CHECK(frees_of(&r) == 1);
  recorder_destroy(&r);
}

static void test_use_after_close(const char *url) {
  hs_client *c = open_client(url, 0, NULL);
  if (!c) return;
  CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
  put_wait(c, "t", "kept", "\"still here\"");
  hs_record *kept = NULL;
  CHECK_OK(hs_get(c, "t", KEY("kept"), &kept));
  hs_read *before = NULL;
  CHECK_OK(hs_read_begin(c, &before));
  uint64_t status_id = 0;
  status_recorder early;
  status_recorder_init(&early);
  CHECK_OK(hs_subscribe_status(c, on_status, &early, NULL, &status_id));

  hs_client_close(c);
  hs_client_close(c); /* idempotent */
  hs_record *rec = NULL;
  hs_iter *it = NULL;
  hs_read *rd = NULL;
  uint64_t rev = 0, id = 0;
  recorder r;
  recorder_init(&r, c);
  status_recorder sr;
  status_recorder_init(&sr);
  CHECK_STATUS(hs_get(c, "t", KEY("kept"), &rec), HS_ERR_CLOSED);
  CHECK(rec == NULL);
  CHECK_STATUS(hs_scan(c, "t", NULL, 0, &it), HS_ERR_CLOSED);
  CHECK(it == NULL);
  CHECK_STATUS(hs_read_begin(c, &rd), HS_ERR_CLOSED);
  CHECK(rd == NULL);
  CHECK_STATUS(hs_put_json(c, "t", KEY("k"), KEY("1"), NULL, &rev), HS_ERR_CLOSED);
  CHECK_STATUS(hs_put_flex(c, "t", KEY("k"), g_flex, g_flex_len, NULL, &rev), HS_ERR_CLOSED);
  CHECK_STATUS(hs_delete(c, "t", KEY("kept"), NULL, &rev), HS_ERR_CLOSED);
  CHECK_STATUS(hs_txn(c, KEY("{\"ops\":[]}"), &rev), HS_ERR_CLOSED);
  CHECK_STATUS(hs_client_wait_ready(c, 100), HS_ERR_CLOSED);
  CHECK_STATUS(hs_client_wait_for_revision(c, 1, 100), HS_ERR_CLOSED);
  CHECK_STATUS(hs_client_reconnect_now(c), HS_ERR_CLOSED);
  CHECK_STATUS(subscribe_filtered(c, "t", NULL, 0, NULL, 0, 0, on_change, &r, NULL, &id), HS_ERR_CLOSED);
  CHECK_STATUS(hs_subscribe_status(c, on_status, &sr, NULL, &id), HS_ERR_CLOSED);
  char *problems = NULL;
  CHECK_STATUS(hs_flag_problems_json(c, &problems, NULL), HS_ERR_CLOSED);
  CHECK(problems == NULL);
  int on = 0;
  hs_flag_result result = HS_FLAG_RESULT_INIT;
  CHECK_STATUS(hs_evaluate_bool(c, "t", KEY("flag"), NULL, 1, &on, &result), HS_ERR_CLOSED);
  CHECK(on == 1 && result.error == HS_FLAG_ERROR_GENERAL);
  hs_flag_result_release(&result);
  /* The same rule as C++'s Client::close: status, unsubscribe and what was read before
     keep working (tests/cpp/client_test.cpp AfterClose...). */
  hs_client_status st = HS_CLIENT_STATUS_INIT;
  CHECK_OK(hs_client_status_get(c, &st));
  CHECK(st.state == HS_CLOSED);
  CHECK_OK(hs_unsubscribe(c, status_id));
  const hs_record *lent = NULL;
  CHECK_OK(hs_read_get(before, "t", KEY("kept"), &lent));
  CHECK(lent != NULL);
  hs_read_free(before);
  hs_client_free(c);

  /* A record outlives the client it came from. */
  char buf[64];
  json_of(kept, buf, sizeof buf);
  CHECK_STR(buf, "\"still here\"");
  hs_record_free(kept);
  recorder_destroy(&r);
}

/* One read serves a million gets without growing: each record is lent once (the same
   pointer every time), so a long-lived read on a hot path is no leak. Would catch a read
   that keeps a copy per call. */
static void test_read_get_does_not_grow(hs_client *c) {
  put_wait(c, "t", "grow/a", "1");
  put_wait(c, "t", "grow/b", "2");
  hs_read *rd = NULL;
  if (!CHECK_OK(hs_read_begin(c, &rd))) return;
  const hs_record *a = NULL, *b = NULL, *rec = NULL;
  CHECK_OK(hs_read_get(rd, "t", KEY("grow/a"), &a));
  CHECK_OK(hs_read_get(rd, "t", KEY("grow/b"), &b));
  CHECK(a != NULL && b != NULL && a != b);
#ifdef __GLIBC__
  size_t heap_before = mallinfo2().uordblks;
#endif
  int same = 1;
  for (int i = 0; i < 1000000; ++i) {
    int even = i % 2 == 0;
    if (hs_read_get(rd, "t", even ? "grow/a" : "grow/b", 6, &rec) != HS_OK || rec != (even ? a : b)) same = 0;
    if (i % 100000 == 0 && hs_read_get(rd, "t", KEY("grow/absent"), &rec) != HS_ERR_NOT_FOUND) same = 0;
  }
  CHECK(same);
#ifdef __GLIBC__
  /* Allocation-count free: in-use heap bytes, with room for unrelated allocations of the
     client's own threads. The old per-call copy grew by tens of megabytes here. */
  size_t heap_after = mallinfo2().uordblks;
  CHECK(heap_after < heap_before + 1024 * 1024);
#endif
  char buf[16];
  json_of(a, buf, sizeof buf);
  CHECK_STR(buf, "1");
  hs_read_free(rd);
}

/* hs_subscribe_options' versioning rule (hotstate.h): too small a struct_size is refused
   with a message saying so; a newer caller's larger struct is taken only with its unknown
   tail zero; unknown flag bits are refused. */
static void test_subscribe_options(hs_client *c) {
  hs_subscribe_options init = HS_SUBSCRIBE_OPTIONS_INIT;
  CHECK(init.struct_size == sizeof(hs_subscribe_options));
  CHECK(init.collection == NULL && init.prefix == NULL && init.key == NULL && init.flags == 0);
  recorder r;
  recorder_init(&r, c);
  uint64_t id = 0;
  CHECK_SUBSCRIBE_INVALID(c, id, hs_subscribe(c, NULL, on_change, &r, NULL, &id));

  hs_subscribe_options small = HS_SUBSCRIBE_OPTIONS_INIT;
  small.struct_size = offsetof(hs_subscribe_options, flags);
  CHECK_SUBSCRIBE_INVALID(c, id, hs_subscribe(c, &small, on_change, &r, NULL, &id));
  CHECK(strstr(hs_last_error(), "struct_size") != NULL);

  struct {
    hs_subscribe_options known;
    uint64_t newer_option;
  } larger;
  memset(&larger, 0, sizeof larger);
  larger.known.struct_size = sizeof larger;
  larger.known.collection = "cb";
  id = 0;
  CHECK_OK(hs_subscribe(c, &larger.known, on_change, &r, NULL, &id));
  CHECK(id != 0);
  CHECK_OK(hs_unsubscribe(c, id));
  larger.newer_option = 1;
  CHECK_SUBSCRIBE_INVALID(c, id, hs_subscribe(c, &larger.known, on_change, &r, NULL, &id));
  CHECK(strstr(hs_last_error(), "does not know") != NULL);

  hs_subscribe_options flags = HS_SUBSCRIBE_OPTIONS_INIT;
  flags.flags = 0x80u;
  CHECK_SUBSCRIBE_INVALID(c, id, hs_subscribe(c, &flags, on_change, &r, NULL, &id));
  CHECK(calls_of(&r) == 0);
  recorder_destroy(&r);
}

/* ==== Offline cache ======================================================== */

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

static void test_cache(const char *url, const char *dead_url) {
  char dir[] = "/tmp/hotstate-capi-XXXXXX";
  if (!CHECK(mkdtemp(dir) != NULL)) return;
  char path[128];
  snprintf(path, sizeof path, "%s/replica.cache", dir);

  hs_client *c = open_client(url, 0, path);
  if (c) {
    CHECK_OK(hs_client_wait_ready(c, WAIT_MS));
    put_wait(c, "t", "cached", "\"from cache\"");
    hs_client_free(c); /* writes the cache */
  }
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && sb.st_size > 0);

  /* With the server unreachable, reads answer from the cache at once. */
  c = open_client(dead_url, 0, path);
  if (c) {
    char buf[64];
    CHECK(get_json(c, "t", KEY("cached"), buf, sizeof buf) == HS_OK);
    CHECK_STR(buf, "\"from cache\"");
    hs_client_status st = status_of(c);
    CHECK(st.source == HS_SOURCE_CACHE);
    CHECK(st.state != HS_LIVE);
    CHECK(st.revision > 0);
    hs_client_free(c);
  }
  remove_dir(dir);
}

/* ==== No server ============================================================ */

static void test_server_down(const char *dead_url) {
  hs_options *o = NULL;
  CHECK_OK(hs_options_new(&o));
  CHECK_OK(hs_options_add_url(o, dead_url));
  CHECK_OK(hs_options_add_selector(o, "t", NULL));
  CHECK_OK(hs_options_set_backoff_initial(o, 20));
  CHECK_OK(hs_options_set_backoff_max(o, 100));
  CHECK_OK(hs_options_set_connect_timeout(o, 300));
  CHECK_OK(hs_options_set_request_timeout(o, 500));
  hs_client *c = NULL;
  const long long opened = now_ms();
  CHECK_OK(hs_client_open(o, &c));
  CHECK(now_ms() - opened < 1000); /* returns at once */
  hs_options_free(o);
  if (!c) return;

  status_recorder sr;
  status_recorder_init(&sr);
  uint64_t id = 0;
  CHECK_OK(hs_subscribe_status(c, on_status, &sr, count_status_free, &id));

  CHECK_STATUS(hs_client_wait_ready(c, 300), HS_ERR_TIMEOUT);
  CHECK_STATUS(hs_client_wait_for_revision(c, 1, 100), HS_ERR_TIMEOUT);
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "t", KEY("k"), KEY("1"), NULL, &rev), HS_ERR_UNAVAILABLE);
  if (g_flex_len > 0)
    CHECK_STATUS(hs_put_flex(c, "t", KEY("k"), g_flex, g_flex_len, NULL, &rev), HS_ERR_UNAVAILABLE);
  CHECK_STATUS(hs_delete(c, "t", KEY("k"), NULL, &rev), HS_ERR_UNAVAILABLE);
  CHECK_STATUS(hs_txn(c, KEY("{\"ops\":[]}"), &rev), HS_ERR_UNAVAILABLE);

  /* Reads answer (from an empty replica). */
  hs_record *rec = NULL;
  CHECK_STATUS(hs_get(c, "t", KEY("k"), &rec), HS_ERR_NOT_FOUND);
  hs_iter *it = NULL;
  CHECK_OK(hs_scan(c, "t", NULL, 0, &it));
  CHECK(hs_iter_count(it) == 0);
  hs_iter_free(it);

  int polled_offline = 0;
  const long long deadline = now_ms() + WAIT_MS;
  hs_client_status st = HS_CLIENT_STATUS_INIT;
  while (now_ms() < deadline) {
    st = status_of(c);
    if (st.state == HS_OFFLINE) {
      polled_offline = 1;
      break;
    }
    sleep_ms(1);
  }
  CHECK(polled_offline || seen(&sr, HS_OFFLINE));
  WAIT_UNTIL((st = status_of(c)).reconnect_attempts > 0 && st.last_error[0] != '\0', WAIT_MS);
  CHECK(st.reconnect_attempts > 0);
  CHECK(st.last_error[0] != '\0');
  CHECK(st.since_last_contact_ms == -1);
  CHECK(st.source == HS_SOURCE_NONE);
  CHECK(st.connects == 0);
  CHECK(st.revision == 0);
  CHECK(atomic_load(&sr.bad_struct) == 0);
  CHECK_OK(hs_client_reconnect_now(c));
  hs_client_free(c);
  CHECK(atomic_load(&sr.frees) == 1);
}

/* The server goes away under a live client: OFFLINE, reads keep answering. */
static void test_server_goes_away(hs_client *c, test_server *server) {
  put_wait(c, "t", "survivor", "\"yes\"");
  status_recorder sr;
  status_recorder_init(&sr);
  uint64_t id = 0;
  CHECK_OK(hs_subscribe_status(c, on_status, &sr, count_status_free, &id));
  CHECK(test_server_stop(server) == 0); /* hotstated exits 0 on SIGTERM */

  WAIT_UNTIL(seen(&sr, HS_OFFLINE) || status_of(c).state == HS_OFFLINE, WAIT_MS);
  CHECK(seen(&sr, HS_OFFLINE) || status_of(c).state == HS_OFFLINE);
  char buf[64];
  CHECK(get_json(c, "t", KEY("survivor"), buf, sizeof buf) == HS_OK);
  CHECK_STR(buf, "\"yes\"");
  hs_client_status st = status_of(c);
  CHECK(st.state != HS_LIVE);
  CHECK(st.source == HS_SOURCE_SERVER);
  CHECK(st.since_last_contact_ms >= 0);
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "t", KEY("k"), KEY("1"), NULL, &rev), HS_ERR_UNAVAILABLE);
  CHECK_STATUS(hs_client_wait_ready(c, 200), HS_ERR_TIMEOUT);
  CHECK_OK(hs_unsubscribe(c, id));
  CHECK(atomic_load(&sr.frees) <= 1);
  WAIT_UNTIL(atomic_load(&sr.frees) >= 1, WAIT_MS);
  CHECK(atomic_load(&sr.frees) == 1);
}

/* ==== main ================================================================= */

int main(void) {
  g_main_thread = pthread_self();
  signal(SIGALRM, on_watchdog);
  alarm(240);

  test_version_and_names();
  test_last_error_per_thread();

  int dead_fd = -1;
  int dead_port = test_dead_port(&dead_fd);
  char dead_url[64];
  snprintf(dead_url, sizeof dead_url, "http://127.0.0.1:%d", dead_port);
  CHECK(dead_port > 0);

  static const char *const server_args[] = {"--heartbeat-ms", "100", "--max-value-bytes", "4096", NULL};
  test_server server;
  if (!CHECK(test_server_start(&server, HOTSTATED_BINARY, server_args) == 0)) {
    printf("capi: %d passed, %d failed\n", g_passed, g_failed);
    return 1;
  }

  test_options(server.url);

  hs_client *c = open_client(server.url, 600, NULL);
  if (c && CHECK_OK(hs_client_wait_ready(c, WAIT_MS))) {
    test_null_arguments_with_client(c);
    test_status_struct(c);
    test_writes_and_reads(c);
    test_conditions_and_txn(c);
    test_scan_and_read(c);
    test_read_get_does_not_grow(c);
    test_subscribe_options(c);
    test_change_callbacks(c);
    test_status_and_reconnect(c, &server);
    test_free_with_subscriptions(server.url);
    test_close_from_callback(server.url, c);
    test_use_after_close(server.url);
    test_cache(server.url, dead_url);
    test_server_down(dead_url);
    test_server_goes_away(c, &server);
  }
  hs_client_free(c);
  test_server_stop(&server);
  if (dead_fd >= 0) close(dead_fd);

  printf("capi: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
