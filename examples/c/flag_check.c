/* A feature-flag check evaluated locally, through the C ABI: `flag_check_c [URL]`
   (default http://127.0.0.1:7700). The flag is a record of the collection "flags" in
   flagd's format (docs/flags.md), e.g.

       hotstate put flags checkout-v2 '{"state":"ENABLED","variants":{"on":true,"off":false},
         "defaultVariant":"off","targeting":{"fractional":[["on",25],["off",75]]}}'

   An evaluation walks the flag's compiled rule in this process's memory: it never waits for
   the network, and keeps answering (with the last state) while the server is away. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <hotstate.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Runs on the client's callback thread when the flag's value for the context changes. The
   result is lent for the duration of the call only. */
static void on_checkout_changed(const hs_flag_result *result, void *user_data) {
  (void)user_data;
  printf("checkout-v2 for user-42 is now %s\n", result->type == HS_FLAG_TYPE_NONE ? "the default" : result->json);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:7700";

  hs_options *options = NULL;
  hs_client *client = NULL;
  hs_status s = hs_options_new(&options);
  if (s == HS_OK) s = hs_options_add_url(options, url);
  if (s == HS_OK) s = hs_options_add_flag_collection(options, "flags");
  if (s == HS_OK) s = hs_client_open(options, &client); /* returns at once */
  hs_options_free(options);                              /* the client keeps its own copy */
  if (s != HS_OK) {
    fprintf(stderr, "flag_check: %s: %s\n", hs_status_name(s), hs_last_error());
    return 1;
  }
  if (hs_client_wait_ready(client, 5000) != HS_OK) fprintf(stderr, "not live yet; evaluating what we have\n");

  /* The context: built once per user or request, reused for every evaluation. */
  hs_context *user = NULL;
  hs_context_new(&user);
  hs_context_set_targeting_key(user, "user-42", strlen("user-42"));
  hs_context_set_string(user, "email", "ann@example.com", strlen("ann@example.com"));

  uint64_t subscription = 0;
  s = hs_subscribe_flag(client, "flags", "checkout-v2", strlen("checkout-v2"), user, on_checkout_changed, NULL, NULL,
                        &subscription);
  if (s != HS_OK) fprintf(stderr, "flag_check: subscribe: %s: %s\n", hs_status_name(s), hs_last_error());

  hs_flag_result result = HS_FLAG_RESULT_INIT; /* reused: no allocation per evaluation */
  for (int i = 0; i < 3; ++i) {
    int enabled = 0;
    hs_evaluate_bool(client, "flags", "checkout-v2", strlen("checkout-v2"), user, 0, &enabled, &result);
    printf("checkout-v2 is %s (%s%s%s)\n", enabled ? "on" : "off", hs_flag_reason_name(result.reason),
           result.error ? ": " : "", result.error_message);
    fflush(stdout);
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
  }

  hs_flag_result_release(&result);
  hs_context_free(user);
  hs_client_free(client); /* ends the subscription too; never from a callback */
  return 0;
}
