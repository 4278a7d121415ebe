// PUT / GET / DELETE /v1/c/{collection}/{key} and GET /v1/c/{collection} (listing).

#include <charconv>

#include "hotstate/names.hpp"
#include "hotstate/value.hpp"
#include "http_api.hpp"
#include "server.hpp"

namespace hotstate::server {

namespace http = boost::beast::http;

namespace {

// If-Match: 12 (or "12", as an entity tag). Absent: no condition.
std::optional<std::uint64_t> if_match(const Request& request) {
  auto field = request.find(http::field::if_match);
  if (field == request.end()) return std::nullopt;
  std::string_view text = field->value();
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw ApiError{Status::bad_request, "invalid_request",
                   "If-Match must be a mod_revision (a whole number; 0 = absent)", ""};
  return value;
}

std::string revision_body(std::uint64_t revision) {
  return R"({"revision":)" + std::to_string(revision) + "}";
}

}  // namespace

Reply handle_record(Server& server, const Request& request, std::string_view collection,
                    std::string_view key) {
  check_collection(collection);
  check_key(key);
  auto& store = server.store();

  if (request.method() == http::verb::get) {
    RecordPtr record = store.get(collection, key);
    if (!record)
      throw ApiError{Status::not_found, "not_found",
                     "no record " + std::string(collection) + "/" + std::string(key), ""};
    std::string body;
    append_record_fields(body, *record);
    body += R"(,"revision":)" + std::to_string(store.revision()) + "}";
    return json_response(request, Status::ok, std::move(body));
  }

  WriteRequest write;
  if (auto expected = if_match(request))
    write.conditions.push_back({std::string(collection), std::string(key), *expected});
  WriteOp op;
  op.collection = collection;
  op.key = key;
  if (request.method() == http::verb::put) {
    op.kind = OpKind::Put;
    op.value = json_to_flex(request.body(), ValueLimits{server.config().max_value_bytes, kMaxJsonDepth});
  } else {
    op.kind = OpKind::Delete;
    write.delete_requires_existing = true;
  }
  write.ops.push_back(std::move(op));
  CommitResult result = commit_write(server, write);
  return {json_response(request, Status::ok, revision_body(result.revision)), result.revision};
}

Response handle_list(Server& server, const Request& request, std::string_view collection,
                     std::string_view query) {
  check_collection(collection);
  std::string prefix = query_param(query, "prefix").value_or("");
  std::string after = query_param(query, "after").value_or("");
  std::size_t limit = 100;
  if (auto text = query_param(query, "limit")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || limit < 1 ||
        limit > 1000)
      throw ApiError{Status::bad_request, "invalid_request", "limit must be 1..1000", ""};
  }
  if (!valid_utf8(prefix) || !valid_utf8(after))
    throw ApiError{Status::bad_request, "invalid_request", "prefix and after must be UTF-8", ""};

  const auto& store = server.store();
  ListPage page = store.list(collection, prefix, after, limit);
  std::string body = R"({"records":[)";
  for (std::size_t i = 0; i < page.records.size(); ++i) {
    if (i) body.push_back(',');
    append_record_fields(body, *page.records[i]);
    body.push_back('}');
  }
  body += R"(],"revision":)" + std::to_string(store.revision());
  body += page.more ? R"(,"more":true)" : R"(,"more":false)";
  if (!page.records.empty()) {
    body += R"(,"next_after":)";
    append_json_string(body, page.records.back()->key);
  }
  body += "}";
  return json_response(request, Status::ok, std::move(body));
}

}  // namespace hotstate::server
