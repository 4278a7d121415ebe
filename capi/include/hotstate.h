/*
 * hotstate.h — the stable C ABI of hotstate (libhotstate).
 *
 * A client keeps a replica of selected collections in process memory, fed by one stream
 * to hotstated; reads are local lookups and keep answering while the server is away.
 * See docs/c-api.md for a complete example.
 *
 * Conventions
 *  - Every function returns an hs_status (HS_OK = 0) unless it cannot fail. On failure
 *    hs_last_error() gives a message for the calling thread. No C++ exception ever
 *    crosses this boundary; a NULL argument is HS_ERR_INVALID_ARGUMENT, never a crash.
 *  - Handles are opaque. X_open/X_new pair with X_close/X_free; free functions accept NULL.
 *  - Memory the library allocates for you (JSON text) is released with hs_free().
 *  - Strings passed in are UTF-8. Keys may contain any bytes of valid UTF-8, so they are
 *    passed as (pointer, length); collection names and URLs are NUL-terminated.
 *  - Clients, records and reads may be used from any thread. An hs_options or hs_iter is
 *    used by one thread at a time.
 *  - NULL is accepted for optional outputs (revision_out, subscription_out, len of
 *    hs_record_json, the fields of hs_record_revisions); functions returning a value
 *    instead of a status return 0 for a NULL handle.
 */
#ifndef HOTSTATE_H
#define HOTSTATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HS_API __attribute__((visibility("default")))
#else
#define HS_API
#endif

/* ==== Version ============================================================ */

#define HS_VERSION_MAJOR 0
#define HS_VERSION_MINOR 1
#define HS_VERSION_PATCH 0
/* Bumped only for incompatible ABI changes; it is the shared library's SONAME number. */
#define HS_ABI_VERSION 1

/* The library's version, e.g. "0.1.0" (static storage). */
HS_API const char *hs_version(void);
/* The ABI version the library implements; compare with HS_ABI_VERSION. */
HS_API int hs_abi_version(void);

/* ==== Errors ============================================================= */

/* Stable numbers: never reused or renumbered. Each HS_ERR_* is the core's
   hotstate::ErrorCode of the same number (core/include/hotstate/error_code.hpp; checked
   when the library is built), so C and C++ report every failure alike. */
typedef enum hs_status {
  HS_OK = 0,
  HS_ERR_INVALID_ARGUMENT = 1, /* NULL, malformed name/key/prefix/option, bad JSON, or a value
                                  or request over the server's size limits */
  HS_ERR_NOT_FOUND = 2,        /* no such record */
  HS_ERR_CONDITION_FAILED = 3, /* if_revision did not match (HTTP 412) */
  HS_ERR_TIMEOUT = 4,          /* a wait ran out */
  HS_ERR_UNAVAILABLE = 5,      /* no server could be reached */
  HS_ERR_CLOSED = 6,           /* the client was closed */
  HS_ERR_REFUSED = 7,          /* the server refused a write for another reason (4xx/5xx) */
  HS_ERR_TYPE_MISMATCH = 8,    /* a typed read found a value of another type */
  HS_ERR_NO_MEMORY = 9,
  HS_ERR_INTERNAL = 10,
  HS_ERR_PERMISSION_DENIED = 11, /* the server refused the API token (missing or invalid) or
                                    its scope does not cover the collection (HTTP 401/403) */
  HS_ERR_IO = 12                 /* a local file could not be changed (the offline cache) */
} hs_status;

/* The calling thread's message for its last failed call ("" if none). Valid until the
   thread's next call into the library. */
HS_API const char *hs_last_error(void);
/* "HS_OK", "HS_ERR_NOT_FOUND", ... (static storage). */
HS_API const char *hs_status_name(hs_status status);

/* ==== Memory ============================================================= */

/* Frees memory returned by the library (e.g. hs_record_json). NULL is fine. */
HS_API void hs_free(void *p);

/* ==== Client ============================================================= */

typedef struct hs_options hs_options;
typedef struct hs_client hs_client;

/* Options are set one by one, so new ones can be added without breaking old callers. */
HS_API hs_status hs_options_new(hs_options **out);
HS_API void hs_options_free(hs_options *options);
/* "http://host:port", or "https://host:port" for TLS (ws:// and wss:// mean the same;
   without a port: 80, or 443 for https). At least one; several are tried in turn. */
HS_API hs_status hs_options_add_url(hs_options *options, const char *url);
/* Collection plus key prefix ("" or NULL: the whole collection). At least one. */
HS_API hs_status hs_options_add_selector(hs_options *options, const char *collection, const char *prefix);
/* One setter per option. For every duration, 0 means the core's default (named here), so
   a binding passes 0 for an option its caller left out and never repeats a default; any
   other value is milliseconds, 1 to 4294967295 (about 49 days). The options are checked
   together by hs_client_open (HS_ERR_INVALID_ARGUMENT, hs_last_error says which). */
/* Offline cache file ("" = none, the default): read at open so reads answer before any
   connection, written every cache interval when the replica changed and at close. */
HS_API hs_status hs_options_set_cache_path(hs_options *options, const char *path);
/* How often the offline cache is written. 0: 10 000 ms. */
HS_API hs_status hs_options_set_cache_interval(hs_options *options, uint32_t ms);
/* No frame for this long = STALE; twice this = reconnect. 0: three server heartbeats. */
HS_API hs_status hs_options_set_stale_after(hs_options *options, uint32_t ms);
/* Full-jitter exponential backoff between reconnects, from the initial delay up to the
   max (initial <= max, checked at open). Initial 0: 100 ms. Max 0: 10 000 ms. */
HS_API hs_status hs_options_set_backoff_initial(hs_options *options, uint32_t ms);
HS_API hs_status hs_options_set_backoff_max(hs_options *options, uint32_t ms);
/* A connection attempt's time limit. 0: 5 000 ms. */
HS_API hs_status hs_options_set_connect_timeout(hs_options *options, uint32_t ms);
/* A write's (hs_put_*, hs_delete, hs_txn) time limit per server. 0: 10 000 ms. */
HS_API hs_status hs_options_set_request_timeout(hs_options *options, uint32_t ms);
/* The name sent to the server in Hello (default "hotstate-cpp"). */
HS_API hs_status hs_options_set_client_name(hs_options *options, const char *name);
HS_API hs_status hs_options_set_token(hs_options *options, const char *token);
/* The CA certificates (a PEM file) that https:// servers' certificates must chain to,
   instead of the system's trust store ("" restores the system store, the default). The
   certificate must also name the URL's host or IP address; verification cannot be turned
   off. The file is read by hs_client_open, which fails with HS_ERR_INVALID_ARGUMENT when it
   cannot be read or holds no certificate. A failed verification later shows in the
   status's last_error ("TLS: certificate verify failed for HOST: ...") while the client
   keeps retrying, and makes writes fail with HS_ERR_UNAVAILABLE. See docs/tls.md. */
HS_API hs_status hs_options_set_ca_file(hs_options *options, const char *path);
/* A collection of flag definitions (flagd's format, docs/flags.md) to evaluate with
   hs_evaluate*. It is replicated whole (no selector needed) and its flags are compiled as
   their records arrive, never at evaluation time. May be called several times. */
HS_API hs_status hs_options_add_flag_collection(hs_options *options, const char *collection);

/* Starts a client (its I/O and callback threads) and returns at once; the options can
   be freed afterwards. With a cache, reads answer from it before any connection. */
HS_API hs_status hs_client_open(const hs_options *options, hs_client **out);
/* Stops the client's threads and writes the cache. Idempotent. May be called from a
   callback. The handle stays valid until hs_client_free. Afterwards (the same rule as C++'s
   Client::close, docs/c-api.md "After close") reads of the replica, writes, waits,
   reconnects and subscribes return HS_ERR_CLOSED and change nothing; hs_evaluate* return
   HS_ERR_CLOSED with the default (error GENERAL); hs_client_status_get, hs_unsubscribe and
   hs_client_wipe_cache keep working; records, reads and iterators taken before stay valid. */
HS_API void hs_client_close(hs_client *client);
/* Closes (if needed) and releases the handle. NULL is fine. Not from a callback. */
HS_API void hs_client_free(hs_client *client);

typedef enum hs_link_state {
  HS_CONNECTING = 0,
  HS_SYNCING = 1,
  HS_LIVE = 2,
  HS_STALE = 3,   /* connected, but nothing heard within the stale timeout */
  HS_OFFLINE = 4, /* not connected; reads answer from the last state */
  HS_CLOSED = 5
} hs_link_state;

typedef enum hs_data_source { HS_SOURCE_NONE = 0, HS_SOURCE_CACHE = 1, HS_SOURCE_SERVER = 2 } hs_data_source;

/* A versioned struct: set struct_size (HS_CLIENT_STATUS_INIT does) before passing it;
   fields beyond what the library knows stay untouched. */
typedef struct hs_client_status {
  uint32_t struct_size;
  hs_link_state state;
  hs_data_source source;
  uint64_t epoch;
  uint64_t revision;          /* the replica's revision */
  uint64_t server_revision;   /* latest the server reported */
  int64_t since_last_contact_ms; /* -1: never heard from a server */
  uint64_t connects;
  uint64_t reconnect_attempts;
  uint64_t resets;
  uint64_t keys;
  uint64_t bytes;
  char last_error[256];       /* NUL-terminated, truncated if longer */
  uint64_t flag_errors;       /* flags of the flag collections that do not compile */
} hs_client_status;
#define HS_CLIENT_STATUS_INIT {sizeof(hs_client_status), HS_CONNECTING, HS_SOURCE_NONE, 0, 0, 0, -1, 0, 0, 0, 0, 0, {0}, 0}

/* Also valid after hs_client_close (state HS_CLOSED). struct_size must cover at least
   struct_size and state. */
HS_API hs_status hs_client_status_get(hs_client *client, hs_client_status *out);
/* HS_OK once the replica is LIVE; HS_ERR_TIMEOUT otherwise. Blocks the calling thread. */
HS_API hs_status hs_client_wait_ready(hs_client *client, uint32_t timeout_ms);
/* HS_OK once the replica reached `revision` (read-your-writes). Blocks. */
HS_API hs_status hs_client_wait_for_revision(hs_client *client, uint64_t revision, uint32_t timeout_ms);
/* Drops the link and reconnects now. */
HS_API hs_status hs_client_reconnect_now(hs_client *client);

/* ==== Reads (local, never touch the network) ============================== */

/* One record: immutable, shared with the replica (no copy). */
typedef struct hs_record hs_record;

/* *out receives a record to release with hs_record_free; HS_ERR_NOT_FOUND when absent. */
HS_API hs_status hs_get(hs_client *client, const char *collection, const char *key, size_t key_len,
                        hs_record **out);
HS_API void hs_record_free(hs_record *record);
/* Another handle to the same immutable record (nothing is copied), to keep a record lent
   by an iterator, a read or a change batch beyond its lender; release with hs_record_free. */
HS_API hs_status hs_record_retain(const hs_record *record, hs_record **out);

/* Zero-copy views: valid while the record (or the iterator/read that lent it) lives. */
HS_API hs_status hs_record_value(const hs_record *record, const uint8_t **flexbuffer, size_t *len);
HS_API hs_status hs_record_key(const hs_record *record, const char **key, size_t *len);
HS_API hs_status hs_record_collection(const hs_record *record, const char **collection);
HS_API hs_status hs_record_revisions(const hs_record *record, uint64_t *create_revision,
                                     uint64_t *mod_revision, uint64_t *version);
/* The value as JSON text, NUL-terminated, in memory to release with hs_free. */
HS_API hs_status hs_record_json(const hs_record *record, char **json, size_t *len);
/* Typed reads of the value's root: HS_ERR_TYPE_MISMATCH when it is of another type.
   hs_record_string's view is valid while the record lives. */
HS_API hs_status hs_record_bool(const hs_record *record, int *out);
/* Integers only (unsigned values above INT64_MAX are a mismatch). */
HS_API hs_status hs_record_int64(const hs_record *record, int64_t *out);
/* Any JSON number, integers included. */
HS_API hs_status hs_record_double(const hs_record *record, double *out);
HS_API hs_status hs_record_string(const hs_record *record, const char **out, size_t *len);

/* Records of a collection whose key starts with a prefix, sorted by key. */
typedef struct hs_iter hs_iter;
HS_API hs_status hs_scan(hs_client *client, const char *collection, const char *prefix, size_t prefix_len,
                         hs_iter **out);
/* *record is set to the next record (lent: valid until hs_iter_free), or NULL at the end. */
HS_API hs_status hs_iter_next(hs_iter *iter, const hs_record **record);
HS_API size_t hs_iter_count(const hs_iter *iter);
HS_API void hs_iter_free(hs_iter *iter);

/* A read transaction: one revision for many reads. */
typedef struct hs_read hs_read;
HS_API hs_status hs_read_begin(hs_client *client, hs_read **out);
HS_API uint64_t hs_read_revision(const hs_read *read);
/* *out is lent by the read: valid until hs_read_free. HS_ERR_NOT_FOUND when absent.
   Getting the same record again gives the same pointer: a read's memory grows with the
   distinct records it lent (at most the keys of its revision), not with the number of
   calls, so one read may serve any number of gets. */
HS_API hs_status hs_read_get(hs_read *read, const char *collection, const char *key, size_t key_len,
                             const hs_record **out);
HS_API hs_status hs_read_scan(hs_read *read, const char *collection, const char *prefix, size_t prefix_len,
                              hs_iter **out);
HS_API void hs_read_free(hs_read *read);

/* ==== Writes (HTTP to the same servers; blocking) ========================= */

/* if_revision: NULL for none, else the record's expected mod_revision (0 = absent).
   *revision_out (may be NULL) receives the committed revision. */
HS_API hs_status hs_put_json(hs_client *client, const char *collection, const char *key, size_t key_len,
                             const char *json, size_t json_len, const uint64_t *if_revision,
                             uint64_t *revision_out);
/* The value as FlexBuffers bytes (e.g. a record's value). */
HS_API hs_status hs_put_flex(hs_client *client, const char *collection, const char *key, size_t key_len,
                             const uint8_t *flexbuffer, size_t len, const uint64_t *if_revision,
                             uint64_t *revision_out);
HS_API hs_status hs_delete(hs_client *client, const char *collection, const char *key, size_t key_len,
                           const uint64_t *if_revision, uint64_t *revision_out);
/* A transaction as JSON (docs/http-api.md, POST /v1/txn). */
HS_API hs_status hs_txn(hs_client *client, const char *txn_json, size_t len, uint64_t *revision_out);

/* ==== Subscriptions ======================================================== */

/* What a change callback receives; lent for the duration of the call only. */
typedef struct hs_change_batch hs_change_batch;
HS_API uint64_t hs_change_batch_revision(const hs_change_batch *batch);
/* 1 when the replica was replaced (reset snapshot), else 0. */
HS_API int hs_change_batch_is_reset(const hs_change_batch *batch);
HS_API size_t hs_change_batch_count(const hs_change_batch *batch);
/* The i-th change: before/after are lent for the call (NULL when absent on that side). */
HS_API hs_status hs_change_batch_get(const hs_change_batch *batch, size_t i, const hs_record **before,
                                     const hs_record **after);

/* Runs on the client's callback thread, in revision order, one call per transaction,
   after the replica applied it. It may read from the client, write, unsubscribe and
   call hs_client_close, but must not call hs_client_free. */
typedef void (*hs_change_fn)(const hs_change_batch *batch, void *user_data);
typedef void (*hs_status_fn)(const hs_client_status *status, void *user_data);
/* Called once with user_data when the subscription ends (unsubscribe or client free).
   Not called when hs_subscribe itself fails: user_data then stays the caller's. */
typedef void (*hs_free_fn)(void *user_data);

#define HS_SUBSCRIBE_UNCHANGED_VALUES 1u /* also deliver writes that left a value equal */

/* What a change subscription delivers. A versioned struct: start from
   HS_SUBSCRIBE_OPTIONS_INIT (it sets struct_size), then set the fields you need. Filters:
   collection (NULL = every collection), key prefix (NULL = any key), exact key (NULL =
   any key); prefix and key are (pointer, length) and copied by hs_subscribe.
   Versioning rule: struct_size smaller than this first version is HS_ERR_INVALID_ARGUMENT;
   a larger one (a caller built against a newer header) is accepted only when every byte
   past the fields this library knows is zero, i.e. the newer options are left unset. */
typedef struct hs_subscribe_options {
  uint32_t struct_size; /* sizeof(hs_subscribe_options) */
  const char *collection;
  const char *prefix;
  size_t prefix_len;
  const char *key;
  size_t key_len;
  uint32_t flags; /* HS_SUBSCRIBE_* bits */
} hs_subscribe_options;
#define HS_SUBSCRIBE_OPTIONS_INIT {sizeof(hs_subscribe_options), NULL, NULL, 0, NULL, 0, 0u}

/* Calls fn for every transaction that changes a record the options select. `options` is
   read during the call only. */
HS_API hs_status hs_subscribe(hs_client *client, const hs_subscribe_options *options, hs_change_fn fn, void *user_data,
                              hs_free_fn free_user_data, uint64_t *subscription_out);
HS_API hs_status hs_subscribe_status(hs_client *client, hs_status_fn fn, void *user_data,
                                     hs_free_fn free_user_data, uint64_t *subscription_out);
/* After it returns the callback is not running and will not run again (from inside the
   callback itself: it will not run again). An unknown or removed id is not an error. */
HS_API hs_status hs_unsubscribe(hs_client *client, uint64_t subscription);

/* ==== Flags: local evaluation (docs/flags.md) ============================== */

/* The attributes a targeting rule reads ({"var": "email"}): the targeting key and flat or
   nested attributes. Build one per user or request and reuse it; a context is used by one
   thread at a time while it is changed, and by any number at once while it is not.
   Attribute names are NUL-terminated UTF-8. */
typedef struct hs_context hs_context;
HS_API hs_status hs_context_new(hs_context **out);
/* From a JSON object's text ("targetingKey" in it is the targeting key).
   HS_ERR_INVALID_ARGUMENT for bad JSON or anything but an object. */
HS_API hs_status hs_context_from_json(const char *json, size_t len, hs_context **out);
HS_API void hs_context_free(hs_context *context);
HS_API hs_status hs_context_set_targeting_key(hs_context *context, const char *value, size_t len);
HS_API hs_status hs_context_set_string(hs_context *context, const char *name, const char *value, size_t len);
HS_API hs_status hs_context_set_bool(hs_context *context, const char *name, int value);
HS_API hs_status hs_context_set_int64(hs_context *context, const char *name, int64_t value);
HS_API hs_status hs_context_set_double(hs_context *context, const char *name, double value);
HS_API hs_status hs_context_set_null(hs_context *context, const char *name);
/* Any JSON value (objects and arrays for nested attributes). */
HS_API hs_status hs_context_set_json(hs_context *context, const char *name, const char *json, size_t len);
/* Removing an attribute that is not there is not an error. */
HS_API hs_status hs_context_remove(hs_context *context, const char *name);
HS_API hs_status hs_context_clear(hs_context *context);

/* Why an evaluation gave its value (OpenFeature's reasons). STALE and CACHED replace a
   successful reason while the replica is not live: CACHED while it holds only what the
   offline cache had, STALE while the link is down or silent. Stable numbers. */
typedef enum hs_flag_reason {
  HS_REASON_STATIC = 0,
  HS_REASON_DEFAULT = 1,
  HS_REASON_TARGETING_MATCH = 2,
  HS_REASON_SPLIT = 3,
  HS_REASON_DISABLED = 4,
  HS_REASON_ERROR = 5,
  HS_REASON_STALE = 6,
  HS_REASON_CACHED = 7,
  HS_REASON_UNKNOWN = 8
} hs_flag_reason;

/* Why the caller's default was returned (OpenFeature's error codes). Stable numbers. */
typedef enum hs_flag_error {
  HS_FLAG_ERROR_NONE = 0,
  HS_FLAG_ERROR_FLAG_NOT_FOUND = 1,
  HS_FLAG_ERROR_PARSE_ERROR = 2,       /* the flag's record does not compile */
  HS_FLAG_ERROR_TYPE_MISMATCH = 3,     /* the flag's variants are of another type */
  HS_FLAG_ERROR_TARGETING_KEY_MISSING = 4,
  HS_FLAG_ERROR_INVALID_CONTEXT = 5,   /* hs_evaluate_json's context is not a JSON object */
  HS_FLAG_ERROR_GENERAL = 6,
  HS_FLAG_ERROR_PROVIDER_NOT_READY = 7 /* no state yet: no server reached, no offline cache */
} hs_flag_error;

/* "STATIC", "TARGETING_MATCH", ...; "", "FLAG_NOT_FOUND", ... (static storage). */
HS_API const char *hs_flag_reason_name(hs_flag_reason reason);
HS_API const char *hs_flag_error_name(hs_flag_error error);

/* The type of a resolved value; NONE: no variant, the caller's default applies. */
typedef enum hs_flag_type {
  HS_FLAG_TYPE_NONE = 0,
  HS_FLAG_TYPE_BOOL = 1,
  HS_FLAG_TYPE_STRING = 2,
  HS_FLAG_TYPE_NUMBER = 3,
  HS_FLAG_TYPE_OBJECT = 4 /* JSON objects */
} hs_flag_type;

/* The type an evaluation asks for: another type is HS_FLAG_ERROR_TYPE_MISMATCH. INT64
   takes numbers with an exact int64 value; DOUBLE any number. */
typedef enum hs_flag_expect {
  HS_EXPECT_ANY = 0,
  HS_EXPECT_BOOL = 1,
  HS_EXPECT_STRING = 2,
  HS_EXPECT_INT64 = 3,
  HS_EXPECT_DOUBLE = 4,
  HS_EXPECT_OBJECT = 5
} hs_flag_expect;

/* An evaluation's outcome, in memory the caller owns and reuses (HS_FLAG_RESULT_INIT it
   once). Every view (strings, flex, json, variant, metadata) stays valid until the next
   evaluation into the same struct or hs_flag_result_release; strings are NUL-terminated.
   A versioned struct: the library writes only the first struct_size bytes. */
typedef struct hs_flag_result {
  uint32_t struct_size;
  void *internal;             /* the library's: keeps the views alive */
  hs_flag_type type;          /* HS_FLAG_TYPE_NONE: the caller's default applies */
  hs_flag_reason reason;
  hs_flag_error error;
  const char *error_message;  /* "" unless error */
  const char *variant;        /* the variant's name; "" when none */
  size_t variant_len;
  int bool_value;
  int is_integer;             /* a number with an exact int64 value */
  int64_t int_value;
  double double_value;
  const char *string_value;
  size_t string_len;
  const uint8_t *flex;        /* the value as FlexBuffers, any type */
  size_t flex_len;
  const char *json;           /* the value as JSON text, any type ("" when none) */
  size_t json_len;
  const char *metadata_json;  /* the flag's metadata as a JSON object ("" when not found) */
  size_t metadata_len;
} hs_flag_result;
#define HS_FLAG_RESULT_INIT                                                                          \
  {sizeof(hs_flag_result), NULL, HS_FLAG_TYPE_NONE, HS_REASON_UNKNOWN, HS_FLAG_ERROR_NONE, "", "", 0, 0, 0, 0, \
   0.0, "", 0, NULL, 0, "", 0, "", 0}
/* Releases what the result keeps alive (its views become invalid); it can be reused. */
HS_API void hs_flag_result_release(hs_flag_result *result);

/* Evaluates the flag `flag_key` of `collection` (one of the client's flag collections)
   for `context` (NULL: an empty context), locally and without waiting. HS_OK whenever it
   ran: a missing, broken, disabled or mistyped flag is an outcome in result->error, not a
   failure. HS_ERR_INVALID_ARGUMENT for NULL arguments, HS_ERR_CLOSED after
   hs_client_close (result->error is then GENERAL). Any thread. */
HS_API hs_status hs_evaluate(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                             const hs_context *context, hs_flag_expect expect, hs_flag_result *result);
/* The same with the context as a JSON object's text (parsed per call: prefer an
   hs_context on hot paths). Text that is not a JSON object is HS_FLAG_ERROR_INVALID_CONTEXT. */
HS_API hs_status hs_evaluate_json(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                                  const char *context_json, size_t context_len, hs_flag_expect expect,
                                  hs_flag_result *result);
/* Typed forms: *value_out receives the flag's value, or default_value whenever the flag
   cannot give one (result->error says why; result may be NULL). hs_evaluate_string needs
   a result: *value_out points into it (or is default_value). */
HS_API hs_status hs_evaluate_bool(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                                  const hs_context *context, int default_value, int *value_out,
                                  hs_flag_result *result);
HS_API hs_status hs_evaluate_int64(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                                   const hs_context *context, int64_t default_value, int64_t *value_out,
                                   hs_flag_result *result);
HS_API hs_status hs_evaluate_double(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                                    const hs_context *context, double default_value, double *value_out,
                                    hs_flag_result *result);
HS_API hs_status hs_evaluate_string(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                                    const hs_context *context, const char *default_value, const char **value_out,
                                    size_t *len_out, hs_flag_result *result);

/* Runs on the client's callback thread whenever the flag's evaluation for the context
   gives another variant, value or error than it last did (after record changes, not
   merely because time passed); `result` is lent for the call. The same rules as
   hs_change_fn apply to what it may call. */
typedef void (*hs_flag_fn)(const hs_flag_result *result, void *user_data);
/* `context` is copied (NULL: empty). The evaluation at subscription is the starting
   point: no call for it. Ends with hs_unsubscribe; free_user_data as for hs_subscribe. */
HS_API hs_status hs_subscribe_flag(hs_client *client, const char *collection, const char *flag_key, size_t key_len,
                                   const hs_context *context, hs_flag_fn fn, void *user_data,
                                   hs_free_fn free_user_data, uint64_t *subscription_out);
/* The flags that do not compile, as a JSON array of {"collection","key","message"} sorted
   by collection and key, NUL-terminated, to release with hs_free. */
HS_API hs_status hs_flag_problems_json(hs_client *client, char **json, size_t *len);

/* ==== Offline cache ======================================================== */

/* Removes the offline cache file at `path` and the temporary files interrupted writes
   left next to it, e.g. before opening a client that must not start from it. HS_OK when
   there is nothing to remove; never removes a directory. HS_ERR_INVALID_ARGUMENT for NULL
   or "", HS_ERR_IO (hs_last_error says which file and why) when a file is there but cannot
   be removed. A client open on the same path writes it again at its next interval: use
   hs_client_wipe_cache for that. Any thread. */
HS_API hs_status hs_cache_wipe(const char *path);
/* Removes the client's offline cache file (as hs_cache_wipe). The replica and reads are
   untouched; the file is not written again for the state the replica holds now, only
   after its next change (never, once the client is closed: close, then wipe, to be rid of
   it). Also after hs_client_close. HS_ERR_INVALID_ARGUMENT when the client has no cache,
   HS_ERR_IO when a file cannot be removed. Waits for a cache write in progress; any
   thread, callbacks included. */
HS_API hs_status hs_client_wipe_cache(hs_client *client);

#ifdef __cplusplus
}
#endif
#endif /* HOTSTATE_H */
