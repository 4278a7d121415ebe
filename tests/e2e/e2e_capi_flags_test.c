/* Flags evaluated locally, through the C ABI (a plain C11 program against the shared
   library and a real hotstated): a reusable context handle and a context as JSON text,
   the typed forms with their defaults, a reused result struct, a flag listener, the list
   of flags that do not compile, and what happens after hs_client_close. */
#define _POSIX_C_SOURCE 200809L

#include "e2e_check.h"
#include "hotstate.h"
#include "test_server.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HOTSTATED_BINARY
#error "HOTSTATED_BINARY must name the hotstated executable"
#endif

static const char *kCheckout =
    "{\"state\":\"ENABLED\",\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\","
    "\"targeting\":{\"if\":[{\"in\":[{\"var\":\"country\"},[\"NL\",\"BE\"]]},\"on\",null]},"
    "\"metadata\":{\"owner\":\"checkout\"}}";
static const char *kLimit =
    "{\"state\":\"ENABLED\",\"variants\":{\"low\":5,\"high\":500},\"defaultVariant\":\"low\","
    "\"targeting\":{\"if\":[{\"==\":[{\"var\":\"plan\"},\"pro\"]},\"high\",null]}}";
static const char *kTheme =
    "{\"state\":\"ENABLED\",\"variants\":{\"dark\":{\"bg\":\"#000\"},\"light\":{\"bg\":\"#fff\"}},"
    "\"defaultVariant\":\"light\"}";

static hs_client *open_flag_client(const char *url) {
  hs_options *o = NULL;
  hs_client *c = NULL;
  if (hs_options_new(&o) != HS_OK) return NULL;
  hs_options_add_url(o, url);
  hs_options_add_flag_collection(o, "flags"); /* no selector needed */
  hs_options_set_backoff_initial(o, 20);
  hs_options_set_backoff_max(o, 200);
  if (hs_client_open(o, &c) != HS_OK) c = NULL;
  hs_options_free(o);
  return c;
}

static uint64_t put(hs_client *c, const char *key, const char *json) {
  uint64_t revision = 0;
  CHECK_STATUS(hs_put_json(c, "flags", KEY(key), json, strlen(json), NULL, &revision), HS_OK);
  return revision;
}

static atomic_int g_heard;
static atomic_int g_last_bool;
static atomic_int g_freed;

static void on_flag(const hs_flag_result *result, void *user_data) {
  (void)user_data;
  atomic_store(&g_last_bool, result->type == HS_FLAG_TYPE_BOOL ? result->bool_value : -1);
  atomic_fetch_add(&g_heard, 1);
}

static void free_flag_data(void *user_data) {
  (void)user_data;
  atomic_fetch_add(&g_freed, 1);
}

static int wait_for(atomic_int *counter, int value) {
  for (int i = 0; i < 2000 && atomic_load(counter) < value; ++i) sleep_ms(5);
  return atomic_load(counter);
}

static void test_evaluations(hs_client *c) {
  hs_context *nl = NULL;
  CHECK_STATUS(hs_context_new(&nl), HS_OK);
  CHECK_STATUS(hs_context_set_targeting_key(nl, KEY("user-1")), HS_OK);
  CHECK_STATUS(hs_context_set_string(nl, "country", KEY("NL")), HS_OK);
  CHECK_STATUS(hs_context_set_string(nl, "plan", KEY("pro")), HS_OK);

  hs_flag_result r = HS_FLAG_RESULT_INIT;
  int on = -1;
  CHECK_STATUS(hs_evaluate_bool(c, "flags", KEY("checkout"), nl, 0, &on, &r), HS_OK);
  CHECK(on == 1);
  CHECK(r.reason == HS_REASON_TARGETING_MATCH);
  CHECK(strcmp(r.variant, "on") == 0 && r.variant_len == 2);
  CHECK(strcmp(r.metadata_json, "{\"owner\":\"checkout\"}") == 0);
  CHECK(strcmp(hs_flag_reason_name(r.reason), "TARGETING_MATCH") == 0);

  /* The same result struct again: a miss gives the default, the error and its name. */
  on = -1;
  CHECK_STATUS(hs_evaluate_bool(c, "flags", KEY("nope"), nl, 1, &on, &r), HS_OK);
  CHECK(on == 1);
  CHECK(r.error == HS_FLAG_ERROR_FLAG_NOT_FOUND && r.type == HS_FLAG_TYPE_NONE);
  CHECK(strcmp(hs_flag_error_name(r.error), "FLAG_NOT_FOUND") == 0);
  CHECK(strstr(r.error_message, "nope") != NULL);

  /* Typed forms, and a mismatch. */
  int64_t limit = 0;
  CHECK_STATUS(hs_evaluate_int64(c, "flags", KEY("limit"), nl, -1, &limit, NULL), HS_OK);
  CHECK(limit == 500);
  double as_double = 0;
  CHECK_STATUS(hs_evaluate_double(c, "flags", KEY("limit"), NULL, -1, &as_double, &r), HS_OK);
  CHECK(as_double == 5.0 && r.reason == HS_REASON_DEFAULT);
  const char *text = NULL;
  size_t text_len = 0;
  CHECK_STATUS(hs_evaluate_string(c, "flags", KEY("limit"), nl, "fallback", &text, &text_len, &r), HS_OK);
  CHECK(strcmp(text, "fallback") == 0 && text_len == 8);
  CHECK(r.error == HS_FLAG_ERROR_TYPE_MISMATCH && r.reason == HS_REASON_ERROR);

  /* Untyped, an object variant: its JSON and FlexBuffers. */
  CHECK_STATUS(hs_evaluate(c, "flags", KEY("theme"), NULL, HS_EXPECT_ANY, &r), HS_OK);
  CHECK(r.type == HS_FLAG_TYPE_OBJECT && strcmp(r.json, "{\"bg\":\"#fff\"}") == 0);
  CHECK(r.flex != NULL && r.flex_len > 0);
  CHECK(r.reason == HS_REASON_STATIC);

  /* The context as JSON text, and text that is not a JSON object. */
  const char *be = "{\"targetingKey\":\"u2\",\"country\":\"BE\"}";
  CHECK_STATUS(hs_evaluate_json(c, "flags", KEY("checkout"), be, strlen(be), HS_EXPECT_BOOL, &r), HS_OK);
  CHECK(r.bool_value == 1 && r.reason == HS_REASON_TARGETING_MATCH);
  CHECK_STATUS(hs_evaluate_json(c, "flags", KEY("checkout"), "[1,2", 4, HS_EXPECT_BOOL, &r), HS_OK);
  CHECK(r.error == HS_FLAG_ERROR_INVALID_CONTEXT && r.type == HS_FLAG_TYPE_NONE);

  /* A context built from JSON, changed and cleared. */
  hs_context *from_json = NULL;
  CHECK_STATUS(hs_context_from_json(be, strlen(be), &from_json), HS_OK);
  CHECK_STATUS(hs_evaluate_bool(c, "flags", KEY("checkout"), from_json, 0, &on, NULL), HS_OK);
  CHECK(on == 1);
  CHECK_STATUS(hs_context_remove(from_json, "country"), HS_OK);
  CHECK_STATUS(hs_evaluate_bool(c, "flags", KEY("checkout"), from_json, 1, &on, NULL), HS_OK);
  CHECK(on == 0);
  CHECK_STATUS(hs_context_set_json(from_json, "country", KEY("\"NL\"")), HS_OK);
  CHECK_STATUS(hs_evaluate_bool(c, "flags", KEY("checkout"), from_json, 0, &on, NULL), HS_OK);
  CHECK(on == 1);
  CHECK_STATUS(hs_context_set_json(from_json, "country", KEY("{bad")), HS_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(hs_context_from_json(KEY("[]"), &from_json), HS_ERR_INVALID_ARGUMENT);
  hs_context_free(from_json);

  /* Bad arguments are errors, never crashes; the result says so too. */
  CHECK_STATUS(hs_evaluate_bool(c, NULL, KEY("checkout"), nl, 0, &on, &r), HS_ERR_INVALID_ARGUMENT);
  CHECK(r.error == HS_FLAG_ERROR_GENERAL);
  CHECK_STATUS(hs_evaluate(c, "flags", KEY("checkout"), nl, HS_EXPECT_ANY, NULL), HS_ERR_INVALID_ARGUMENT);
  hs_flag_result tiny = HS_FLAG_RESULT_INIT;
  tiny.struct_size = 4;
  CHECK_STATUS(hs_evaluate(c, "flags", KEY("checkout"), nl, HS_EXPECT_ANY, &tiny), HS_ERR_INVALID_ARGUMENT);
  /* C lets an enum carry any int: one the header does not define is refused, and the
     name functions still answer (the sanitizer build checks no invalid enum is read). */
  CHECK_STATUS(hs_evaluate(c, "flags", KEY("checkout"), nl, (hs_flag_expect)77, &r), HS_ERR_INVALID_ARGUMENT);
  CHECK(strstr(hs_last_error(), "unknown hs_flag_expect 77") != NULL);
  CHECK(strcmp(hs_flag_reason_name((hs_flag_reason)99), "UNKNOWN") == 0);
  CHECK(strcmp(hs_flag_error_name((hs_flag_error)-3), "GENERAL") == 0);

  hs_flag_result_release(&r);
  CHECK(r.internal == NULL && strcmp(r.variant, "") == 0);
  hs_flag_result_release(&r); /* idempotent */
  hs_context_free(nl);
  hs_context_free(NULL);
}

static void test_listener_and_problems(hs_client *c) {
  hs_context *nl = NULL;
  hs_context_new(&nl);
  hs_context_set_string(nl, "country", KEY("NL"));
  uint64_t subscription = 0;
  CHECK_STATUS(hs_subscribe_flag(c, "flags", KEY("checkout"), nl, on_flag, NULL, free_flag_data, &subscription),
               HS_OK);
  hs_context_free(nl); /* the subscription holds its own copy */
  put(c, "unrelated", "{\"state\":\"ENABLED\",\"variants\":{\"a\":1},\"defaultVariant\":\"a\"}");
  /* Dutch users lose the feature: one call, with the new value. */
  put(c, "checkout",
      "{\"state\":\"ENABLED\",\"variants\":{\"on\":true,\"off\":false},\"defaultVariant\":\"off\"}");
  CHECK(wait_for(&g_heard, 1) == 1);
  CHECK(atomic_load(&g_last_bool) == 0);
  CHECK_STATUS(hs_unsubscribe(c, subscription), HS_OK);
  CHECK(atomic_load(&g_freed) == 1);

  uint64_t revision = put(c, "broken", "{\"state\":\"ENABLED\",\"variants\":{\"a\":1},\"defaultVariant\":\"b\"}");
  CHECK_STATUS(hs_client_wait_for_revision(c, revision, 10000), HS_OK);
  hs_client_status status;
  get_status(c, &status);
  CHECK(status.flag_errors == 1);
  char *problems = NULL;
  size_t problems_len = 0;
  CHECK_STATUS(hs_flag_problems_json(c, &problems, &problems_len), HS_OK);
  CHECK(problems != NULL && strstr(problems, "\"key\":\"broken\"") != NULL);
  CHECK(problems != NULL && strlen(problems) == problems_len);
  hs_free(problems);
  int64_t value = 0;
  hs_flag_result r = HS_FLAG_RESULT_INIT;
  CHECK_STATUS(hs_evaluate_int64(c, "flags", KEY("broken"), NULL, 9, &value, &r), HS_OK);
  CHECK(value == 9 && r.error == HS_FLAG_ERROR_PARSE_ERROR);
  hs_flag_result_release(&r);
}

static void test_after_close(hs_client *c) {
  hs_client_close(c);
  int on = -1;
  hs_flag_result r = HS_FLAG_RESULT_INIT;
  CHECK_STATUS(hs_evaluate_bool(c, "flags", KEY("checkout"), NULL, 1, &on, &r), HS_ERR_CLOSED);
  CHECK(on == 1);
  CHECK(r.error == HS_FLAG_ERROR_GENERAL && r.reason == HS_REASON_ERROR);
  hs_flag_result_release(&r);
}

int main(void) {
  test_server server;
  if (test_server_start(&server, HOTSTATED_BINARY, NULL) != 0) return 1;
  hs_client *c = open_flag_client(server.url);
  CHECK(c != NULL);
  if (c) {
    put(c, "checkout", kCheckout);
    put(c, "limit", kLimit);
    uint64_t revision = put(c, "theme", kTheme);
    CHECK_STATUS(hs_client_wait_ready(c, 20000), HS_OK);
    CHECK_STATUS(hs_client_wait_for_revision(c, revision, 20000), HS_OK);
    test_evaluations(c);
    test_listener_and_problems(c);
    test_after_close(c);
    hs_client_free(c);
  }
  test_server_stop(&server);
  printf("e2e_capi_flags_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
