// POST /v1/txn: conditions and ops committed at one revision, or nothing.

#include <boost/json.hpp>
#include <set>

#include "hotstate/value.hpp"
#include "http_api.hpp"
#include "server.hpp"
#include "value/json_dom.hpp"
#include "value/json_parse.hpp"

namespace hotstate::server {

namespace json = boost::json;

namespace {

// The body wraps each value in {"ops":[{"value": ...}]}: three more levels than a value.
constexpr std::size_t kTxnWrapperDepth = 3;

[[noreturn]] void bad(std::string message) {
  throw ApiError{Status::bad_request, "invalid_request", std::move(message), ""};
}

void allow_only(const json::object& object, std::initializer_list<std::string_view> names,
                const std::string& where) {
  for (const auto& member : object) {
    bool known = false;
    for (auto name : names) known = known || member.key() == name;
    if (!known) bad("unknown field \"" + std::string(member.key()) + "\" in " + where);
  }
}

std::string string_field(const json::object& object, std::string_view name, const std::string& where) {
  const json::value* v = object.if_contains(name);
  if (!v || !v->is_string()) bad(where + " needs \"" + std::string(name) + "\" as a string");
  return std::string(v->get_string());
}

std::uint64_t revision_field(const json::object& object, const std::string& where) {
  const json::value* v = object.if_contains("mod_revision");
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  bad(where + " needs \"mod_revision\" as a whole number (0 = absent)");
}

WriteRequest parse_txn(const std::string& body, const ServerConfig& config) {
  json::error_code ec;
  json::value doc = parse_json_exact(body, kMaxJsonDepth + kTxnWrapperDepth, ec);
  if (ec == json::error::too_deep)
    throw ValueError("too_deep", "a value is nested deeper than " + std::to_string(kMaxJsonDepth));
  if (ec) throw ValueError("invalid_json", "malformed JSON: " + ec.message());
  if (!doc.is_object()) bad("a transaction is a JSON object with \"ops\" (and optional \"if\")");
  const auto& top = doc.get_object();
  allow_only(top, {"if", "ops"}, "the transaction");

  WriteRequest write;
  if (const json::value* conditions = top.if_contains("if")) {
    if (!conditions->is_array()) bad("\"if\" must be an array");
    for (std::size_t i = 0; i < conditions->get_array().size(); ++i) {
      const auto& c = conditions->get_array()[i];
      std::string where = "if[" + std::to_string(i) + "]";
      if (!c.is_object()) bad(where + " must be an object");
      allow_only(c.get_object(), {"collection", "key", "mod_revision"}, where);
      Condition condition{string_field(c.get_object(), "collection", where),
                          string_field(c.get_object(), "key", where),
                          revision_field(c.get_object(), where)};
      check_collection(condition.collection);
      check_key(condition.key);
      write.conditions.push_back(std::move(condition));
    }
  }

  const json::value* ops = top.if_contains("ops");
  if (!ops || !ops->is_array() || ops->get_array().empty()) bad("\"ops\" must be a non-empty array");
  if (ops->get_array().size() > config.max_txn_ops)
    bad("a transaction holds at most " + std::to_string(config.max_txn_ops) + " ops");
  std::set<std::pair<std::string, std::string>> seen;
  ValueLimits limits{config.max_value_bytes, kMaxJsonDepth};
  for (std::size_t i = 0; i < ops->get_array().size(); ++i) {
    const auto& o = ops->get_array()[i];
    std::string where = "ops[" + std::to_string(i) + "]";
    if (!o.is_object()) bad(where + " must be an object");
    const auto& object = o.get_object();
    WriteOp op;
    std::string kind = string_field(object, "op", where);
    op.collection = string_field(object, "collection", where);
    op.key = string_field(object, "key", where);
    check_collection(op.collection);
    check_key(op.key);
    if (kind == "put") {
      allow_only(object, {"op", "collection", "key", "value"}, where);
      const json::value* value = object.if_contains("value");
      if (!value) bad(where + " (put) needs \"value\"");
      op.kind = OpKind::Put;
      try {
        op.value = dom_to_flex(*value, limits);
      } catch (const ValueError& error) {
        throw ValueError(error.code(), where + ": " + error.what());
      }
    } else if (kind == "delete") {
      allow_only(object, {"op", "collection", "key"}, where);
      op.kind = OpKind::Delete;
    } else {
      bad(where + " has unknown op \"" + kind + "\" (expected put or delete)");
    }
    if (!seen.emplace(op.collection, op.key).second)
      throw ApiError{Status::bad_request, "duplicate_key",
                     op.collection + "/" + op.key + " appears in more than one op", ""};
    write.ops.push_back(std::move(op));
  }
  return write;
}

}  // namespace

Reply handle_txn(Server& server, const Request& request, const Principal* caller) {
  WriteRequest write = parse_txn(request.body(), server.config());
  // A condition reveals a record's mod_revision: reading; an op writes.
  for (const auto& condition : write.conditions) require_access(caller, Access::read, condition.collection);
  for (const auto& op : write.ops) require_access(caller, Access::write, op.collection);
  CommitResult result = commit_write(server, write);
  bool committed = result.outcome == CommitResult::Outcome::Committed;
  return {json_response(request, Status::ok,
                        R"({"revision":)" + std::to_string(result.revision) +
                            (committed ? R"(,"committed":true})" : R"(,"committed":false})")),
          committed ? result.revision : 0};
}

}  // namespace hotstate::server
