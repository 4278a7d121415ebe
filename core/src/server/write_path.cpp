// What every write shares: name checks, the commit, fan-out, and how a refusal reads.

#include "hotstate/names.hpp"
#include "hotstate/value.hpp"
#include "flag_checks.hpp"
#include "http_api.hpp"
#include "server.hpp"

namespace hotstate::server {

void check_collection(std::string_view collection) {
  if (!valid_collection(collection))
    throw ApiError{Status::bad_request, "invalid_collection",
                   "collection names are 1..128 characters of A-Z a-z 0-9 _ . -", ""};
}

void check_key(std::string_view key) {
  if (key.size() > kMaxKeyBytes)
    throw ApiError{Status::bad_request, "invalid_key",
                   "key is " + std::to_string(key.size()) + " bytes; keys are at most " +
                       std::to_string(kMaxKeyBytes) + " bytes",
                   ""};
  if (!valid_key(key))
    throw ApiError{Status::bad_request, "invalid_key", "keys are 1..1024 bytes of valid UTF-8", ""};
}

CommitResult commit_write(Server& server, const WriteRequest& write) {
  if (server.stopping())
    throw ApiError{Status::service_unavailable, "shutting_down", "server is stopping", ""};
  check_flag_writes(server.store(), server.config().flag_collections, write);
  CommitResult result = server.store().stage(write);
  using Outcome = CommitResult::Outcome;
  if (result.outcome == Outcome::ConditionFailed) {
    std::string extra = R"(,"collection":)";
    append_json_string(extra, result.collection);
    extra += R"(,"key":)";
    append_json_string(extra, result.key);
    extra += R"(,"mod_revision":)" + std::to_string(result.current_mod_revision);
    throw ApiError{Status::precondition_failed, "condition_failed",
                   "record " + result.collection + "/" + result.key + " is at mod_revision " +
                       std::to_string(result.current_mod_revision),
                   extra};
  }
  if (result.outcome == Outcome::NotFound)
    throw ApiError{Status::not_found, "not_found", "no record " + result.collection + "/" + result.key, ""};
  if (result.outcome == Outcome::Committed) server.committer().submit(result.txn);
  return result;
}

void append_record_fields(std::string& out, const Record& record) {
  out += R"({"collection":)";
  append_json_string(out, record.collection);
  out += R"(,"key":)";
  append_json_string(out, record.key);
  out += R"(,"value":)";
  out += flex_to_json(record.value);
  out += R"(,"create_revision":)" + std::to_string(record.create_revision);
  out += R"(,"mod_revision":)" + std::to_string(record.mod_revision);
  out += R"(,"version":)" + std::to_string(record.version);
}

}  // namespace hotstate::server
