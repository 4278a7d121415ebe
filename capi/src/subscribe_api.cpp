// Change and status subscriptions: C callbacks behind the client's dispatcher.

#include "handles.hpp"

using namespace hotstate;
using namespace hotstate::capi;

namespace hotstate::capi {
void fill_status(const ClientStatus& s, hs_client_status* out);
}

namespace {

constexpr uint32_t kKnownSubscribeFlags = HS_SUBSCRIBE_UNCHANGED_VALUES;

// The struct's versioning rule (hotstate.h): at least the first version's size; a newer
// caller's larger struct only with its unknown tail zero, so an option this library cannot
// honour is never silently dropped.
hs_status check_subscribe_options(const hs_subscribe_options& options) {
  if (options.struct_size < sizeof(hs_subscribe_options))
    return fail(HS_ERR_INVALID_ARGUMENT, "hs_subscribe_options.struct_size is " + std::to_string(options.struct_size) +
                                             ", less than " + std::to_string(sizeof(hs_subscribe_options)) +
                                             ": start from HS_SUBSCRIBE_OPTIONS_INIT");
  const auto* bytes = reinterpret_cast<const unsigned char*>(&options);
  for (std::size_t i = sizeof(hs_subscribe_options); i < options.struct_size; ++i)
    if (bytes[i] != 0)
      return fail(HS_ERR_INVALID_ARGUMENT, "hs_subscribe_options has options this library (" +
                                               std::string(HOTSTATE_VERSION_STRING) +
                                               ") does not know: the bytes past its fields must be zero");
  return HS_OK;
}

}  // namespace

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

hs_status hs_subscribe(hs_client* client, const hs_subscribe_options* options, hs_change_fn fn, void* user_data,
                       hs_free_fn free_user_data, uint64_t* subscription_out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!options) return fail_null("options");
    if (hs_status s = check_subscribe_options(*options)) return s;
    if (!fn) return fail_null("fn");
    const hs_subscribe_options& o = *options;
    if (!o.prefix && o.prefix_len) return fail_null("options->prefix");
    if (!o.key && o.key_len) return fail_null("options->key");
    if (o.flags & ~kKnownSubscribeFlags)
      return fail(HS_ERR_INVALID_ARGUMENT, "options->flags has unknown bits: " + std::to_string(o.flags));
    ChangeFilter filter;
    if (o.collection) filter.collection = o.collection;
    if (o.prefix) filter.prefix.assign(o.prefix, o.prefix_len);
    if (o.key) filter.key = std::string(o.key, o.key_len);
    filter.include_unchanged_values = (o.flags & HS_SUBSCRIBE_UNCHANGED_VALUES) != 0;
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
