/* CHECK for the plain-C test programs: counts passes and failures, and prints a failure
   with its file, line, expression and hs_last_error(). One program includes it once
   (its counters are that program's). */
#ifndef HOTSTATE_TEST_CHECK_H
#define HOTSTATE_TEST_CHECK_H

#include <stdio.h>

#include "hotstate.h"

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

#endif
