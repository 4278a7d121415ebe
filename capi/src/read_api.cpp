// Local reads: records, typed values, scans and read transactions.

#include <flatbuffers/flexbuffers.h>

#include <cstdlib>
#include <cstring>
#include <limits>

#include "handles.hpp"
#include "hotstate/names.hpp"

using namespace hotstate;
using namespace hotstate::capi;

namespace {

// Names and keys follow the data model's rules; anything else can never be found and is
// the caller's mistake, so it is reported as such.
hs_status check_name(const char* collection) {
  if (!collection) return fail_null("collection");
  if (!valid_collection(collection))
    return fail(HS_ERR_INVALID_ARGUMENT, std::string("\"") + collection + "\" is not a valid collection name");
  return HS_OK;
}

hs_status check_key(const char* key, size_t key_len) {
  if (!key) return fail_null("key");
  if (!valid_key(std::string_view(key, key_len)))
    return fail(HS_ERR_INVALID_ARGUMENT, "keys are 1..1024 bytes of valid UTF-8");
  return HS_OK;
}

hs_status check_prefix(const char* prefix, size_t prefix_len) {
  if (!prefix && prefix_len) return fail_null("prefix");
  if (prefix && (prefix_len > kMaxKeyBytes || !valid_utf8(std::string_view(prefix, prefix_len))))
    return fail(HS_ERR_INVALID_ARGUMENT, "a prefix is at most 1024 bytes of valid UTF-8");
  return HS_OK;
}

flexbuffers::Reference root_of(const hs_record* record) {
  const auto& value = record->record->value;
  return flexbuffers::GetRoot(value.data(), value.size());
}

hs_status mismatch(const hs_record* record, const char* wanted) {
  return fail(HS_ERR_TYPE_MISMATCH, "value of " + record->record->collection + "/" + record->record->key +
                                        " is not " + wanted + ": " + flex_to_json(record->record->value));
}

hs_iter* make_iter(const std::vector<RecordPtr>& records) {
  auto iter = std::make_unique<hs_iter>();
  iter->records.reserve(records.size());
  for (const auto& r : records) iter->records.push_back(hs_record{r});
  return iter.release();
}

}  // namespace

extern "C" {

hs_status hs_get(hs_client* client, const char* collection, const char* key, size_t key_len, hs_record** out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (hs_status s = check_name(collection)) return s;
    if (hs_status s = check_key(key, key_len)) return s;
    if (!out) return fail_null("out");
    *out = nullptr;
    RecordPtr record = client->client->get(collection, std::string_view(key, key_len));
    if (!record) return fail_not_found(collection, std::string_view(key, key_len));
    *out = new hs_record{std::move(record)};
    return HS_OK;
  });
}

void hs_record_free(hs_record* record) { delete record; }

hs_status hs_record_retain(const hs_record* record, hs_record** out) {
  return guard([&] {
    if (!record) return fail_null("record");
    if (!out) return fail_null("out");
    *out = new hs_record{record->record};
    return HS_OK;
  });
}

hs_status hs_record_value(const hs_record* record, const uint8_t** flexbuffer, size_t* len) {
  return guard([&] {
    if (!record) return fail_null("record");
    if (!flexbuffer || !len) return fail_null("flexbuffer and len");
    *flexbuffer = record->record->value.data();
    *len = record->record->value.size();
    return HS_OK;
  });
}

hs_status hs_record_key(const hs_record* record, const char** key, size_t* len) {
  return guard([&] {
    if (!record) return fail_null("record");
    if (!key || !len) return fail_null("key and len");
    *key = record->record->key.data();
    *len = record->record->key.size();
    return HS_OK;
  });
}

hs_status hs_record_collection(const hs_record* record, const char** collection) {
  return guard([&] {
    if (!record) return fail_null("record");
    if (!collection) return fail_null("collection");
    *collection = record->record->collection.c_str();
    return HS_OK;
  });
}

hs_status hs_record_revisions(const hs_record* record, uint64_t* create_revision, uint64_t* mod_revision,
                              uint64_t* version) {
  return guard([&] {
    if (!record) return fail_null("record");
    if (create_revision) *create_revision = record->record->create_revision;
    if (mod_revision) *mod_revision = record->record->mod_revision;
    if (version) *version = record->record->version;
    return HS_OK;
  });
}

hs_status hs_record_json(const hs_record* record, char** json, size_t* len) {
  return guard([&] {
    if (!record) return fail_null("record");
    if (!json) return fail_null("json");
    std::string text = flex_to_json(record->record->value);
    *json = copy_to_c(text);
    if (len) *len = text.size();
    return HS_OK;
  });
}

hs_status hs_record_bool(const hs_record* record, int* out) {
  return guard([&] {
    if (!record || !out) return fail_null("record and out");
    auto root = root_of(record);
    if (!root.IsBool()) return mismatch(record, "a boolean");
    *out = root.AsBool() ? 1 : 0;
    return HS_OK;
  });
}

hs_status hs_record_int64(const hs_record* record, int64_t* out) {
  return guard([&] {
    if (!record || !out) return fail_null("record and out");
    auto root = root_of(record);
    if (root.IsUInt() && root.AsUInt64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return mismatch(record, "an integer in int64 range");
    if (!root.IsInt() && !root.IsUInt()) return mismatch(record, "an integer");
    *out = root.AsInt64();
    return HS_OK;
  });
}

hs_status hs_record_double(const hs_record* record, double* out) {
  return guard([&] {
    if (!record || !out) return fail_null("record and out");
    auto root = root_of(record);
    // Any JSON number reads as a double; only non-numbers are a mismatch.
    if (!root.IsFloat() && !root.IsInt() && !root.IsUInt()) return mismatch(record, "a number");
    *out = root.AsDouble();
    return HS_OK;
  });
}

hs_status hs_record_string(const hs_record* record, const char** out, size_t* len) {
  return guard([&] {
    if (!record || !out || !len) return fail_null("record, out and len");
    auto root = root_of(record);
    if (!root.IsString()) return mismatch(record, "a string");
    auto s = root.AsString();
    *out = s.c_str();
    *len = s.length();
    return HS_OK;
  });
}

hs_status hs_scan(hs_client* client, const char* collection, const char* prefix, size_t prefix_len, hs_iter** out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (hs_status s = check_name(collection)) return s;
    if (hs_status s = check_prefix(prefix, prefix_len)) return s;
    if (!out) return fail_null("out");
    *out = make_iter(client->client->scan(collection, std::string_view(prefix ? prefix : "", prefix_len)));
    return HS_OK;
  });
}

hs_status hs_iter_next(hs_iter* iter, const hs_record** record) {
  return guard([&] {
    if (!iter) return fail_null("iter");
    if (!record) return fail_null("record");
    *record = iter->next < iter->records.size() ? &iter->records[iter->next++] : nullptr;
    return HS_OK;
  });
}

size_t hs_iter_count(const hs_iter* iter) { return iter ? iter->records.size() : 0; }

void hs_iter_free(hs_iter* iter) { delete iter; }

hs_status hs_read_begin(hs_client* client, hs_read** out) {
  return guard([&] {
    if (hs_status s = check_open(client)) return s;
    if (!out) return fail_null("out");
    *out = new hs_read{client->client->read(), {}, {}};
    return HS_OK;
  });
}

uint64_t hs_read_revision(const hs_read* read) { return read ? read->txn.revision() : 0; }

hs_status hs_read_get(hs_read* read, const char* collection, const char* key, size_t key_len, const hs_record** out) {
  return guard([&] {
    if (!read) return fail_null("read");
    if (hs_status s = check_name(collection)) return s;
    if (hs_status s = check_key(key, key_len)) return s;
    if (!out) return fail_null("out");
    *out = nullptr;
    std::string_view k(key, key_len);
    const Record* found = read->txn.get(collection, k);  // pinned by the read: no count taken
    if (!found) return fail_not_found(collection, k);
    std::lock_guard lock(read->mutex);
    auto [it, added] = read->lent.try_emplace(found);
    if (added) {
      it->second.record = read->txn.get_shared(collection, k);
      if (!it->second.record) {  // cannot happen (the snapshot is immutable): never lend an empty handle
        read->lent.erase(it);
        return fail(HS_ERR_INTERNAL, "a record of the read vanished");
      }
    }
    *out = &it->second;
    return HS_OK;
  });
}

hs_status hs_read_scan(hs_read* read, const char* collection, const char* prefix, size_t prefix_len, hs_iter** out) {
  return guard([&] {
    if (!read) return fail_null("read");
    if (hs_status s = check_name(collection)) return s;
    if (hs_status s = check_prefix(prefix, prefix_len)) return s;
    if (!out) return fail_null("out");
    *out = make_iter(read->txn.scan_shared(collection, std::string_view(prefix ? prefix : "", prefix_len)));
    return HS_OK;
  });
}

void hs_read_free(hs_read* read) { delete read; }

}  // extern "C"
