/* Guarantee 6 of the README (a corrupt offline cache) through the C ABI (a plain C11 program against the shared library and
   a real hotstated):
   - a corrupt cache file: hs_client_open succeeds at once with an empty replica
     (HS_SOURCE_NONE) and last_error naming the file and the reason; the client syncs
     from the server and writes a good file over the bad one at close;
   - hs_cache_wipe: removes the file and leftover temporary files, HS_OK with nothing to
     remove, HS_ERR_IO (and a message naming the file) for a directory, which it leaves;
   - hs_client_wipe_cache: removes an open client's file, which close does not write back
     while the replica is unchanged; HS_ERR_INVALID_ARGUMENT for a client without cache. */
#define _POSIX_C_SOURCE 200809L

#include "hotstate.h"
#include "e2e_check.h"
#include "test_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HOTSTATED_BINARY
#error "HOTSTATED_BINARY must name the hotstated executable"
#endif

static char g_dir[256];

static void path_in_dir(char *out, size_t size, const char *name) { snprintf(out, size, "%s/%s", g_dir, name); }

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int is_directory(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static hs_client *open_client_every(const char *url, const char *cache, uint32_t cache_interval_ms) {
  hs_options *options = NULL;
  hs_client *client = NULL;
  CHECK(hs_options_new(&options) == HS_OK);
  CHECK(hs_options_add_url(options, url) == HS_OK);
  CHECK(hs_options_add_selector(options, "flags", NULL) == HS_OK);
  CHECK(hs_options_set_backoff_initial(options, 20) == HS_OK);
  CHECK(hs_options_set_backoff_max(options, 100) == HS_OK);
  if (cache) {
    CHECK(hs_options_set_cache_path(options, cache) == HS_OK);
    CHECK(hs_options_set_cache_interval(options, cache_interval_ms) == HS_OK);
  }
  CHECK(hs_client_open(options, &client) == HS_OK);
  hs_options_free(options);
  return client;
}

static hs_client *open_client(const char *url, const char *cache) { return open_client_every(url, cache, 20); }

static hs_client_status status_of(hs_client *client) {
  hs_client_status status = HS_CLIENT_STATUS_INIT;
  CHECK(hs_client_status_get(client, &status) == HS_OK);
  return status;
}

static void put(hs_client *client, const char *key, const char *json) {
  uint64_t revision = 0;
  CHECK(hs_put_json(client, "flags", KEY(key), KEY(json), NULL, &revision) == HS_OK);
  CHECK(hs_client_wait_for_revision(client, revision, 10000) == HS_OK);
}

static void test_corrupt_file_is_replaced(const char *url) {
  char cache[512];
  path_in_dir(cache, sizeof cache, "corrupt.cache");
  write_text(cache, "HSCACHE1 but then nothing a cache file would hold");
  hs_client *client = open_client(url, cache);
  hs_client_status status = status_of(client);
  CHECK(status.source == HS_SOURCE_NONE);
  CHECK(strstr(status.last_error, cache) != NULL);
  CHECK(strstr(status.last_error, "ignoring offline cache") != NULL);
  CHECK(hs_client_wait_ready(client, 10000) == HS_OK);
  put(client, "a", "1");
  hs_client_free(client); /* closes: writes a good file over the bad one */

  char dead_url[64];
  int fd = -1;
  int port = test_dead_port(&fd);
  snprintf(dead_url, sizeof dead_url, "http://127.0.0.1:%d", port);
  client = open_client(dead_url, cache);
  status = status_of(client);
  CHECK(status.source == HS_SOURCE_CACHE);
  CHECK(status.keys == 1);
  hs_client_free(client);
  close(fd);
}

static void test_cache_wipe(const char *url) {
  char cache[512], leftover[600], other[600];
  path_in_dir(cache, sizeof cache, "wiped.cache");
  snprintf(leftover, sizeof leftover, "%s.tmp.777", cache);
  snprintf(other, sizeof other, "%s.bak", cache);
  hs_client *client = open_client(url, cache);
  CHECK(hs_client_wait_ready(client, 10000) == HS_OK);
  hs_client_free(client);
  CHECK(exists(cache));
  write_text(leftover, "an interrupted write");
  write_text(other, "not the cache's");

  CHECK(hs_cache_wipe(cache) == HS_OK);
  CHECK(!exists(cache));
  CHECK(!exists(leftover));
  CHECK(exists(other));
  CHECK(hs_cache_wipe(cache) == HS_OK); /* nothing to remove */
  CHECK(hs_cache_wipe(NULL) == HS_ERR_INVALID_ARGUMENT);
  CHECK(hs_cache_wipe("") == HS_ERR_INVALID_ARGUMENT);

  char dir[512];
  path_in_dir(dir, sizeof dir, "a-directory.cache");
  CHECK(mkdir(dir, 0755) == 0);
  CHECK(hs_cache_wipe(dir) == HS_ERR_IO);
  CHECK(strstr(hs_last_error(), dir) != NULL);
  CHECK(is_directory(dir));
  CHECK(strcmp(hs_status_name(HS_ERR_IO), "HS_ERR_IO") == 0);
  CHECK((int)HS_ERR_IO == 12); /* stable number */
  rmdir(dir);
}

static void test_client_wipe_cache(const char *url) {
  char cache[512];
  path_in_dir(cache, sizeof cache, "client.cache");
  hs_client *client = open_client(url, cache);
  CHECK(hs_client_wait_ready(client, 10000) == HS_OK);
  hs_client_free(client); /* writes the file */
  CHECK(exists(cache));
  /* A long interval: the file is behind the replica when it is wiped. */
  client = open_client_every(url, cache, 3600000);
  CHECK(hs_client_wait_ready(client, 10000) == HS_OK);
  put(client, "b", "2");
  CHECK(hs_client_wipe_cache(client) == HS_OK);
  CHECK(!exists(cache));
  hs_client_close(client); /* unchanged since the wipe: not written back */
  CHECK(!exists(cache));
  CHECK(hs_client_wipe_cache(client) == HS_OK); /* after close too */
  CHECK(hs_client_wipe_cache(NULL) == HS_ERR_INVALID_ARGUMENT);
  hs_client_free(client);

  hs_client *without = open_client(url, NULL);
  CHECK(hs_client_wipe_cache(without) == HS_ERR_INVALID_ARGUMENT);
  hs_client_free(without);
}

int main(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/hotstate-capi-cache-%d", (int)getpid());
  if (mkdir(g_dir, 0755) != 0) {
    perror(g_dir);
    return 1;
  }
  test_server server;
  if (test_server_start(&server, HOTSTATED_BINARY, NULL) != 0) return 1;
  test_corrupt_file_is_replaced(server.url);
  test_cache_wipe(server.url);
  test_client_wipe_cache(server.url);
  test_server_stop(&server);

  char command[300];
  snprintf(command, sizeof command, "rm -rf '%s'", g_dir);
  if (system(command) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
  printf("e2e_capi_cache_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
