// send_bad_request(): HTTP requests the API refuses, each answered with the status and
// error code docs/http-api.md gives for it, and nothing stored.

#include <functional>

#include "abuse_cases.hpp"
#include "key_space.hpp"
#include "refusal.hpp"

namespace hotstate::soak {

namespace {

using testing::HttpClient;
using testing::HttpResponse;
using Problem = std::optional<std::string>;

std::size_t between(std::mt19937_64& random, std::size_t low, std::size_t high) {
  return std::uniform_int_distribution<std::size_t>(low, high)(random);
}

template <class T>
const T& pick(std::mt19937_64& random, const std::vector<T>& from) {
  return from[between(random, 0, from.size() - 1)];
}

const std::string kAbusePath = "/v1/c/" + std::string(kAbuseCollection);

std::string shortened(const std::string& text) { return text.size() <= 200 ? text : text.substr(0, 200) + "..."; }

Problem expect_refusal(const HttpResponse& response, int status, std::string_view code) {
  if (is_refusal(response, status, code)) return std::nullopt;
  return "answered " + std::to_string(response.status) + " " + shortened(response.body) + ", expected " +
         std::to_string(status) + " " + std::string(code);
}

// Bytes on a connection of their own; the answer parsed as far as a status line and body.
HttpResponse raw_answer(const AbuseTarget& target, const std::string& bytes) {
  std::string answer = testing::raw_exchange(target.host, target.port, bytes);
  HttpResponse out;
  if (answer.rfind("HTTP/1.", 0) == 0 && answer.size() > 12) out.status = std::atoi(answer.c_str() + 9);
  auto body = answer.find("\r\n\r\n");
  out.body = body == std::string::npos ? answer : answer.substr(body + 4);
  return out;
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

using RequestCase = std::function<Problem(const AbuseTarget&, HttpClient&, std::mt19937_64&)>;

const std::vector<std::pair<std::string, RequestCase>>& request_cases() {
  static const std::vector<std::pair<std::string, RequestCase>> cases{
      {"invalid JSON",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         static const std::vector<std::string> bad{"", "{", "[1,]", "{\"a\"}", "nul", "1 2", "'x'", "01", "NaN",
                                                   "\"\xff\"", "\"open", "{\"a\":1}}"};
         return expect_refusal(http.request("PUT", kAbusePath + "/k", pick(r, bad)), 400, "invalid_json");
       }},
      {"nesting deeper than 64",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         return expect_refusal(http.request("PUT", kAbusePath + "/k", nested_arrays(between(r, 65, 200))), 400,
                               "too_deep");
       }},
      {"value over --max-value-bytes",
       [](const AbuseTarget& t, HttpClient& http, std::mt19937_64& r) {
         std::string value = "\"" + std::string(t.max_value_bytes + between(r, 0, 1000), 'v') + "\"";
         return expect_refusal(http.request("PUT", kAbusePath + "/k", value), 413, "value_too_large");
       }},
      {"body over the request limit",
       [](const AbuseTarget& t, HttpClient& http, std::mt19937_64& r) {
         std::string body(t.max_request_bytes + between(r, 1, 64 * 1024), '1');
         return expect_refusal(http.request("PUT", kAbusePath + "/k", body), 413, "body_too_large");
       }},
      {"bad transaction",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         const std::string put = R"({"op":"put","collection":"abuse","key":"t","value":1})";
         static const std::vector<std::pair<std::string, std::string>> bad{
             {R"({"ops":[)" + put + "," + put + "]}", "duplicate_key"},
             {R"({"ops":[{"op":"upsert","collection":"abuse","key":"t","value":1}]})", "invalid_request"},
             {R"({"ops":[)" + put + R"(],"extra":true})", "invalid_request"},
             {R"({"ops":[]})", "invalid_request"},
             {R"({"if":[{"collection":"abuse","key":"t","mod_revision":-1}],"ops":[)" + put + "]}",
              "invalid_request"},
             {R"({"ops":[{"op":"put","collection":"abuse","key":"t"}]})", "invalid_request"},
             {R"({"ops":[{"op":"put","collection":"bad name","key":"t","value":1}]})", "invalid_collection"},
             {R"({"ops":[{"op":"put","collection":"abuse","key":"","value":1}]})", "invalid_key"},
             {R"({"ops":[)" + put + "]", "invalid_json"},
             {"[" + put + "]", "invalid_request"},
         };
         const auto& [body, code] = pick(r, bad);
         return expect_refusal(http.request("POST", "/v1/txn", body), 400, code);
       }},
      {"wrong method",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) -> Problem {
         static const std::vector<std::pair<std::string, std::string>> bad{
             {"PATCH", kAbusePath + "/k"}, {"POST", kAbusePath + "/k"}, {"POST", kAbusePath},
             {"DELETE", kAbusePath},       {"GET", "/v1/txn"},          {"PUT", "/v1/status"},
             {"POST", "/metrics"},         {"DELETE", "/v1/export"},    {"GET", "/v1/import"}};
         const auto& [verb, target] = pick(r, bad);
         HttpResponse response = http.request(verb, target, verb == "GET" ? "" : "{}");
         if (auto problem = expect_refusal(response, 405, "method_not_allowed")) return problem;
         if (response.header("allow").empty()) return "405 without an Allow header";
         return std::nullopt;
       }},
      {"unknown path",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         static const std::vector<std::string> bad{"/", "/nope", "/v1", "/v1/statusx", "/v1/txn/x", "/v2/c/abuse/k",
                                                   "/V1/status", "/healthz/x"};
         return expect_refusal(http.request("GET", pick(r, bad)), 404, "not_found");
       }},
      {"invalid collection",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         static const std::vector<std::string> bad{"bad%20name", "caf%C3%A9", "star*", std::string(129, 'c'), ""};
         return expect_refusal(http.request("PUT", "/v1/c/" + pick(r, bad) + "/k", "1"), 400, "invalid_collection");
       }},
      {"invalid key",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         static const std::vector<std::string> bad{"", "%FF", "%C0%AF", "%ED%A0%80", std::string(1025, 'k')};
         return expect_refusal(http.request("PUT", kAbusePath + "/" + pick(r, bad), "1"), 400, "invalid_key");
       }},
      {"bad If-Match",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         static const std::vector<std::string> bad{"abc", "-1", "1.5", "", "18446744073709551616"};
         return expect_refusal(http.request("PUT", kAbusePath + "/k", "1", {{"If-Match", pick(r, bad)}}), 400,
                               "invalid_request");
       }},
      {"bad listing limit",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64& r) {
         static const std::vector<std::string> bad{"0", "1001", "x", "-5"};
         return expect_refusal(http.request("GET", kAbusePath + "?limit=" + pick(r, bad)), 400, "invalid_request");
       }},
      {"import into a server that holds data",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64&) {
         const std::string file =
             R"({"format":"hotstate-export","version":1,"epoch":"0000000000000001","revision":1,"records":1})"
             "\n"
             R"({"collection":"abuse","key":"i","value":1,"create_revision":1,"mod_revision":1,"version":1})"
             "\n";
         return expect_refusal(http.request("POST", "/v1/import", file), 409, "not_empty");
       }},
      {"stream without the upgrade",
       [](const AbuseTarget&, HttpClient& http, std::mt19937_64&) {
         return expect_refusal(http.request("GET", "/v1/stream"), 426, "upgrade_required");
       }},
      {"malformed HTTP",
       [](const AbuseTarget& t, HttpClient&, std::mt19937_64& r) {
         static const std::vector<std::string> bad{
             "THIS IS NOT HTTP\r\n\r\n",
             "GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon in this header\r\n\r\n",
             "PUT /v1/c/abuse/k HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n2",
             "PUT /v1/c/abuse/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n22",
             "PUT /v1/c/abuse/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n2\r\n0\r\n\r\n",
             "GET\x01 /healthz HTTP/1.1\r\n\r\n",
         };
         return expect_refusal(raw_answer(t, pick(r, bad)), 400, "");
       }},
      {"garbage bytes",
       [](const AbuseTarget& t, HttpClient&, std::mt19937_64& r) {
         std::string bytes(between(r, 1, 512), '\0');
         for (char& c : bytes) c = static_cast<char>(between(r, 0, 255));
         bytes[0] = '\x01';  // not a method character: the parser refuses at once
         return expect_refusal(raw_answer(t, bytes + "\r\n\r\n"), 400, "");
       }},
      {"headers over 16 KiB",
       [](const AbuseTarget& t, HttpClient&, std::mt19937_64& r) {
         std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " +
                               std::string(16 * 1024 + between(r, 1, 4096), 'h') + "\r\n\r\n";
         return expect_refusal(raw_answer(t, request), 431, "headers_too_large");
       }},
  };
  return cases;
}

}  // namespace

AbuseOutcome send_bad_request(const AbuseTarget& target, HttpClient& http, std::mt19937_64& random) {
  const auto& cases = request_cases();
  const auto& [name, run] = cases[between(random, 0, cases.size() - 1)];
  try {
    return {name, run(target, http, random)};
  } catch (const std::exception& error) {
    http.close();
    return {name, std::string("failed: ") + error.what()};
  }
}

}  // namespace hotstate::soak
