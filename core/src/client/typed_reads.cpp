#include "hotstate/typed_reads.hpp"

#include <flatbuffers/flexbuffers.h>

#include <limits>

namespace hotstate {

namespace {

flexbuffers::Reference root_of(const Record& record) {
  return flexbuffers::GetRoot(record.value.data(), record.value.size());
}

[[noreturn]] void mismatch(const Record& record, const char* wanted) {
  throw ClientError(ErrorCode::TypeMismatch, "value of " + record.collection + "/" + record.key + " is not " + wanted);
}

RecordPtr must_get(const Client& client, std::string_view collection, std::string_view key) {
  auto record = client.get(collection, key);
  if (!record) throw ClientError(ErrorCode::NotFound, "no record " + std::string(collection) + "/" + std::string(key));
  return record;
}

}  // namespace

bool as_bool(const Record& record) {
  auto root = root_of(record);
  if (!root.IsBool()) mismatch(record, "a boolean");
  return root.AsBool();
}

std::int64_t as_int64(const Record& record) {
  auto root = root_of(record);
  if (root.IsUInt() && root.AsUInt64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    mismatch(record, "an integer in int64 range");
  if (!root.IsInt() && !root.IsUInt()) mismatch(record, "an integer");
  return root.AsInt64();
}

double as_double(const Record& record) {
  auto root = root_of(record);
  if (!root.IsFloat() && !root.IsInt() && !root.IsUInt()) mismatch(record, "a number");
  return root.AsDouble();
}

std::string_view as_string(const Record& record) {
  auto root = root_of(record);
  if (!root.IsString()) mismatch(record, "a string");
  auto s = root.AsString();
  return {s.c_str(), s.length()};
}

bool get_bool(const Client& client, std::string_view collection, std::string_view key) {
  return as_bool(*must_get(client, collection, key));
}
std::int64_t get_int(const Client& client, std::string_view collection, std::string_view key) {
  return as_int64(*must_get(client, collection, key));
}
double get_double(const Client& client, std::string_view collection, std::string_view key) {
  return as_double(*must_get(client, collection, key));
}
std::string get_string(const Client& client, std::string_view collection, std::string_view key) {
  return std::string(as_string(*must_get(client, collection, key)));
}

bool get_bool(const Client& client, std::string_view collection, std::string_view key, bool fallback) {
  auto record = client.get(collection, key);
  return record ? as_bool(*record) : fallback;
}
std::int64_t get_int(const Client& client, std::string_view collection, std::string_view key,
                     std::int64_t fallback) {
  auto record = client.get(collection, key);
  return record ? as_int64(*record) : fallback;
}
double get_double(const Client& client, std::string_view collection, std::string_view key, double fallback) {
  auto record = client.get(collection, key);
  return record ? as_double(*record) : fallback;
}
std::string get_string(const Client& client, std::string_view collection, std::string_view key,
                       std::string fallback) {
  auto record = client.get(collection, key);
  return record ? std::string(as_string(*record)) : fallback;
}

}  // namespace hotstate
