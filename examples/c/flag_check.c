/* A feature-flag check on a local replica, through the C ABI: `flag_check_c [URL]`
   (default http://127.0.0.1:7700). A flag is a JSON boolean in the collection "flags":

       curl -X PUT http://127.0.0.1:7700/v1/c/flags/checkout-v2 -d true

   Reads are lookups in this process's memory: they never wait for the network, and they
   keep answering (with the last state) while the server is away. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <hotstate.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *state_name(hs_link_state state) {
  static const char *const names[] = {"CONNECTING", "SYNCING", "LIVE", "STALE", "OFFLINE", "CLOSED"};
  return (unsigned)state < sizeof names / sizeof names[0] ? names[state] : "?";
}

/* Off unless the flag exists and is `true`. A local lookup: no I/O, no blocking. */
static int flag_enabled(hs_client *client, const char *name) {
  hs_record *record = NULL;
  int enabled = 0;
  if (hs_get(client, "flags", name, strlen(name), &record) == HS_OK &&
      hs_record_bool(record, &enabled) != HS_OK)
    enabled = 0; /* not a boolean: treat as off */
  hs_record_free(record);
  return enabled;
}

/* Runs on the client's callback thread, once per transaction that touched "flags". The
   batch and its records are lent for the duration of the call only. */
static void on_flags_changed(const hs_change_batch *batch, void *user_data) {
  (void)user_data;
  for (size_t i = 0; i < hs_change_batch_count(batch); ++i) {
    const hs_record *before = NULL, *after = NULL;
    const char *key = NULL;
    size_t key_len = 0;
    if (hs_change_batch_get(batch, i, &before, &after) != HS_OK ||
        hs_record_key(after ? after : before, &key, &key_len) != HS_OK)
      continue;
    printf("changed at revision %llu: %.*s%s\n", (unsigned long long)hs_change_batch_revision(batch),
           (int)key_len, key, after ? "" : " (deleted)");
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:7700";

  hs_options *options = NULL;
  hs_client *client = NULL;
  hs_status s = hs_options_new(&options);
  if (s == HS_OK) s = hs_options_add_url(options, url);
  if (s == HS_OK) s = hs_options_add_selector(options, "flags", NULL);
  if (s == HS_OK) s = hs_client_open(options, &client); /* returns at once */
  hs_options_free(options);                              /* the client keeps its own copy */
  if (s != HS_OK) {
    fprintf(stderr, "flag_check: %s: %s\n", hs_status_name(s), hs_last_error());
    return 1;
  }

  hs_client_status status = HS_CLIENT_STATUS_INIT;
  if (hs_client_wait_ready(client, 5000) != HS_OK) {
    hs_client_status_get(client, &status);
    fprintf(stderr, "not live yet (%s); reading what we have\n", status.last_error);
  }

  uint64_t subscription = 0;
  s = hs_subscribe(client, "flags", NULL, 0, NULL, 0, 0, on_flags_changed, NULL, NULL, &subscription);
  if (s != HS_OK) fprintf(stderr, "flag_check: subscribe: %s: %s\n", hs_status_name(s), hs_last_error());

  for (int i = 0; i < 3; ++i) {
    int enabled = flag_enabled(client, "checkout-v2");
    hs_client_status_get(client, &status); /* struct_size was set by HS_CLIENT_STATUS_INIT */
    printf("checkout-v2 is %s (replica at revision %llu, %s)\n", enabled ? "on" : "off",
           (unsigned long long)status.revision, state_name(status.state));
    fflush(stdout);
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
  }

  hs_client_free(client); /* ends the subscription too; never from a callback */
  return 0;
}
