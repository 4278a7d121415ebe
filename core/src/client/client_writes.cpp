// Client::put / del / txn: HTTP requests to the configured servers, tried in turn when one
// cannot be reached. A server's refusal (4xx/5xx) is final and is not retried elsewhere.

#include <boost/json.hpp>

#include "client_core.hpp"
#include "net/http_client.hpp"

namespace hotstate {

namespace {

struct WriteRequest {
  net::Method method;
  std::string target;
  std::optional<std::string> body;
  net::HeaderList headers;
};

std::uint64_t revision_of(const net::HttpResponse& response) {
  boost::json::error_code ec;
  auto doc = boost::json::parse(response.body, ec);
  if (!ec && doc.is_object())
    if (const auto* revision = doc.as_object().if_contains("revision"); revision && revision->is_number())
      return revision->to_number<std::uint64_t>();
  throw ClientError(ErrorCode::Refused, "invalid_response", "server answered without a revision: " + response.body,
                    static_cast<int>(response.status));
}

// What a server's error code (docs/http-api.md) means to a caller: classified once, here
// where the answer arrives, so the layers above (the C ABI, the bindings) see only the kind.
ErrorCode kind_of_refusal(std::string_view code) {
  static constexpr std::string_view kInvalid[] = {
      "invalid_argument", "invalid_json",  "too_deep",        "invalid_key",   "invalid_collection",
      "invalid_request",  "duplicate_key", "value_too_large", "invalid_value", "body_too_large"};
  for (auto invalid : kInvalid)
    if (code == invalid) return ErrorCode::InvalidArgument;
  if (code == "not_found") return ErrorCode::NotFound;
  if (code == "condition_failed") return ErrorCode::ConditionFailed;
  if (code == "unauthorized" || code == "forbidden") return ErrorCode::PermissionDenied;
  return ErrorCode::Refused;
}

[[noreturn]] void throw_refusal(const net::HttpResponse& response) {
  std::string code = "http_" + std::to_string(response.status), message = response.body;
  boost::json::error_code ec;
  auto doc = boost::json::parse(response.body, ec);
  if (!ec && doc.is_object())
    if (const auto* error = doc.as_object().if_contains("error"); error && error->is_object()) {
      const auto& e = error->as_object();
      if (const auto* c = e.if_contains("code"); c && c->is_string()) code = std::string(c->as_string());
      if (const auto* m = e.if_contains("message"); m && m->is_string()) message = std::string(m->as_string());
    }
  throw ClientError(kind_of_refusal(code), code, message, static_cast<int>(response.status));
}

std::uint64_t send(Client::Core& core, const WriteRequest& request) {
  if (core.closing) throw ClientError(ErrorCode::Closed, "the client is closed");
  std::string failures;
  std::size_t first = core.preferred_server.load();
  for (std::size_t i = 0; i < core.servers.size(); ++i) {
    std::size_t index = (first + i) % core.servers.size();
    try {
      net::HttpClient http(core.servers[index], core.options.request_timeout, core.tls_context);
      http.set_bearer_token(core.options.token);
      auto response = http.request(request.method, request.target, request.body, request.headers);
      core.preferred_server = index;
      if (response.status != 200) throw_refusal(response);
      return revision_of(response);
    } catch (const net::NetworkError& e) {
      failures += std::string(failures.empty() ? "" : "; ") + e.what();
    }
  }
  throw ClientError(ErrorCode::Unavailable, "no server answered: " + failures);
}

std::string record_target(std::string_view collection, std::string_view key) {
  return "/v1/c/" + net::percent_encode(collection) + "/" + net::percent_encode(key);
}

net::HeaderList condition(std::optional<std::uint64_t> if_revision) {
  if (!if_revision) return {};
  return {{"If-Match", std::to_string(*if_revision)}};
}

}  // namespace

std::uint64_t Client::put(std::string_view collection, std::string_view key, std::string_view json,
                          std::optional<std::uint64_t> if_revision) {
  check_open();
  return send(core(), {net::Method::put, record_target(collection, key), std::string(json), condition(if_revision)});
}

std::uint64_t Client::del(std::string_view collection, std::string_view key,
                          std::optional<std::uint64_t> if_revision) {
  check_open();
  return send(core(), {net::Method::del, record_target(collection, key), std::nullopt, condition(if_revision)});
}

std::uint64_t Client::txn(std::string_view txn_json) {
  check_open();
  return send(core(), {net::Method::post, "/v1/txn", std::string(txn_json), {}});
}

}  // namespace hotstate
