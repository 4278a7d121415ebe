// Writes: put (JSON or FlexBuffers), delete, transactions.

#include "handles.hpp"

using namespace hotstate;
using namespace hotstate::capi;

namespace {

std::optional<std::uint64_t> condition(const uint64_t* if_revision) {
  if (!if_revision) return std::nullopt;
  return *if_revision;
}

hs_status check_target(hs_client* client, const char* collection, const char* key, size_t key_len) {
  if (hs_status s = check_open(client)) return s;
  if (!collection) return fail_null("collection");
  if (!key) return fail_null("key");
  (void)key_len;
  return HS_OK;
}

}  // namespace

extern "C" {

hs_status hs_put_json(hs_client* client, const char* collection, const char* key, size_t key_len, const char* json,
                      size_t json_len, const uint64_t* if_revision, uint64_t* revision_out) {
  return guard([&] {
    if (hs_status s = check_target(client, collection, key, key_len)) return s;
    if (!json) return fail_null("json");
    auto revision = client->client->put(collection, std::string_view(key, key_len),
                                        std::string_view(json, json_len), condition(if_revision));
    if (revision_out) *revision_out = revision;
    return HS_OK;
  });
}

hs_status hs_put_flex(hs_client* client, const char* collection, const char* key, size_t key_len,
                      const uint8_t* flexbuffer, size_t len, const uint64_t* if_revision, uint64_t* revision_out) {
  return guard([&] {
    if (hs_status s = check_target(client, collection, key, key_len)) return s;
    if (!flexbuffer) return fail_null("flexbuffer");
    // Verified and rendered here; the server stores it as FlexBuffers again.
    std::string json = flex_to_json({flexbuffer, len});
    auto revision = client->client->put(collection, std::string_view(key, key_len), json, condition(if_revision));
    if (revision_out) *revision_out = revision;
    return HS_OK;
  });
}

hs_status hs_delete(hs_client* client, const char* collection, const char* key, size_t key_len,
                    const uint64_t* if_revision, uint64_t* revision_out) {
  return guard([&] {
    if (hs_status s = check_target(client, collection, key, key_len)) return s;
    auto revision = client->client->del(collection, std::string_view(key, key_len), condition(if_revision));
    if (revision_out) *revision_out = revision;
    return HS_OK;
  });
}

hs_status hs_txn(hs_client* client, const char* txn_json, size_t len, uint64_t* revision_out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!txn_json) return fail_null("txn_json");
    auto revision = client->client->txn(std::string_view(txn_json, len));
    if (revision_out) *revision_out = revision;
    return HS_OK;
  });
}

}  // extern "C"
