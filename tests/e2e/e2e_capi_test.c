/* The production failures of similar systems, seen through the C ABI (a plain C11
   program against the shared library and a real hotstated):
   - exit cleanly: no thread of the library outlives hs_client_free (threads counted in
     /proc/self/task before, during and after), for a client that synced, one that never
     reached a server, and one closed before it is freed;
   - reconnect_now: hs_client_reconnect_now reconnects at once even with a long backoff,
     and resumes without a snapshot (status: no reset);
   - typed reads: a value of another type is HS_ERR_TYPE_MISMATCH, an absent key is
     HS_ERR_NOT_FOUND, and nothing is ever a silent default;
   - change callbacks: old and new value, after the whole transaction is applied, and an
     identical write fires only with HS_SUBSCRIBE_UNCHANGED_VALUES. */
#define _POSIX_C_SOURCE 200809L

#include "e2e_check.h"
#include "hotstate.h"
#include "test_server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HOTSTATED_BINARY
#error "HOTSTATED_BINARY must name the hotstated executable"
#endif

/* Threads are reaped asynchronously by the kernel after join: poll briefly. */
static int wait_thread_count(int expected) {
  for (int i = 0; i < 200 && thread_count() != expected; ++i) sleep_ms(10);
  return thread_count();
}

static hs_client *open_client(const char *url, uint32_t backoff_initial_ms, uint32_t backoff_max_ms) {
  hs_options *o = NULL;
  hs_client *c = NULL;
  if (hs_options_new(&o) != HS_OK) return NULL;
  hs_options_add_url(o, url);
  hs_options_add_selector(o, "e2e", NULL);
  hs_options_set_backoff_initial(o, backoff_initial_ms);
  hs_options_set_backoff_max(o, backoff_max_ms);
  if (hs_client_open(o, &c) != HS_OK) c = NULL;
  hs_options_free(o);
  return c;
}

/* Catches: an I/O, dispatcher or cache thread left running (or detached) after
   hs_client_free; a process embedding the library would leak a thread per client. */
static void test_no_thread_outlives_free(const char *url, int port) {
  int before = thread_count();
  hs_client *c = open_client(url, 20, 200);
  CHECK(c != NULL);
  CHECK_STATUS(hs_client_wait_ready(c, 20000), HS_OK);
  int during = thread_count();
  hs_client_free(c);
  int after = wait_thread_count(before);
  printf("[figure] C threads: %d before open, %d while open, %d after hs_client_free\n", before, during, after);
  CHECK(during > before);
  CHECK(after == before);

  /* Closed first, freed later: every thread is gone after the close already (the I/O,
     dispatcher and cache threads are joined; host names are looked up on the I/O thread,
     so there is no resolver thread to outlive it), and stays gone after the free. A host
     name, so that the lookup is part of it. */
  char named_url[64];
  snprintf(named_url, sizeof named_url, "http://localhost:%d", port);
  c = open_client(named_url, 20, 200);
  CHECK_STATUS(hs_client_wait_ready(c, 20000), HS_OK);
  hs_client_close(c);
  int after_close = wait_thread_count(before);
  hs_client_free(c);
  after = wait_thread_count(before);
  printf("[figure] C threads: %d after hs_client_close, %d after hs_client_free\n", after_close, after);
  CHECK(after_close == before);
  CHECK(after == before);

  /* Never reached a server: stuck in backoff when freed. */
  int fd = -1;
  int dead = test_dead_port(&fd);
  char dead_url[64];
  snprintf(dead_url, sizeof dead_url, "http://127.0.0.1:%d", dead);
  c = open_client(dead_url, 5000, 5000);
  CHECK(c != NULL);
  sleep_ms(100);
  hs_client_free(c);
  CHECK(wait_thread_count(before) == before);
}

/* Catches a reconnect_now that waits out the backoff (here up to 1 h) or the stale timeout,
   and a reconnect that reloads a snapshot instead of resuming. */
static void test_reconnect_now(const char *url) {
  hs_client *c = open_client(url, 3600000, 3600000);
  CHECK(c != NULL);
  uint64_t rev = 0;
  for (int i = 0; i < 20; ++i) {
    char key[16];
    snprintf(key, sizeof key, "r%d", i);
    CHECK_STATUS(hs_put_json(c, "e2e", KEY(key), KEY("1"), NULL, &rev), HS_OK);
  }
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, 20000), HS_OK);
  hs_client_status s;
  get_status(c, &s);
  uint64_t connects = s.connects;
  long long asked = now_ms();
  CHECK_STATUS(hs_client_reconnect_now(c), HS_OK);
  for (int i = 0; i < 1000; ++i) { /* 10 s against a backoff of U[0, 1 h] */
    get_status(c, &s);
    if (s.connects > connects && s.state == HS_LIVE) break;
    sleep_ms(10);
  }
  printf("[figure] C hs_client_reconnect_now: live again after %lld ms (backoff 1 h)\n", now_ms() - asked);
  CHECK(s.connects == connects + 1);
  CHECK(s.state == HS_LIVE);
  CHECK(s.resets == 0);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("r0"), KEY("2"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, 20000), HS_OK);
  hs_client_free(c);
}

/* Catches typed reads that return 0/false/"" for a value of another type or an absent
   key. */
static void test_typed_reads(const char *url) {
  hs_client *c = open_client(url, 20, 200);
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("t_bool"), KEY("true"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("t_int"), KEY("42"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("t_double"), KEY("2.5"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("t_string"), KEY("\"on\""), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("t_null"), KEY("null"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, 20000), HS_OK);

  hs_record *b = NULL, *i = NULL, *d = NULL, *s = NULL, *n = NULL, *absent = NULL;
  CHECK_STATUS(hs_get(c, "e2e", KEY("t_bool"), &b), HS_OK);
  CHECK_STATUS(hs_get(c, "e2e", KEY("t_int"), &i), HS_OK);
  CHECK_STATUS(hs_get(c, "e2e", KEY("t_double"), &d), HS_OK);
  CHECK_STATUS(hs_get(c, "e2e", KEY("t_string"), &s), HS_OK);
  CHECK_STATUS(hs_get(c, "e2e", KEY("t_null"), &n), HS_OK);
  CHECK_STATUS(hs_get(c, "e2e", KEY("t_absent"), &absent), HS_ERR_NOT_FOUND);
  CHECK(absent == NULL);

  int vb = 7;
  int64_t vi = 7;
  double vd = 7;
  const char *vs = NULL;
  size_t len = 0;
  CHECK_STATUS(hs_record_bool(b, &vb), HS_OK);
  CHECK(vb == 1);
  CHECK_STATUS(hs_record_int64(i, &vi), HS_OK);
  CHECK(vi == 42);
  CHECK_STATUS(hs_record_double(d, &vd), HS_OK);
  CHECK(vd == 2.5);
  CHECK_STATUS(hs_record_double(i, &vd), HS_OK); /* any number reads as a double */
  CHECK(vd == 42.0);
  CHECK_STATUS(hs_record_string(s, &vs, &len), HS_OK);
  CHECK(len == 2 && memcmp(vs, "on", 2) == 0);

  /* Every other type is a mismatch, and the output is left alone (no silent default). */
  vb = 7;
  vi = 7;
  vd = 7;
  CHECK_STATUS(hs_record_bool(i, &vb), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_bool(s, &vb), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_bool(n, &vb), HS_ERR_TYPE_MISMATCH);
  CHECK(vb == 7);
  CHECK_STATUS(hs_record_int64(b, &vi), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_int64(d, &vi), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_int64(s, &vi), HS_ERR_TYPE_MISMATCH);
  CHECK(vi == 7);
  CHECK_STATUS(hs_record_double(b, &vd), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_double(s, &vd), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_double(n, &vd), HS_ERR_TYPE_MISMATCH);
  CHECK(vd == 7);
  CHECK_STATUS(hs_record_string(b, &vs, &len), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_string(i, &vs, &len), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_string(n, &vs, &len), HS_ERR_TYPE_MISMATCH);
  CHECK_STATUS(hs_record_bool(NULL, &vb), HS_ERR_INVALID_ARGUMENT);
  hs_record_free(b);
  hs_record_free(i);
  hs_record_free(d);
  hs_record_free(s);
  hs_record_free(n);
  hs_client_free(c);
}

struct seen {
  pthread_mutex_t mutex;
  hs_client *client;
  char log[512];
  atomic_int calls;
};

static void append_value(char *out, size_t size, const hs_record *r) {
  char *json = NULL;
  if (!r) {
    strncat(out, "<absent>", size - strlen(out) - 1);
  } else if (hs_record_json(r, &json, NULL) == HS_OK) {
    strncat(out, json, size - strlen(out) - 1);
    hs_free(json);
  }
}

/* One line per change of "price": old->new, then "currency" as read inside the callback. */
static void on_price(const hs_change_batch *batch, void *user_data) {
  struct seen *seen = user_data;
  pthread_mutex_lock(&seen->mutex);
  for (size_t k = 0; k < hs_change_batch_count(batch); ++k) {
    const hs_record *before = NULL, *after = NULL;
    if (hs_change_batch_get(batch, k, &before, &after) != HS_OK) continue;
    append_value(seen->log, sizeof seen->log, before);
    strncat(seen->log, "->", sizeof seen->log - strlen(seen->log) - 1);
    append_value(seen->log, sizeof seen->log, after);
    strncat(seen->log, " ", sizeof seen->log - strlen(seen->log) - 1);
    hs_record *currency = NULL;
    if (hs_get(seen->client, "e2e", KEY("currency"), &currency) == HS_OK) append_value(seen->log, sizeof seen->log, currency);
    hs_record_free(currency);
    strncat(seen->log, ";", sizeof seen->log - strlen(seen->log) - 1);
  }
  pthread_mutex_unlock(&seen->mutex);
  atomic_fetch_add(&seen->calls, 1);
}

/* Catches callbacks fired per op of a half-applied transaction (the read of "currency"
   inside the callback would see the old value), without the old value, or for a write of
   an identical value. */
static void test_change_callbacks(const char *url) {
  hs_client *c = open_client(url, 20, 200);
  uint64_t rev = 0;
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("price"), KEY("10"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("currency"), KEY("\"EUR\""), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, 20000), HS_OK);
  static struct seen changed, every;
  pthread_mutex_init(&changed.mutex, NULL);
  pthread_mutex_init(&every.mutex, NULL);
  changed.client = every.client = c;
  uint64_t id1 = 0, id2 = 0;
  hs_subscribe_options price = HS_SUBSCRIBE_OPTIONS_INIT;
  price.collection = "e2e";
  price.key = "price";
  price.key_len = strlen("price");
  CHECK_STATUS(hs_subscribe(c, &price, on_price, &changed, NULL, &id1), HS_OK);
  price.flags = HS_SUBSCRIBE_UNCHANGED_VALUES;
  CHECK_STATUS(hs_subscribe(c, &price, on_price, &every, NULL, &id2), HS_OK);
  const char *txn = "{\"ops\":[{\"op\":\"put\",\"collection\":\"e2e\",\"key\":\"price\",\"value\":20},"
                    "{\"op\":\"put\",\"collection\":\"e2e\",\"key\":\"currency\",\"value\":\"USD\"}]}";
  CHECK_STATUS(hs_txn(c, txn, strlen(txn), &rev), HS_OK);
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("price"), KEY("20"), NULL, &rev), HS_OK); /* identical */
  CHECK_STATUS(hs_put_json(c, "e2e", KEY("price"), KEY("30"), NULL, &rev), HS_OK);
  CHECK_STATUS(hs_client_wait_for_revision(c, rev, 20000), HS_OK);
  for (int i = 0; i < 2000 && atomic_load(&every.calls) < 3; ++i) sleep_ms(10);
  CHECK(atomic_load(&every.calls) == 3);
  hs_unsubscribe(c, id1);
  hs_unsubscribe(c, id2);
  CHECK(atomic_load(&changed.calls) == 2);
  if (strcmp(changed.log, "10->20 \"USD\";20->30 \"USD\";") != 0) {
    ++g_failed;
    fprintf(stderr, "FAILED: change log \"%s\"\n", changed.log);
  }
  hs_client_free(c);
}

int main(void) {
  test_server server;
  if (test_server_start(&server, HOTSTATED_BINARY, NULL) != 0) return 1;
  test_no_thread_outlives_free(server.url, server.port);
  test_reconnect_now(server.url);
  test_typed_reads(server.url);
  test_change_callbacks(server.url);
  test_server_stop(&server);
  printf("e2e_capi_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
