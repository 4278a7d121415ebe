// GET /v1/export and POST /v1/import: a consistent snapshot as JSON lines (docs/http-api.md,
// "Export and import").
//
//   {"format":"hotstate-export","version":1,"epoch":"<hex>","revision":R,"records":N}
//   {"collection":..,"key":..,"value":..,"create_revision":..,"mod_revision":..,"version":..}
//   ... N record lines, by collection then key.
//
// An import loads such a file into an empty server as one transaction at revision R: the
// records keep their revisions, the server keeps its own (new) epoch, so clients that were
// connected resync with a snapshot.

#include <boost/json.hpp>
#include <set>

#include "hotstate/names.hpp"
#include "hotstate/value.hpp"
#include "http_api.hpp"
#include "log.hpp"
#include "server.hpp"
#include "value/json_dom.hpp"
#include "value/json_parse.hpp"

namespace hotstate::server {

namespace json = boost::json;

namespace {

constexpr std::string_view kFormat = "hotstate-export";
constexpr std::int64_t kFormatVersion = 1;
// A record line wraps the value in one object: one level more than a value may have.
constexpr std::size_t kLineWrapperDepth = 1;

[[noreturn]] void bad_line(std::size_t line, const std::string& message) {
  throw ApiError{Status::bad_request, "invalid_import", "line " + std::to_string(line) + ": " + message, ""};
}

std::uint64_t whole_number(const json::object& object, std::string_view name, std::size_t line) {
  const json::value* v = object.if_contains(name);
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  bad_line(line, "\"" + std::string(name) + "\" must be a whole number");
}

std::string text_field(const json::object& object, std::string_view name, std::size_t line) {
  const json::value* v = object.if_contains(name);
  if (!v || !v->is_string()) bad_line(line, "\"" + std::string(name) + "\" must be a string");
  return std::string(v->get_string());
}

json::object parse_line(std::string_view text, std::size_t line) {
  json::error_code ec;
  json::value doc = parse_json_exact(text, kMaxJsonDepth + kLineWrapperDepth, ec);
  if (ec) bad_line(line, "malformed JSON: " + ec.message());
  if (!doc.is_object()) bad_line(line, "expected a JSON object");
  return std::move(doc.get_object());
}

struct Header {
  std::uint64_t revision = 0;
  std::uint64_t records = 0;
};

Header parse_header(std::string_view text) {
  json::object header = parse_line(text, 1);
  const json::value* format = header.if_contains("format");
  if (!format || !format->is_string() || format->get_string() != kFormat)
    bad_line(1, "not a hotstate export (the first line needs \"format\":\"hotstate-export\")");
  const json::value* version = header.if_contains("version");
  if (!version || !version->is_int64() || version->get_int64() != kFormatVersion)
    bad_line(1, "unsupported export version (this server reads version 1)");
  return {whole_number(header, "revision", 1), whole_number(header, "records", 1)};
}

RecordPtr parse_record(std::string_view text, std::size_t line, std::uint64_t revision, const ValueLimits& limits) {
  json::object object = parse_line(text, line);
  auto record = std::make_shared<Record>();
  record->collection = text_field(object, "collection", line);
  record->key = text_field(object, "key", line);
  if (!valid_collection(record->collection)) bad_line(line, "invalid collection name");
  if (!valid_key(record->key)) bad_line(line, "invalid key");
  const json::value* value = object.if_contains("value");
  if (!value) bad_line(line, "a record needs \"value\"");
  try {
    record->value = dom_to_flex(*value, limits);
  } catch (const ValueError& error) {
    bad_line(line, error.what());
  }
  record->create_revision = whole_number(object, "create_revision", line);
  record->mod_revision = whole_number(object, "mod_revision", line);
  record->version = whole_number(object, "version", line);
  if (record->create_revision < 1 || record->create_revision > record->mod_revision ||
      record->mod_revision > revision || record->version < 1)
    bad_line(line, "revisions must satisfy 1 <= create_revision <= mod_revision <= the export's revision, "
                   "and version >= 1");
  return record;
}

}  // namespace

Response handle_export(Server& server, const Request& request) {
  const Store& store = server.store();
  std::vector<RecordPtr> records = store.all_records();  // one revision: pointers to immutable records
  std::string body = R"({"format":"hotstate-export","version":1,"epoch":")" + hex64(store.epoch()) +
                     R"(","revision":)" + std::to_string(store.revision()) + R"(,"records":)" +
                     std::to_string(records.size()) + "}";
  for (const auto& record : records) {
    body.push_back('\n');
    append_record_fields(body, *record);
    body.push_back('}');
  }
  Response response = json_response(request, Status::ok, std::move(body));
  response.set(boost::beast::http::field::content_type, "application/x-ndjson");
  return response;
}

Reply handle_import(Server& server, const Request& request) {
  if (server.stopping()) throw ApiError{Status::service_unavailable, "shutting_down", "server is stopping", ""};
  Store& store = server.store();
  if (store.staged_revision() != 0 || store.record_count() != 0)
    throw ApiError{Status::conflict, "not_empty",
                   "an import needs an empty server (this one is at revision " +
                       std::to_string(store.staged_revision()) + ")",
                   ""};
  std::string_view body = request.body();
  std::size_t line_number = 0;
  auto next_line = [&]() -> std::optional<std::string_view> {
    while (!body.empty()) {
      auto end = body.find('\n');
      std::string_view line = body.substr(0, end);
      body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) return line;
    }
    return std::nullopt;
  };

  auto first = next_line();
  if (!first) throw ApiError{Status::bad_request, "invalid_import", "the body is empty", ""};
  Header header = parse_header(*first);
  ValueLimits limits{server.config().max_value_bytes, kMaxJsonDepth};
  std::vector<RecordPtr> records;
  std::set<std::pair<std::string_view, std::string_view>> seen;
  while (auto line = next_line()) {
    records.push_back(parse_record(*line, line_number, header.revision, limits));
    const Record& r = *records.back();
    if (!seen.emplace(r.collection, r.key).second) bad_line(line_number, "duplicate record " + r.collection + "/" + r.key);
  }
  if (records.size() != header.records)
    throw ApiError{Status::bad_request, "invalid_import",
                   "the header announces " + std::to_string(header.records) + " records, the body has " +
                       std::to_string(records.size()) + " (truncated?)",
                   ""};
  if (records.empty() || header.revision == 0)
    throw ApiError{Status::bad_request, "invalid_import", "the export holds no records: nothing to import", ""};

  std::size_t count = records.size();
  server.import(store.stage_import(std::move(records), header.revision));
  return {json_response(request, Status::ok,
                        R"({"revision":)" + std::to_string(header.revision) + R"(,"records":)" +
                            std::to_string(count) + "}"),
          header.revision};
}

}  // namespace hotstate::server
