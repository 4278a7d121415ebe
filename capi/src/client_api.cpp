// Options, client lifetime, status and waits.

#include <algorithm>
#include <cstring>

#include "handles.hpp"

using namespace hotstate;
using namespace hotstate::capi;
using std::chrono::milliseconds;

namespace {

hs_link_state to_c(LinkState state) {
  switch (state) {
    case LinkState::Connecting: return HS_CONNECTING;
    case LinkState::Syncing: return HS_SYNCING;
    case LinkState::Live: return HS_LIVE;
    case LinkState::Stale: return HS_STALE;
    case LinkState::Offline: return HS_OFFLINE;
    case LinkState::Closed: return HS_CLOSED;
  }
  return HS_CLOSED;
}

hs_data_source to_c(DataSource source) {
  switch (source) {
    case DataSource::None: return HS_SOURCE_NONE;
    case DataSource::Cache: return HS_SOURCE_CACHE;
    case DataSource::Server: return HS_SOURCE_SERVER;
  }
  return HS_SOURCE_NONE;
}

// A duration option: `ms`, or with 0 the core's own default (a default-constructed
// ClientOptions), so no caller of the C ABI needs to know the defaults.
hs_status set_duration(hs_options* options, milliseconds ClientOptions::*field, uint32_t ms) {
  return guard([&] {
    if (!options) return fail_null("options");
    options->options.*field = ms ? milliseconds(ms) : ClientOptions{}.*field;
    return HS_OK;
  });
}

}  // namespace

namespace hotstate::capi {

// Fills as much of `out` as its struct_size covers (older callers know fewer fields).
void fill_status(const ClientStatus& s, hs_client_status* out) {
  hs_client_status full = HS_CLIENT_STATUS_INIT;
  full.state = to_c(s.state);
  full.source = to_c(s.source);
  full.epoch = s.epoch;
  full.revision = s.revision;
  full.server_revision = s.server_revision;
  full.since_last_contact_ms = s.since_last_contact ? s.since_last_contact->count() : -1;
  full.connects = s.connects;
  full.reconnect_attempts = s.reconnect_attempts;
  full.resets = s.resets;
  full.keys = s.keys;
  full.bytes = s.bytes;
  full.flag_errors = s.flag_errors;
  std::size_t n = std::min(s.last_error.size(), sizeof full.last_error - 1);
  std::memcpy(full.last_error, s.last_error.data(), n);
  full.last_error[n] = '\0';
  std::uint32_t size = std::min<std::uint32_t>(out->struct_size, sizeof full);
  full.struct_size = out->struct_size;
  std::memcpy(out, &full, size);
}

}  // namespace hotstate::capi

extern "C" {

hs_status hs_options_new(hs_options** out) {
  return guard([&] {
    if (!out) return fail_null("out");
    *out = new hs_options();
    return HS_OK;
  });
}

void hs_options_free(hs_options* options) { delete options; }

hs_status hs_options_add_url(hs_options* options, const char* url) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!url) return fail_null("url");
    options->options.urls.emplace_back(url);
    return HS_OK;
  });
}

hs_status hs_options_add_selector(hs_options* options, const char* collection, const char* prefix) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!collection) return fail_null("collection");
    options->options.selectors.push_back({collection, prefix ? prefix : ""});
    return HS_OK;
  });
}

hs_status hs_options_set_cache_path(hs_options* options, const char* path) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!path) return fail_null("path");
    options->options.cache_path = path;
    return HS_OK;
  });
}

hs_status hs_options_set_cache_interval(hs_options* options, uint32_t ms) {
  return set_duration(options, &ClientOptions::cache_interval, ms);
}

hs_status hs_options_set_stale_after(hs_options* options, uint32_t ms) {
  return set_duration(options, &ClientOptions::stale_after, ms);
}

hs_status hs_options_set_backoff_initial(hs_options* options, uint32_t ms) {
  return set_duration(options, &ClientOptions::backoff_initial, ms);
}

hs_status hs_options_set_backoff_max(hs_options* options, uint32_t ms) {
  return set_duration(options, &ClientOptions::backoff_max, ms);
}

hs_status hs_options_set_connect_timeout(hs_options* options, uint32_t ms) {
  return set_duration(options, &ClientOptions::connect_timeout, ms);
}

hs_status hs_options_set_request_timeout(hs_options* options, uint32_t ms) {
  return set_duration(options, &ClientOptions::request_timeout, ms);
}

hs_status hs_options_set_client_name(hs_options* options, const char* name) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!name) return fail_null("name");
    options->options.client_name = name;
    return HS_OK;
  });
}

hs_status hs_options_set_token(hs_options* options, const char* token) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!token) return fail_null("token");
    options->options.token = token;
    return HS_OK;
  });
}

hs_status hs_options_set_ca_file(hs_options* options, const char* path) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!path) return fail_null("path");
    options->options.ca_file = path;
    return HS_OK;
  });
}

hs_status hs_client_open(const hs_options* options, hs_client** out) {
  return guard([&] {
    if (!options) return fail_null("options");
    if (!out) return fail_null("out");
    *out = nullptr;
    auto client = std::make_unique<hs_client>();
    client->client = std::make_unique<Client>(options->options);
    *out = client.release();
    return HS_OK;
  });
}

void hs_client_close(hs_client* client) {
  if (!client) return;
  guard([&] {
    if (!client->closed.exchange(true)) client->client->close();
    return HS_OK;
  });
}

void hs_client_free(hs_client* client) {
  if (!client) return;
  hs_client_close(client);
  guard([&] {
    delete client;
    return HS_OK;
  });
}

hs_status hs_client_status_get(hs_client* client, hs_client_status* out) {
  return guard([&] {
    if (!client) return fail_null("client");
    if (!out) return fail_null("out");
    if (out->struct_size < offsetof(hs_client_status, source))
      return fail(HS_ERR_INVALID_ARGUMENT, "set struct_size (use HS_CLIENT_STATUS_INIT)");
    fill_status(client->client->status(), out);
    return HS_OK;
  });
}

hs_status hs_client_wait_ready(hs_client* client, uint32_t timeout_ms) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (client->client->wait_ready(milliseconds(timeout_ms))) return HS_OK;
    return fail(HS_ERR_TIMEOUT, "not LIVE within " + std::to_string(timeout_ms) + " ms: " +
                                    client->client->status().last_error);
  });
}

hs_status hs_client_wait_for_revision(hs_client* client, uint64_t revision, uint32_t timeout_ms) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (client->client->wait_for_revision(revision, milliseconds(timeout_ms))) return HS_OK;
    return fail(HS_ERR_TIMEOUT, "revision " + std::to_string(revision) + " not reached within " +
                                    std::to_string(timeout_ms) + " ms");
  });
}

hs_status hs_client_reconnect_now(hs_client* client) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    client->client->reconnect_now();
    return HS_OK;
  });
}

}  // extern "C"
