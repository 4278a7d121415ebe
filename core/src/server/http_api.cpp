#include "http_api.hpp"

#include "flag_checks.hpp"

#include "hotstate/value.hpp"
#include "hotstate/version.hpp"
#include "server.hpp"

namespace hotstate::server {

namespace http = boost::beast::http;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Response method_not_allowed(const Request& request, const char* allow) {
  auto response = error_response(
      request, {Status::method_not_allowed, "method_not_allowed",
                std::string(request.method_string()) + " is not allowed here; use " + allow, ""});
  response.set(http::field::allow, allow);
  return response;
}

// The caller's principal (null on an open server). Without a valid bearer token: 401.
const Principal* authenticate(Server& server, const Request& request) {
  const AccessPolicy& policy = server.config().access;
  if (policy.open()) return nullptr;
  auto header = request.find(http::field::authorization);
  if (header == request.end())
    throw ApiError{Status::unauthorized, "unauthorized", "this server needs an API token: Authorization: Bearer <token>", ""};
  const Principal* principal = policy.authenticate(bearer_token(header->value()));
  if (!principal) throw ApiError{Status::unauthorized, "unauthorized", "the API token is not valid", ""};
  return principal;
}

Reply route(Server& server, const Request& request) {
  std::string_view target = request.target();
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  const auto method = request.method();
  const bool is_get = method == http::verb::get || method == http::verb::head;
  // Probes answer everyone (load balancers, orchestrators); everything else needs a token
  // when tokens are configured.
  if (target == "/healthz" || target == "/readyz") {
    if (!is_get) return method_not_allowed(request, "GET");
    if (target == "/healthz") return json_response(request, Status::ok, R"({"ok":true})");
    if (server.stopping())
      throw ApiError{Status::service_unavailable, "shutting_down", "server is stopping", ""};
    return json_response(request, Status::ok, R"({"ready":true})");
  }
  const Principal* caller = authenticate(server, request);

  constexpr std::string_view kRecords = "/v1/c/";
  if (target.starts_with(kRecords)) {
    std::string_view rest = target.substr(kRecords.size());
    auto slash = rest.find('/');
    std::string collection = percent_decode(rest.substr(0, slash), false);
    if (slash == std::string_view::npos) {
      if (!is_get) return method_not_allowed(request, "GET");
      require_access(caller, Access::read, collection);
      return handle_list(server, request, collection, query);
    }
    if (method != http::verb::get && method != http::verb::put && method != http::verb::delete_)
      return method_not_allowed(request, "GET, PUT, DELETE");
    require_access(caller, method == http::verb::get ? Access::read : Access::write, collection);
    std::string key = percent_decode(rest.substr(slash + 1), false);
    return handle_record(server, request, collection, key);
  }
  if (target == "/v1/txn") {
    if (method != http::verb::post) return method_not_allowed(request, "POST");
    return handle_txn(server, request, caller);
  }
  if (target == "/v1/export") {
    if (!is_get) return method_not_allowed(request, "GET");
    require_admin(caller, "export");
    return handle_export(server, request);
  }
  if (target == "/v1/import") {
    if (method != http::verb::post) return method_not_allowed(request, "POST");
    require_admin(caller, "import");
    return handle_import(server, request);
  }
  if (target == "/v1/status" || target == "/metrics") {  // any valid token: no record data here
    if (!is_get) return method_not_allowed(request, "GET");
    if (target == "/v1/status") return handle_status(server, request);
    return handle_metrics(server, request);
  }
  if (target == "/v1/flags/validate") {  // any valid token: it reads and writes nothing
    if (method != http::verb::post) return method_not_allowed(request, "POST");
    return handle_flags_validate(server, request);
  }
  if (target == "/v1/stream")
    throw ApiError{Status::upgrade_required, "upgrade_required",
                   "/v1/stream is a WebSocket endpoint", ""};
  throw ApiError{Status::not_found, "not_found", "no such path: " + std::string(target), ""};
}

}  // namespace

void count_refusal(Server& server, Status status, std::string_view code) {
  // Refused input, limits and access; not the ordinary answers about data (absent
  // record, failed condition, import into a non-empty server).
  unsigned value = static_cast<unsigned>(status);
  if (value < 400 || value >= 500 || status == Status::not_found || status == Status::precondition_failed ||
      status == Status::conflict)
    return;
  server.metrics().count_refusal(code);
}

void require_access(const Principal* caller, Access access, std::string_view collection) {
  if (!caller || caller->may(access, collection)) return;
  throw ApiError{Status::forbidden, "forbidden",
                 "token \"" + caller->name + "\" may not " + std::string(access_name(access)) +
                     " collection \"" + std::string(collection) + "\"",
                 ""};
}

void require_admin(const Principal* caller, std::string_view what) {
  if (!caller || caller->is_admin()) return;
  throw ApiError{Status::forbidden, "forbidden",
                 "token \"" + caller->name + "\" may not " + std::string(what) + ": that needs admin access", ""};
}

std::string percent_decode(std::string_view text, bool query) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw ApiError{Status::bad_request, "invalid_request", "bad percent-escape in URL", ""};
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && query) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq), true) == name)
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Response json_response(const Request& request, Status status, std::string body) {
  Response response{status, request.version()};
  response.set(http::field::server, "hotstated");
  response.set(http::field::content_type, "application/json");
  response.keep_alive(request.keep_alive());
  body.push_back('\n');
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response error_response(const Request& request, const ApiError& error) {
  std::string body = R"({"error":{"code":)";
  append_json_string(body, error.code);
  body += R"(,"message":)";
  append_json_string(body, error.message);
  body += error.extra_fields;
  body += "}}";
  Response response = json_response(request, error.status, std::move(body));
  if (error.status == Status::unauthorized) response.set(http::field::www_authenticate, R"(Bearer realm="hotstate")");
  return response;
}

Reply handle_request(Server& server, const Request& request) {
  Reply reply{Response{}};
  try {
    reply = route(server, request);
  } catch (const ApiError& error) {
    count_refusal(server, error.status, error.code);
    reply = error_response(request, error);
  } catch (const ValueError& error) {
    auto status = error.code() == "value_too_large" ? Status::payload_too_large : Status::bad_request;
    count_refusal(server, status, error.code());
    reply = error_response(request, {status, error.code(), error.what(), ""});
  } catch (const std::exception& error) {
    log(LogLevel::Error, "request failed", {{"target", std::string(request.target())}, {"error", error.what()}});
    reply = error_response(request, {Status::internal_server_error, "internal", error.what(), ""});
  }
  ++server.metrics().http_responses[reply.response.result_int()];
  if (request.method() == http::verb::head) reply.response.body().clear();
  return reply;
}

}  // namespace hotstate::server
