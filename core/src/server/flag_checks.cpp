#include "flag_checks.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <map>

#include "client/flag_index.hpp"  // the reserved keys of a flag collection
#include "eval/flag.hpp"
#include "hotstate/value.hpp"
#include "server.hpp"

namespace hotstate::server {

namespace {

struct Problem {
  std::string key;
  std::string message;
};

// A collection's records after the write: the latest state with the write's ops applied.
// Null for a key the write deletes.
using Overlay = std::map<std::string, const WriteOp*, std::less<>>;

boost::json::value parse_flex(std::span<const std::uint8_t> flex) { return boost::json::parse(flex_to_json(flex)); }

// The value a key will have after the write (nullopt: absent).
std::optional<boost::json::value> value_after(const Store& store, std::string_view collection, std::string_view key,
                                              const Overlay& overlay) {
  if (auto it = overlay.find(key); it != overlay.end()) {
    if (it->second->kind == OpKind::Delete) return std::nullopt;
    return parse_flex(it->second->value);
  }
  RecordPtr record = store.latest(collection, key);
  if (!record) return std::nullopt;
  return parse_flex(record->value);
}

std::string problems_json(const std::vector<Problem>& problems) {
  std::string out = R"(,"problems":[)";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i) out += ',';
    out += R"({"key":)";
    append_json_string(out, problems[i].key);
    out += R"(,"message":)";
    append_json_string(out, problems[i].message);
    out += '}';
  }
  return out + ']';
}

void check_collection_write(const Store& store, const std::string& collection, const Overlay& overlay,
                            std::vector<Problem>& problems) {
  bool shared_written = overlay.contains(client::kEvaluatorsKey) || overlay.contains(client::kFlagSetMetadataKey);
  auto evaluators = value_after(store, collection, client::kEvaluatorsKey, overlay);
  auto metadata = value_after(store, collection, client::kFlagSetMetadataKey, overlay);
  std::shared_ptr<const eval::FlagSetShared> shared;
  try {
    shared = eval::FlagSetShared::make(evaluators ? &*evaluators : nullptr, metadata ? &*metadata : nullptr);
  } catch (const std::exception& e) {
    bool evaluators_written = overlay.contains(client::kEvaluatorsKey);
    problems.push_back(
        {std::string(evaluators_written ? client::kEvaluatorsKey : client::kFlagSetMetadataKey), e.what()});
    return;
  }
  auto check = [&](std::string_view key, const boost::json::value& definition) {
    if (key.starts_with('$')) return;  // reserved keys are not flags
    auto flag = eval::CompiledFlag::compile(key, definition, *shared);
    if (!flag->compile_error().empty()) problems.push_back({std::string(key), flag->compile_error()});
  };
  if (shared_written) {
    // Every flag may use what changed: all of them must still compile.
    std::map<std::string, boost::json::value, std::less<>> after;
    for (const auto& record : store.latest_collection(collection)) after[record->key] = parse_flex(record->value);
    for (const auto& [key, op] : overlay) {
      if (op->kind == OpKind::Delete)
        after.erase(key);
      else
        after[key] = parse_flex(op->value);
    }
    for (const auto& [key, definition] : after) check(key, definition);
  } else {
    for (const auto& [key, op] : overlay)
      if (op->kind == OpKind::Put) check(key, parse_flex(op->value));
  }
}

}  // namespace

void check_flag_writes(const Store& store, const std::vector<std::string>& flag_collections,
                       const WriteRequest& write) {
  if (flag_collections.empty()) return;
  std::map<std::string, Overlay, std::less<>> touched;
  for (const auto& op : write.ops)
    if (std::find(flag_collections.begin(), flag_collections.end(), op.collection) != flag_collections.end())
      touched[op.collection][op.key] = &op;
  std::vector<Problem> problems;
  std::string first_collection;
  for (const auto& [collection, overlay] : touched) {
    std::size_t before = problems.size();
    check_collection_write(store, collection, overlay, problems);
    if (problems.size() > before && first_collection.empty()) first_collection = collection;
  }
  if (problems.empty()) return;
  std::string message = "flag " + first_collection + "/" + problems.front().key + " does not compile: " +
                        problems.front().message;
  if (problems.size() > 1) message += " (and " + std::to_string(problems.size() - 1) + " more problems)";
  throw ApiError{Status::bad_request, "invalid_flag", message, problems_json(problems)};
}

Response handle_flags_validate(Server& server, const Request& request) {
  (void)server;
  eval::FlagDocument document = eval::compile_document(request.body());
  std::vector<Problem> problems;
  for (const auto& error : document.errors) problems.push_back({"", error});
  for (const auto& [key, flag] : document.flags)
    if (!flag->compile_error().empty()) problems.push_back({key, flag->compile_error()});
  std::string body = R"({"valid":)";
  body += problems.empty() ? "true" : "false";
  body += R"(,"flags":)" + std::to_string(document.flags.size());
  body += problems_json(problems);
  body += '}';
  return json_response(request, Status::ok, std::move(body));
}

}  // namespace hotstate::server
