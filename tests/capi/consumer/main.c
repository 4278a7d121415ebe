/* A program built against an installed libhotstate (find_package or pkg-config):
   `consumer URL [COLLECTION [KEY]]` prints the record's value as JSON. */
#include <hotstate.h>

#include <stdio.h>
#include <string.h>

static int fail(const char *what, hs_status status) {
  fprintf(stderr, "consumer: %s: %s: %s\n", what, hs_status_name(status), hs_last_error());
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s URL [COLLECTION [KEY]]\n", argv[0]);
    return 2;
  }
  const char *collection = argc > 2 ? argv[2] : "flags";
  const char *key = argc > 3 ? argv[3] : "checkout-v2";
  if (hs_abi_version() != HS_ABI_VERSION) {
    fprintf(stderr, "consumer: library ABI %d, header ABI %d\n", hs_abi_version(), HS_ABI_VERSION);
    return 1;
  }

  hs_options *options = NULL;
  hs_status s = hs_options_new(&options);
  if (s == HS_OK) s = hs_options_add_url(options, argv[1]);
  if (s == HS_OK) s = hs_options_add_selector(options, collection, NULL);
  hs_client *client = NULL;
  if (s == HS_OK) s = hs_client_open(options, &client);
  hs_options_free(options);
  if (s != HS_OK) return fail("open", s);

  int rc = 0;
  hs_record *record = NULL;
  char *json = NULL;
  size_t len = 0;
  if ((s = hs_client_wait_ready(client, 10000)) != HS_OK) {
    rc = fail("wait_ready", s);
  } else if ((s = hs_get(client, collection, key, strlen(key), &record)) != HS_OK) {
    rc = fail("get", s);
  } else if ((s = hs_record_json(record, &json, &len)) != HS_OK) {
    rc = fail("json", s);
  } else {
    printf("%.*s\n", (int)len, json);
  }
  hs_free(json);
  hs_record_free(record);
  hs_client_free(client);
  return rc;
}
