#include "flag_commands.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>

#include "eval/flag.hpp"
#include "exit_code.hpp"
#include "hotstate/client.hpp"
#include "hotstate/value.hpp"
#include "report.hpp"

namespace hotstate::cli {

namespace {

namespace json = boost::json;

json::object put_op(const std::string& collection, std::string_view key, const json::value& value) {
  return json::object{{"op", "put"}, {"collection", collection}, {"key", key}, {"value", value}};
}

}  // namespace

int import_flags(net::HttpClient& client, const std::string& collection, const std::string& text) {
  eval::FlagDocument document = eval::compile_document(text);
  std::string problems;
  for (const auto& error : document.errors) problems += "\n  " + error;
  for (const auto& [key, flag] : document.flags)
    if (!flag->compile_error().empty()) problems += "\n  " + key + ": " + flag->compile_error();
  if (!problems.empty()) {
    print_error("invalid_flag", "the document has problems; nothing was written:" + problems);
    return kExitError;
  }
  // compile_document accepted it, so it is an object with the parts below.
  json::object root = json::parse(text).as_object();
  json::array ops;
  if (const auto* flags = root.if_contains("flags"))
    for (const auto& [key, definition] : flags->as_object()) ops.push_back(put_op(collection, key, definition));
  if (const auto* evaluators = root.if_contains("$evaluators")) ops.push_back(put_op(collection, "$evaluators", *evaluators));
  if (const auto* metadata = root.if_contains("metadata")) ops.push_back(put_op(collection, "$metadata", *metadata));
  if (ops.empty()) {
    print_error("invalid_flag", "the document holds no flags");
    return kExitError;
  }
  auto response = client.request(net::Method::post, "/v1/txn", json::serialize(json::object{{"ops", ops}}));
  if (!is_success(response)) return print_response(response);
  json::error_code ec;
  json::value answer = json::parse(response.body, ec);
  if (ec || !answer.is_object() || !answer.as_object().contains("revision")) return print_response(response);
  json::object out{{"revision", answer.as_object().at("revision")}, {"flags", document.flags.size()}};
  return print_output(json::serialize(out));
}

int check_flags(net::HttpClient& client, const std::string& text) {
  auto response = client.request(net::Method::post, "/v1/flags/validate", text);
  int status = print_response(response);
  if (status != kExitOk) return status;
  json::error_code ec;
  json::value answer = json::parse(response.body, ec);
  bool valid = !ec && answer.is_object() && answer.as_object().contains("valid") &&
               answer.as_object().at("valid") == true;
  return valid ? kExitOk : kExitError;
}

int evaluate_flag(const std::string& url, const std::string& ca_file, const std::string& collection,
                  const std::string& key, const std::optional<std::string>& context_json) {
  // A bad context is the caller's mistake: say so before connecting anywhere.
  EvalContext context = context_json ? EvalContext::from_json(*context_json) : EvalContext();
  ClientOptions options;
  options.urls = {url};
  options.flag_collections = {collection};
  options.client_name = "hotstate-cli";
  options.ca_file = ca_file;
  if (const char* token = std::getenv("HOTSTATE_TOKEN")) options.token = token;
  Client client(options);
  if (!client.wait_ready(std::chrono::seconds(30))) {
    print_error("timeout", "the replica did not become live within 30 s: " + client.status().last_error);
    return kExitNetwork;
  }
  FlagEvaluation result = client.evaluate(collection, key, context);
  std::string line = R"({"value":)";
  line += result.has_value() ? std::string(result.json()) : "null";
  line += R"(,"variant":)";
  if (result.has_value())
    append_json_string(line, result.variant());
  else
    line += "null";
  line += R"(,"reason":")" + std::string(to_string(result.reason)) + '"';
  line += R"(,"error_code":)";
  if (result.error == FlagErrorCode::None)
    line += "null";
  else
    line += '"' + std::string(to_string(result.error)) + '"';
  line += R"(,"error_message":)";
  append_json_string(line, result.error_message);
  line += R"(,"metadata":)";
  line += result.metadata_json().empty() ? "{}" : std::string(result.metadata_json());
  line += '}';
  int printed = print_output(line);
  if (printed != kExitOk) return printed;
  return result.error == FlagErrorCode::FlagNotFound ? kExitNotFound : kExitOk;
}

}  // namespace hotstate::cli
