// The offline cache's entry points: wiping the file, with or without an open client.

#include "handles.hpp"

using namespace hotstate;
using namespace hotstate::capi;

extern "C" {

hs_status hs_cache_wipe(const char* path) {
  return guard([&] {
    if (!path) return fail_null("path");
    wipe_offline_cache(path);
    return HS_OK;
  });
}

hs_status hs_client_wipe_cache(hs_client* client) {
  return guard([&] {
    if (!client) return fail_null("client");
    // Not check_open: wiping after close is how a caller gets rid of the file for good.
    client->client->wipe_cache();
    return HS_OK;
  });
}

}  // extern "C"
