#include "http_api.hpp"

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

Reply route(Server& server, const Request& request) {
  std::string_view target = request.target();
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  const auto method = request.method();
  const bool is_get = method == http::verb::get || method == http::verb::head;

  constexpr std::string_view kRecords = "/v1/c/";
  if (target.starts_with(kRecords)) {
    std::string_view rest = target.substr(kRecords.size());
    auto slash = rest.find('/');
    std::string collection = percent_decode(rest.substr(0, slash), false);
    if (slash == std::string_view::npos) {
      if (!is_get) return method_not_allowed(request, "GET");
      return handle_list(server, request, collection, query);
    }
    if (method != http::verb::get && method != http::verb::put && method != http::verb::delete_)
      return method_not_allowed(request, "GET, PUT, DELETE");
    std::string key = percent_decode(rest.substr(slash + 1), false);
    return handle_record(server, request, collection, key);
  }
  if (target == "/v1/txn") {
    if (method != http::verb::post) return method_not_allowed(request, "POST");
    return handle_txn(server, request);
  }
  if (target == "/v1/export") {
    if (!is_get) return method_not_allowed(request, "GET");
    return handle_export(server, request);
  }
  if (target == "/v1/import") {
    if (method != http::verb::post) return method_not_allowed(request, "POST");
    return handle_import(server, request);
  }
  if (target == "/v1/status" || target == "/healthz" || target == "/readyz" || target == "/metrics") {
    if (!is_get) return method_not_allowed(request, "GET");
    if (target == "/v1/status") return handle_status(server, request);
    if (target == "/metrics") return handle_metrics(server, request);
    if (target == "/healthz") return json_response(request, Status::ok, R"({"ok":true})");
    if (server.stopping())
      throw ApiError{Status::service_unavailable, "shutting_down", "server is stopping", ""};
    return json_response(request, Status::ok, R"({"ready":true})");
  }
  if (target == "/v1/stream")
    throw ApiError{Status::upgrade_required, "upgrade_required",
                   "/v1/stream is a WebSocket endpoint", ""};
  throw ApiError{Status::not_found, "not_found", "no such path: " + std::string(target), ""};
}

}  // namespace

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
  return json_response(request, error.status, std::move(body));
}

Reply handle_request(Server& server, const Request& request) {
  Reply reply{Response{}};
  try {
    reply = route(server, request);
  } catch (const ApiError& error) {
    reply = error_response(request, error);
  } catch (const ValueError& error) {
    auto status = error.code() == "value_too_large" ? Status::payload_too_large : Status::bad_request;
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
