#pragma once
// The HTTP/JSON API (docs/http-api.md): request in, response out, on the server thread.

#include <boost/beast/http.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "access.hpp"

namespace hotstate::server {

class Server;

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Status = boost::beast::http::status;

// A response, and the revision that must be durable before it may be sent (writes).
struct Reply {
  Reply(Response r, std::uint64_t durable = 0) : response(std::move(r)), durable_revision(durable) {}
  Response response;
  std::uint64_t durable_revision;  // 0: send at once
};

Reply handle_request(Server& server, const Request& request);

// A refused request: becomes {"error":{"code","message", ...extra}} with `status`.
struct ApiError {
  Status status;
  std::string code;
  std::string message;
  std::string extra_fields;  // ,"name":value pairs appended inside "error" (JSON text)
};

Response json_response(const Request& request, Status status, std::string body);
Response error_response(const Request& request, const ApiError& error);

// Route handlers (one file each).
Reply handle_record(Server& server, const Request& request, std::string_view collection,
                    std::string_view key);
Response handle_list(Server& server, const Request& request, std::string_view collection,
                     std::string_view query);
Reply handle_txn(Server& server, const Request& request, const Principal* caller);
Response handle_status(Server& server, const Request& request);
Response handle_export(Server& server, const Request& request);
Reply handle_import(Server& server, const Request& request);
Response handle_metrics(Server& server, const Request& request);

// Counts a refused request in hotstate_refusals_total{reason=code}.
void count_refusal(Server& server, Status status, std::string_view code);

// Access control. `caller` is null when the server is open (no tokens); otherwise a 403
// ApiError names the token and what it lacks.
void require_access(const Principal* caller, Access access, std::string_view collection);
void require_admin(const Principal* caller, std::string_view what);

// Percent-decoding; '+' becomes a space only in query strings. Throws ApiError on a bad escape.
std::string percent_decode(std::string_view text, bool query);
// The value of `name` in a query string, decoded; empty when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace hotstate::server

#include "store/store.hpp"

namespace hotstate::server {

// Stages the write and hands it to the committer (it is applied and fanned out to streams
// once durable; reply with Reply::after(result.revision)). Maps a failed condition to 412
// and a missing record (single DELETE) to 404, as ApiError.
CommitResult commit_write(Server& server, const WriteRequest& write);

// {"collection":..,"key":..,"value":..,"create_revision":..,"mod_revision":..,"version":..
// (no closing brace, so callers can add fields)
void append_record_fields(std::string& out, const Record& record);

void check_collection(std::string_view collection);
void check_key(std::string_view key);

}  // namespace hotstate::server
