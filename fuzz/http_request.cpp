// HTTP requests -> the server's API handlers (handle_request: routing, records, listings,
// transactions, export/import, status, metrics) against an in-memory hotstated, without a
// socket. The input is the byte stream of one keep-alive connection: requests are read
// from it one after another by Beast's request_parser with the limits HttpSession sets,
// until the bytes end, a request is malformed or over a limit (the session answers and
// hangs up), or a request does not keep the connection alive.
//
// Properties, for every request handled:
//  - no request is answered 500 (an unexpected exception is a bug), and every response
//    serializes;
//  - a JSON body is valid JSON; a refusal (4xx/5xx) carries {"error":{"code","message"}};
//    an export is valid JSON lines;
//  - a refused request changes nothing (docs/architecture.md, invariant 3: "Bad input changes nothing");
//  - with the memory engine a write is durable at once: its revision is already applied.

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>

#include "fuzz_check.hpp"
#include "server/http_api.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "fixed_epoch_storage.hpp"

namespace {

namespace http = boost::beast::http;
namespace server = hotstate::server;
using hotstate::fuzz::check;

constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;  // as HttpSession

// Limits low enough for fuzz inputs to reach them.
server::ServerConfig fuzz_config() {
  server::ServerConfig config;
  config.memory = true;
  config.port = 0;
  config.max_value_bytes = 4096;
  config.max_request_bytes = 64 * 1024;
  config.max_import_bytes = 128 * 1024;
  config.max_txn_ops = 16;
  config.log_level = server::LogLevel::Off;
  return config;
}

struct StoreMark {
  std::uint64_t revision, staged, records;
  explicit StoreMark(const hotstate::Store& s)
      : revision(s.revision()), staged(s.staged_revision()), records(s.record_count()) {}
  bool operator==(const StoreMark&) const = default;
};

void check_json_body(const server::Request& request, const server::Response& response) {
  const std::string& body = response.body();
  std::string_view type = response[http::field::content_type];
  if (request.method() == http::verb::head) {
    check(body.empty(), "a HEAD response has a body");
    return;
  }
  if (type == "application/x-ndjson") {
    std::string_view rest = body;
    while (!rest.empty()) {
      auto end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (line.empty()) continue;
      boost::json::error_code ec;
      boost::json::parse(line, ec);
      check(!ec, "an export line is not JSON", line);
    }
    return;
  }
  if (type != "application/json") return;  // /metrics: Prometheus text
  boost::json::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  check(!ec, "a JSON response body is not JSON", body);
  if (response.result_int() >= 400) {
    const auto* error = doc.is_object() ? doc.get_object().if_contains("error") : nullptr;
    check(error && error->is_object() && error->get_object().contains("code") &&
              error->get_object().at("code").is_string() && error->get_object().contains("message"),
          "a refusal without {\"error\":{\"code\",\"message\"}}", body);
  }
}

// Handles one parsed request as HttpSession::on_read does. False: the connection ends.
bool handle(server::Server& srv, const server::Request& request) {
  if (boost::beast::websocket::is_upgrade(request) && request.target() == "/v1/stream")
    return false;  // handed to a StreamSession (the stream_inbound target)
  StoreMark before(srv.store());
  server::Reply reply = server::handle_request(srv, request);
  const server::Response& response = reply.response;
  unsigned status = response.result_int();
  check(status >= 200 && status <= 599, "a response with an impossible status");
  check(status != 500, "a request was answered 500 internal", response.body());
  check_json_body(request, response);
  if (status >= 400) check(StoreMark(srv.store()) == before, "a refused request changed the store");
  check(reply.durable_revision <= srv.store().revision(),
        "a memory-engine write is not applied when its reply is ready");
  std::ostringstream wire;
  wire << response;  // serializes as the session would write it; throws on a bad field
  return request.keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = (server::set_log_level(server::LogLevel::Off), true);
  (void)quiet;
  boost::asio::io_context io;
  server::Server srv(io, fuzz_config(), hotstate::fuzz::make_fixed_epoch_storage());
  const auto& config = srv.config();

  std::span<const std::uint8_t> rest(data, size);
  while (!rest.empty()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(std::max(config.max_request_bytes, config.max_import_bytes));
    boost::beast::error_code ec;
    bool limit_set = false;
    while (!parser.is_done()) {
      if (rest.empty()) return 0;  // the client went quiet mid-request: the session times out
      std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest = rest.subspan(used);
      if (ec == http::error::need_more) {
        if (used == 0) return 0;  // every byte is here already: the request is cut short
        ec = {};
      }
      if (ec) return 0;  // answered 4xx and closed (HttpSession)
      if (parser.is_header_done() && !limit_set) {
        limit_set = true;
        std::uint64_t limit =
            parser.get().target() == "/v1/import" ? config.max_import_bytes : config.max_request_bytes;
        parser.body_limit(limit);
        if (auto length = parser.content_length(); length && *length > limit) return 0;  // 413, close
      }
    }
    if (!handle(srv, parser.release())) return 0;
  }
  return 0;
}
