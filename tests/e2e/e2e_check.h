/* What the plain-C end-to-end tests share (one test program per file): pass/fail
   counting checks that report hs_last_error(), the thread count of this process, and a
   status read. */
#ifndef HOTSTATE_E2E_CHECK_H
#define HOTSTATE_E2E_CHECK_H

#include "hotstate.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

static int g_failed;
static int g_passed;

#define CHECK(cond)                                                                                  \
  do {                                                                                               \
    if (cond) {                                                                                      \
      ++g_passed;                                                                                    \
    } else {                                                                                         \
      ++g_failed;                                                                                    \
      fprintf(stderr, "%s:%d: FAILED: %s (hs_last_error: \"%s\")\n", __FILE__, __LINE__, #cond,      \
              hs_last_error());                                                                      \
    }                                                                                                \
  } while (0)
#define CHECK_STATUS(call, expected) CHECK((call) == (expected))
#define KEY(s) (s), strlen(s)

/* Threads of this process, from /proc/self/task (-1 when unreadable). */
static inline int thread_count(void) {
  DIR *dir = opendir("/proc/self/task");
  if (!dir) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL)
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n;
}

static inline void get_status(hs_client *c, hs_client_status *s) {
  hs_client_status init = HS_CLIENT_STATUS_INIT;
  *s = init;
  hs_client_status_get(c, s);
}

#endif
