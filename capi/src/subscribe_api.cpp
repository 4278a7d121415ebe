// Change and status subscriptions: C callbacks behind the client's dispatcher.

#include "handles.hpp"

using namespace hotstate;
using namespace hotstate::capi;

namespace hotstate::capi {
void fill_status(const ClientStatus& s, hs_client_status* out);
}

extern "C" {

uint64_t hs_change_batch_revision(const hs_change_batch* batch) { return batch ? batch->batch->revision : 0; }
int hs_change_batch_is_reset(const hs_change_batch* batch) { return batch && batch->batch->reset ? 1 : 0; }
size_t hs_change_batch_count(const hs_change_batch* batch) { return batch ? batch->batch->changes.size() : 0; }

hs_status hs_change_batch_get(const hs_change_batch* batch, size_t i, const hs_record** before,
                              const hs_record** after) {
  return guard([&] {
    if (!batch) return fail_null("batch");
    if (i >= batch->batch->changes.size())
      return fail(HS_ERR_INVALID_ARGUMENT, "change index " + std::to_string(i) + " out of range");
    if (before) *before = batch->before[i].record ? &batch->before[i] : nullptr;
    if (after) *after = batch->after[i].record ? &batch->after[i] : nullptr;
    return HS_OK;
  });
}

hs_status hs_subscribe(hs_client* client, const char* collection, const char* prefix, size_t prefix_len,
                       const char* key, size_t key_len, uint32_t flags, hs_change_fn fn, void* user_data,
                       hs_free_fn free_user_data, uint64_t* subscription_out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!fn) return fail_null("fn");
    if (!prefix && prefix_len) return fail_null("prefix");
    if (!key && key_len) return fail_null("key");
    ChangeFilter filter;
    if (collection) filter.collection = collection;
    if (prefix) filter.prefix.assign(prefix, prefix_len);
    if (key) filter.key = std::string(key, key_len);
    filter.include_unchanged_values = (flags & HS_SUBSCRIBE_UNCHANGED_VALUES) != 0;
    // free_user_data is armed only once the subscription exists: on failure the caller
    // still owns user_data.
    auto owner = std::shared_ptr<UserData>(new UserData{user_data, nullptr});
    auto id = client->client->on_change(std::move(filter), [fn, owner](const ChangeBatch& batch) {
      hs_change_batch view;
      view.batch = &batch;
      view.before.reserve(batch.changes.size());
      view.after.reserve(batch.changes.size());
      for (const auto& change : batch.changes) {
        view.before.push_back(hs_record{change.before});
        view.after.push_back(hs_record{change.after});
      }
      fn(&view, owner->data);
    });
    owner->free_data = free_user_data;
    if (subscription_out) *subscription_out = id;
    return HS_OK;
  });
}

hs_status hs_subscribe_status(hs_client* client, hs_status_fn fn, void* user_data, hs_free_fn free_user_data,
                              uint64_t* subscription_out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!fn) return fail_null("fn");
    auto owner = std::shared_ptr<UserData>(new UserData{user_data, nullptr});
    auto id = client->client->on_status([fn, owner](const ClientStatus& status) {
      hs_client_status c = HS_CLIENT_STATUS_INIT;
      fill_status(status, &c);
      fn(&c, owner->data);
    });
    owner->free_data = free_user_data;
    if (subscription_out) *subscription_out = id;
    return HS_OK;
  });
}

hs_status hs_unsubscribe(hs_client* client, uint64_t subscription) {
  return guard([&] {
    if (!client) return fail_null("client");
    client->client->unsubscribe(subscription);
    return HS_OK;
  });
}

}  // extern "C"
