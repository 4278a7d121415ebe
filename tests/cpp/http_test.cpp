// The HTTP API (docs/http-api.md) against a real hotstated: every endpoint, every status
// code, and that a refused request changes nothing (the revision in /v1/status stays put).

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "server_process.hpp"

namespace json = boost::json;
using hotstate::testing::HttpClient;
using hotstate::testing::HttpResponse;
using hotstate::testing::percent_encode;
using hotstate::testing::raw_exchange;
using hotstate::testing::run_command;
using hotstate::testing::ServerProcess;

namespace {

using Headers = std::map<std::string, std::string>;

// ---- small JSON helpers ------------------------------------------------------------

std::uint64_t u64(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
  throw std::runtime_error("not a whole number: " + json::serialize(v));
}

const json::value& at(const json::value& v, std::string_view name) {
  if (!v.is_object()) throw std::runtime_error("not an object: " + json::serialize(v));
  const json::value* member = v.get_object().if_contains(name);
  if (!member)
    throw std::runtime_error("no member \"" + std::string(name) + "\" in " + json::serialize(v));
  return *member;
}

std::string str(const json::value& v) {
  if (!v.is_string()) throw std::runtime_error("not a string: " + json::serialize(v));
  return std::string(v.get_string());
}

// Index just past the JSON value starting at `i` (no validation: the server's output).
std::size_t skip_value(const std::string& s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i)
      if (s[i] == '\\') ++i;
    return i + 1;
  }
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c == '"') {
        i = skip_value(s, i) - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return i;
  }
  while (i < s.size() && std::string_view(",}] \t\r\n").find(s[i]) == std::string_view::npos) ++i;
  return i;
}

std::size_t skip_ws(const std::string& s, std::size_t i) {
  while (i < s.size() && std::string_view(" \t\r\n").find(s[i]) != std::string_view::npos) ++i;
  return i;
}

// The exact text of a top-level member of a JSON object (for number formats that a DOM
// would hide: 1.0 versus 1, all 64 bits of an integer, the bits of a double).
std::optional<std::string> raw_member(const std::string& object, std::string_view name) {
  std::size_t i = skip_ws(object, 0);
  if (i >= object.size() || object[i] != '{') return std::nullopt;
  ++i;
  for (;;) {
    i = skip_ws(object, i);
    if (i >= object.size() || object[i] != '"') return std::nullopt;
    std::size_t name_end = skip_value(object, i);
    std::string member = object.substr(i + 1, name_end - i - 2);
    i = skip_ws(object, name_end);
    if (i >= object.size() || object[i] != ':') return std::nullopt;
    i = skip_ws(object, i + 1);
    std::size_t value_end = skip_value(object, i);
    if (member == name) return object.substr(i, value_end - i);
    i = skip_ws(object, value_end);
    if (i >= object.size() || object[i] != ',') return std::nullopt;
    ++i;
  }
}

// An error answer: the status and {"error":{"code":code,"message":"..."}}.
::testing::AssertionResult IsError(const HttpResponse& r, int status, std::string_view code) {
  if (r.status != status)
    return ::testing::AssertionFailure() << "status " << r.status << ", expected " << status
                                         << "; body: " << r.body;
  json::value body;
  try {
    body = r.json();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
  const json::value* error = body.is_object() ? body.get_object().if_contains("error") : nullptr;
  if (!error || !error->is_object())
    return ::testing::AssertionFailure() << "no \"error\" object in " << r.body;
  const json::value* got_code = error->get_object().if_contains("code");
  const json::value* message = error->get_object().if_contains("message");
  if (!got_code || !got_code->is_string() || (!code.empty() && got_code->get_string() != code))
    return ::testing::AssertionFailure() << "error code is not \"" << code << "\": " << r.body;
  if (got_code->get_string().empty())
    return ::testing::AssertionFailure() << "empty error code: " << r.body;
  if (!message || !message->is_string() || message->get_string().empty())
    return ::testing::AssertionFailure() << "no error message in " << r.body;
  return ::testing::AssertionSuccess();
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string out;
  for (std::size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += "1";
  out += std::string(depth, '}');
  return out;
}

std::string json_string(std::string_view text) {
  return json::serialize(json::value(json::string_view(text.data(), text.size())));
}

std::set<std::string> allow_set(const std::string& allow) {
  std::set<std::string> out;
  std::size_t at_ = 0;
  while (at_ <= allow.size()) {
    auto comma = allow.find(',', at_);
    std::string token = allow.substr(at_, comma == std::string::npos ? std::string::npos : comma - at_);
    auto first = token.find_first_not_of(" \t");
    auto last = token.find_last_not_of(" \t");
    if (first != std::string::npos) out.insert(token.substr(first, last - first + 1));
    if (comma == std::string::npos) break;
    at_ = comma + 1;
  }
  return out;
}

std::vector<std::string> listed_keys(const json::value& page) {
  std::vector<std::string> keys;
  for (const auto& record : at(page, "records").as_array()) keys.push_back(str(at(record, "key")));
  return keys;
}

// A test's own server and a client talking to it.
class HttpApi : public ::testing::Test {
 protected:
  explicit HttpApi(std::vector<std::string> args = {"--memory"})
      : server_(std::make_unique<ServerProcess>(std::move(args))),
        client_(std::make_unique<HttpClient>(server_->host(), server_->port())) {}

  ServerProcess& server() { return *server_; }
  HttpClient& client() { return *client_; }

  HttpResponse req(const std::string& verb, const std::string& target, const std::string& body = "",
                   const Headers& headers = {}) {
    return client_->request(verb, target, body, headers);
  }
  static std::string path(const std::string& collection, const std::string& key) {
    return "/v1/c/" + collection + "/" + percent_encode(key);
  }
  HttpResponse put(const std::string& collection, const std::string& key, const std::string& value,
                   const Headers& headers = {}) {
    return req("PUT", path(collection, key), value, headers);
  }
  HttpResponse get(const std::string& collection, const std::string& key) {
    return req("GET", path(collection, key));
  }
  HttpResponse del(const std::string& collection, const std::string& key, const Headers& headers = {}) {
    return req("DELETE", path(collection, key), "", headers);
  }
  HttpResponse txn(const std::string& body) { return req("POST", "/v1/txn", body); }

  // PUT that must succeed; returns the committed revision.
  std::uint64_t must_put(const std::string& collection, const std::string& key, const std::string& value) {
    auto r = put(collection, key, value);
    if (r.status != 200) throw std::runtime_error("PUT " + key + " answered " + std::to_string(r.status) + ": " + r.body);
    return u64(at(r.json(), "revision"));
  }

  json::value status() {
    auto r = req("GET", "/v1/status");
    if (r.status != 200) throw std::runtime_error("/v1/status answered " + std::to_string(r.status));
    return r.json();
  }
  std::uint64_t revision() { return u64(at(status(), "revision")); }

  // Sends a request that must be refused with `status`/`code`, and checks that the
  // server's revision did not move.
  HttpResponse refused(const std::string& verb, const std::string& target, const std::string& body,
                       const Headers& headers, int http_status, std::string_view code) {
    std::uint64_t before = revision();
    auto r = req(verb, target, body, headers);
    EXPECT_TRUE(IsError(r, http_status, code)) << verb << " " << target << " body: " << body.substr(0, 200);
    EXPECT_EQ(revision(), before) << "refused " << verb << " " << target << " changed the revision";
    return r;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

// ---- records ------------------------------------------------------------------------

TEST_F(HttpApi, PutGetDeleteAndRecordMetadata) {
  const std::uint64_t r0 = revision();

  auto w1 = put("flags", "beta", "true");
  ASSERT_EQ(w1.status, 200) << w1.body;
  EXPECT_EQ(u64(at(w1.json(), "revision")), r0 + 1);
  EXPECT_EQ(w1.header("content-type").rfind("application/json", 0), 0u) << w1.header("content-type");

  auto g1 = get("flags", "beta");
  ASSERT_EQ(g1.status, 200) << g1.body;
  auto doc = g1.json();
  EXPECT_EQ(str(at(doc, "collection")), "flags");
  EXPECT_EQ(str(at(doc, "key")), "beta");
  EXPECT_EQ(at(doc, "value"), json::value(true));
  EXPECT_EQ(u64(at(doc, "create_revision")), r0 + 1);
  EXPECT_EQ(u64(at(doc, "mod_revision")), r0 + 1);
  EXPECT_EQ(u64(at(doc, "version")), 1u);
  EXPECT_EQ(u64(at(doc, "revision")), r0 + 1);

  // version counts writes since creation; create_revision stays.
  EXPECT_EQ(must_put("flags", "beta", "false"), r0 + 2);
  EXPECT_EQ(must_put("flags", "beta", "{\"on\":1}"), r0 + 3);
  doc = get("flags", "beta").json();
  EXPECT_EQ(at(doc, "value"), json::parse("{\"on\":1}"));
  EXPECT_EQ(u64(at(doc, "create_revision")), r0 + 1);
  EXPECT_EQ(u64(at(doc, "mod_revision")), r0 + 3);
  EXPECT_EQ(u64(at(doc, "version")), 3u);

  // A write elsewhere moves the server revision, not this record's metadata.
  EXPECT_EQ(must_put("other", "x", "1"), r0 + 4);
  doc = get("flags", "beta").json();
  EXPECT_EQ(u64(at(doc, "mod_revision")), r0 + 3);
  EXPECT_EQ(u64(at(doc, "version")), 3u);
  EXPECT_EQ(u64(at(doc, "revision")), r0 + 4);

  auto d = del("flags", "beta");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(u64(at(d.json(), "revision")), r0 + 5);
  EXPECT_TRUE(IsError(get("flags", "beta"), 404, "not_found"));
  EXPECT_EQ(revision(), r0 + 5);

  // Re-created: a new life, version restarts at 1 and create_revision is the new one.
  EXPECT_EQ(must_put("flags", "beta", "\"again\""), r0 + 6);
  doc = get("flags", "beta").json();
  EXPECT_EQ(str(at(doc, "value")), "again");
  EXPECT_EQ(u64(at(doc, "create_revision")), r0 + 6);
  EXPECT_EQ(u64(at(doc, "mod_revision")), r0 + 6);
  EXPECT_EQ(u64(at(doc, "version")), 1u);
}

TEST_F(HttpApi, EveryWriteTakesTheNextRevisionAcrossCollections) {
  std::uint64_t last = revision();
  for (int i = 0; i < 20; ++i) {
    std::uint64_t rev = must_put(i % 2 ? "odd" : "even", "k" + std::to_string(i % 3), std::to_string(i));
    EXPECT_EQ(rev, last + 1);
    last = rev;
  }
  EXPECT_EQ(revision(), last);
}

TEST_F(HttpApi, GetOfAbsentRecordIs404) {
  EXPECT_TRUE(IsError(get("flags", "nope"), 404, "not_found"));
  must_put("flags", "yes", "1");
  EXPECT_TRUE(IsError(get("flags", "nope"), 404, "not_found"));
  EXPECT_TRUE(IsError(get("other", "yes"), 404, "not_found"));
}

TEST_F(HttpApi, DeleteOfAbsentIs404AndUsesNoRevision) {
  refused("DELETE", path("flags", "never"), "", {}, 404, "not_found");
  std::uint64_t rev = must_put("flags", "once", "1");
  ASSERT_EQ(del("flags", "once").status, 200);
  refused("DELETE", path("flags", "once"), "", {}, 404, "not_found");
  refused("DELETE", path("empty-collection", "x"), "", {}, 404, "not_found");
  // No revision was consumed by the refusals: the next write is exactly two after `rev`.
  EXPECT_EQ(must_put("flags", "next", "1"), rev + 2);
}

// ---- If-Match -----------------------------------------------------------------------

TEST_F(HttpApi, IfMatchWithCurrentModRevisionSucceeds) {
  std::uint64_t created = must_put("c", "k", "1");
  auto r = put("c", "k", "2", {{"If-Match", std::to_string(created)}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::uint64_t second = u64(at(r.json(), "revision"));
  EXPECT_EQ(second, created + 1);
  auto doc = get("c", "k").json();
  EXPECT_EQ(at(doc, "value"), json::value(2));
  EXPECT_EQ(u64(at(doc, "version")), 2u);

  auto d = del("c", "k", {{"If-Match", std::to_string(second)}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_TRUE(IsError(get("c", "k"), 404, "not_found"));
}

TEST_F(HttpApi, IfMatchStaleIs412WithCurrentModRevision) {
  std::uint64_t first = must_put("c", "k", "1");
  std::uint64_t current = must_put("c", "k", "2");
  must_put("c", "unrelated", "0");  // the server revision is now above `current`

  auto r = refused("PUT", path("c", "k"), "3", {{"If-Match", std::to_string(first)}}, 412,
                   "condition_failed");
  EXPECT_EQ(u64(at(at(r.json(), "error"), "mod_revision")), current) << r.body;
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(2));

  r = refused("DELETE", path("c", "k"), "", {{"If-Match", std::to_string(first)}}, 412,
              "condition_failed");
  EXPECT_EQ(u64(at(at(r.json(), "error"), "mod_revision")), current) << r.body;
  EXPECT_EQ(get("c", "k").status, 200);

  // A mod_revision from the future does not match either.
  r = refused("PUT", path("c", "k"), "3", {{"If-Match", std::to_string(current + 100)}}, 412,
              "condition_failed");
  EXPECT_EQ(u64(at(at(r.json(), "error"), "mod_revision")), current) << r.body;
}

TEST_F(HttpApi, IfMatchZeroMeansMustBeAbsent) {
  auto r = put("c", "fresh", "1", {{"If-Match", "0"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::uint64_t created = u64(at(r.json(), "revision"));

  r = refused("PUT", path("c", "fresh"), "2", {{"If-Match", "0"}}, 412, "condition_failed");
  EXPECT_EQ(u64(at(at(r.json(), "error"), "mod_revision")), created) << r.body;
  EXPECT_EQ(at(get("c", "fresh").json(), "value"), json::value(1));

  // Non-zero If-Match on an absent record: fails, and reports 0 (absent).
  r = refused("PUT", path("c", "absent"), "2", {{"If-Match", std::to_string(created)}}, 412,
              "condition_failed");
  EXPECT_EQ(u64(at(at(r.json(), "error"), "mod_revision")), 0u) << r.body;
  EXPECT_TRUE(IsError(get("c", "absent"), 404, "not_found"));

  // After a delete the record is absent again: If-Match 0 recreates it.
  ASSERT_EQ(del("c", "fresh").status, 200);
  EXPECT_EQ(put("c", "fresh", "3", {{"If-Match", "0"}}).status, 200);
  EXPECT_EQ(u64(at(get("c", "fresh").json(), "version")), 1u);
}

TEST_F(HttpApi, BadIfMatchIs400) {
  std::uint64_t created = must_put("c", "k", "1");
  for (std::string bad : {"abc", "-1", "", "1.5", "12abc", "0x10", "1,2", "99999999999999999999999",
                          "*"}) {
    SCOPED_TRACE("If-Match: " + bad);
    refused("PUT", path("c", "k"), "2", {{"If-Match", bad}}, 400, "invalid_request");
    refused("PUT", path("c", "other"), "2", {{"If-Match", bad}}, 400, "invalid_request");
    refused("DELETE", path("c", "k"), "", {{"If-Match", bad}}, 400, "invalid_request");
  }
  auto doc = get("c", "k").json();
  EXPECT_EQ(at(doc, "value"), json::value(1));
  EXPECT_EQ(u64(at(doc, "mod_revision")), created);
  EXPECT_TRUE(IsError(get("c", "other"), 404, "not_found"));
}

// ---- values -------------------------------------------------------------------------

TEST_F(HttpApi, JsonValuesRoundTrip) {
  const std::vector<std::string> values = {
      "null",
      "true",
      "false",
      "0",
      "-1",
      "42",
      "\"\"",
      "\"plain\"",
      "[]",
      "{}",
      R"([1,"a",null,true,false,[],{},[[["deep"]]],{"x":[1,2,{"y":null}]}])",
      R"({"b":1,"a":{"d":[false],"c":"x"},"":"empty name","é":"accent","a b":[]})",
      R"("caf\u00e9 \ud83d\ude00 日本語 ключ")",
      R"("quote\" backslash\\ slash\/ nl\n cr\r tab\t bs\b ff\f ctl\u0001\u001f del")",
      R"("nul\u0000inside")",
      R"({"nested":{"string":"with \"escapes\" and \\ and \u2028"}})",
  };
  for (const auto& value : values) {
    SCOPED_TRACE(value);
    must_put("values", "v", value);
    auto r = get("values", "v");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(at(r.json(), "value"), json::parse(value)) << r.body;
  }
}

TEST_F(HttpApi, SixtyFourBitIntegersKeepEveryDigit) {
  for (std::string value : {"18446744073709551615", "-9223372036854775808", "9223372036854775807",
                            "9223372036854775808", "9007199254740993", "-9007199254740993", "0"}) {
    SCOPED_TRACE(value);
    must_put("numbers", "n", value);
    auto r = get("numbers", "n");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(raw_member(r.body, "value").value_or("<missing>"), value) << r.body;
    // Inside a container too.
    must_put("numbers", "n", "[" + value + "]");
    r = get("numbers", "n");
    EXPECT_EQ(raw_member(r.body, "value").value_or("<missing>"), "[" + value + "]") << r.body;
  }
}

// The number text `raw` parses to exactly the double `text` names, and still reads as a
// double (it has a '.' or an exponent, so it does not come back as an integer).
::testing::AssertionResult SameDouble(const std::string& raw, const std::string& text) {
  double want = std::strtod(text.c_str(), nullptr);
  char* end = nullptr;
  double got = std::strtod(raw.c_str(), &end);
  if (raw.empty() || end != raw.c_str() + raw.size())
    return ::testing::AssertionFailure() << "\"" << raw << "\" is not a number";
  if (std::memcmp(&want, &got, sizeof want) != 0)
    return ::testing::AssertionFailure() << "\"" << raw << "\" is not the double " << text;
  if (raw.find_first_of(".eE") == std::string::npos)
    return ::testing::AssertionFailure() << "\"" << raw << "\" reads back as an integer";
  return ::testing::AssertionSuccess();
}

const std::vector<std::string>& double_texts() {
  static const std::vector<std::string> texts = {
      "0.1", "1e300", "1.0", "-0.0", "2.5", "-1.5e-10", "0.30000000000000004", "5e-324",
      "2.2250738585072014e-308", "1.7976931348623157e308", "123456789.125", "1e22", "1e23",
      "9007199254740993.0", "3.141592653589793", "100.0", "-7.0E+2", "-2.5e-300",
      "2.2250738585072011e-308", "4.9406564584124654e-324", "0.1e1",
      // Exactly between two doubles plus a little: only correct rounding goes up.
      "1.00000000000000011102230246251565404236316680908203126",
      "1.00000000000000011102230246251565404236316680908203125"};
  return texts;
}

TEST_F(HttpApi, DoublesRoundTripExactlyAndStayDoubles) {
  for (const auto& text : double_texts()) {
    SCOPED_TRACE(text);
    must_put("numbers", "d", text);
    auto r = get("numbers", "d");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(SameDouble(raw_member(r.body, "value").value_or(""), text)) << r.body;
    EXPECT_TRUE(at(r.json(), "value").is_double()) << r.body;
  }
  must_put("numbers", "obj", R"({"one":1.0,"int":1,"tenth":0.1})");
  auto r = get("numbers", "obj");
  auto value = raw_member(r.body, "value").value_or("");
  EXPECT_TRUE(SameDouble(raw_member(value, "one").value_or(""), "1.0")) << r.body;
  EXPECT_EQ(raw_member(value, "int").value_or(""), "1") << r.body;
  EXPECT_TRUE(SameDouble(raw_member(value, "tenth").value_or(""), "0.1")) << r.body;
}

TEST_F(HttpApi, DoublesInTransactionsRoundTripExactly) {
  for (const auto& text : double_texts()) {
    SCOPED_TRACE(text);
    auto r = txn(R"({"ops":[{"op":"put","collection":"numbers","key":"d","value":)" + text + "}]}");
    ASSERT_EQ(r.status, 200) << r.body;
    r = get("numbers", "d");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(SameDouble(raw_member(r.body, "value").value_or(""), text)) << r.body;
  }
  for (std::string value : {"18446744073709551615", "-9223372036854775808"}) {
    auto r = txn(R"({"ops":[{"op":"put","collection":"numbers","key":"i","value":)" + value + "}]}");
    ASSERT_EQ(r.status, 200) << r.body;
    r = get("numbers", "i");
    EXPECT_EQ(raw_member(r.body, "value").value_or(""), value) << r.body;
  }
}

// A number no double can hold would be stored as infinity, which has no JSON form: it
// must be refused at write time, not poison later reads of the record and its collection.
TEST_F(HttpApi, NumbersBeyondDoubleRangeAreRefusedAtWriteTime) {
  must_put("range", "fine", "1");
  for (std::string value : {"1e400", "-1e400", "[1e999]", "{\"x\":-2e308}"}) {
    SCOPED_TRACE(value);
    refused("PUT", path("range", "inf"), value, {}, 400, "");
    refused("POST", "/v1/txn",
            R"({"ops":[{"op":"put","collection":"range","key":"tinf","value":)" + value + "}]}", {},
            400, "");
  }
  EXPECT_TRUE(IsError(get("range", "inf"), 404, "not_found"));
  EXPECT_TRUE(IsError(get("range", "tinf"), 404, "not_found"));
  auto list = req("GET", "/v1/c/range");
  EXPECT_EQ(list.status, 200) << list.body;
  // Underflow is ordinary rounding: the nearest double is 0.
  must_put("range", "tiny", "1e-400");
  EXPECT_TRUE(SameDouble(raw_member(get("range", "tiny").body, "value").value_or(""), "0.0"));
}

TEST_F(HttpApi, RewritingTheSameValueIsStillAWrite) {
  std::uint64_t first = must_put("c", "k", "{\"same\":true}");
  EXPECT_EQ(must_put("c", "k", "{\"same\":true}"), first + 1);
  auto doc = get("c", "k").json();
  EXPECT_EQ(u64(at(doc, "version")), 2u);
  EXPECT_EQ(u64(at(doc, "mod_revision")), first + 1);
}

TEST_F(HttpApi, NestingDepthLimitIs64) {
  for (const auto& [ok, too_deep] : {std::pair{nested_arrays(64), nested_arrays(65)},
                                     std::pair{nested_objects(64), nested_objects(65)}}) {
    must_put("deep", "ok", ok);
    auto r = get("deep", "ok");
    EXPECT_EQ(raw_member(r.body, "value").value_or(""), ok);
    refused("PUT", path("deep", "no"), too_deep, {}, 400, "too_deep");

    auto t = txn(R"({"ops":[{"op":"put","collection":"deep","key":"tok","value":)" + ok + "}]}");
    EXPECT_EQ(t.status, 200) << t.body;
    EXPECT_EQ(raw_member(get("deep", "tok").body, "value").value_or(""), ok);
    refused("POST", "/v1/txn",
            R"({"ops":[{"op":"put","collection":"deep","key":"tno","value":)" + too_deep + "}]}", {},
            400, "too_deep");
  }
  EXPECT_TRUE(IsError(get("deep", "no"), 404, "not_found"));
  EXPECT_TRUE(IsError(get("deep", "tno"), 404, "not_found"));
}

TEST_F(HttpApi, MalformedJsonIs400InvalidJson) {
  must_put("c", "k", "1");
  for (std::string bad : {"", " ", "{", "[1,]", "{\"a\"}", "nul", "1 2", "'x'", "{\"a\":1,}", "01",
                          "NaN", "[1] x", "\"\xff\"", "\"unterminated", "{\"a\":1}}"}) {
    SCOPED_TRACE(bad);
    refused("PUT", path("c", "k"), bad, {}, 400, "invalid_json");
    refused("PUT", path("c", "new"), bad, {}, 400, "invalid_json");
  }
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(1));
  EXPECT_TRUE(IsError(get("c", "new"), 404, "not_found"));
}

TEST_F(HttpApi, MemberNamesWithNulAreRefused) {
  refused("PUT", path("c", "k"), R"({"a\u0000b":1})", {}, 400, "");
  EXPECT_TRUE(IsError(get("c", "k"), 404, "not_found"));
}

class HttpApiSmallValues : public HttpApi {
 protected:
  HttpApiSmallValues()
      : HttpApi({"--memory", "--max-value-bytes", "1000", "--max-request-bytes", "70000"}) {}
};

TEST_F(HttpApiSmallValues, ValueOverTheLimitIs413) {
  const std::string at_limit = "\"" + std::string(998, 'x') + "\"";  // 1000 bytes of JSON
  const std::string over = "\"" + std::string(999, 'x') + "\"";     // 1001
  ASSERT_EQ(at_limit.size(), 1000u);

  EXPECT_EQ(put("c", "fits", at_limit).status, 200);
  EXPECT_EQ(at(get("c", "fits").json(), "value"), json::parse(at_limit));
  refused("PUT", path("c", "big"), over, {}, 413, "value_too_large");
  refused("PUT", path("c", "fits"), over, {}, 413, "value_too_large");
  EXPECT_EQ(at(get("c", "fits").json(), "value"), json::parse(at_limit));

  auto ok = txn(R"({"ops":[{"op":"put","collection":"c","key":"tfits","value":)" + at_limit + "}]}");
  EXPECT_EQ(ok.status, 200) << ok.body;
  refused("POST", "/v1/txn",
          R"({"ops":[{"op":"put","collection":"c","key":"a","value":1},)"
          R"({"op":"put","collection":"c","key":"tbig","value":)" + over + "}]}",
          {}, 413, "value_too_large");
  EXPECT_TRUE(IsError(get("c", "a"), 404, "not_found"));
  EXPECT_TRUE(IsError(get("c", "tbig"), 404, "not_found"));
  EXPECT_TRUE(IsError(get("c", "big"), 404, "not_found"));
}

// Values of about 1000 bytes of compact JSON, in shapes that are cheap as text but large
// as FlexBuffers ({"":0.1} is 9 bytes of text and about 40 bytes encoded) or that print
// longer when re-printed (123.456 -> 1.23456E2 by Boost.JSON, 1e5 -> 1e+05, 1E2 -> 100.0).
std::string repeated_value(const std::string& item, std::size_t limit) {
  std::string out = "[";
  while (out.size() + item.size() + 2 <= limit) {
    if (out.size() > 1) out += ",";
    out += item;
  }
  return out + "]";
}
const std::vector<std::string> kValueShapes = {"123.456", "{\"\":0.1}", "0.1", "{}", "[1.5]", "\"\"",
                                               "{\"a\":{}}", "1e5", "1E2", "\"\\u00e9\""};

// The limit is on the JSON text the client sent (docs/http-api.md), whatever the value's shape.
TEST_F(HttpApiSmallValues, ValueLimitIsOnTheJsonTextNotItsEncoding) {
  for (const auto& item : kValueShapes) {
    const std::string value = repeated_value(item, 1000);
    SCOPED_TRACE(item + " x N: " + std::to_string(value.size()) + " bytes of JSON");
    ASSERT_LE(value.size(), 1000u);
    auto r = put("shapes", "v", value);
    EXPECT_EQ(r.status, 200) << r.body;
  }
}

// ... and a value inside a transaction is measured the same way: by its text, not by how
// the server happens to re-print it.
TEST_F(HttpApiSmallValues, TxnValueLimitIsOnTheJsonTextSent) {
  for (const auto& item : kValueShapes) {
    const std::string value = repeated_value(item, 1000);
    SCOPED_TRACE(item + " x N: " + std::to_string(value.size()) + " bytes of JSON");
    ASSERT_LE(value.size(), 1000u);
    auto r = txn(R"({"ops":[{"op":"put","collection":"shapes","key":"t","value":)" + value + "}]}");
    EXPECT_EQ(r.status, 200) << r.body;
  }
}

TEST_F(HttpApiSmallValues, BodyOverTheRequestLimitIs413) {
  must_put("c", "k", "1");
  const std::string huge_value = "\"" + std::string(100 * 1024, 'x') + "\"";
  refused("PUT", path("c", "k"), huge_value, {}, 413, "body_too_large");
  refused("PUT", path("c", "new"), huge_value, {}, 413, "body_too_large");

  std::string huge_txn = R"({"ops":[)";
  for (int i = 0; huge_txn.size() < 100 * 1024; ++i) {
    if (i) huge_txn += ",";
    huge_txn += R"({"op":"put","collection":"c","key":"h)" + std::to_string(i) + R"(","value":1})";
  }
  huge_txn += "]}";
  refused("POST", "/v1/txn", huge_txn, {}, 413, "body_too_large");
  EXPECT_TRUE(IsError(get("c", "h0"), 404, "not_found"));
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(1));

  // A body under the request limit but far over the value limit is fine when every value
  // is small: the two limits are different things.
  std::string big_txn = R"({"ops":[)";
  int ops = 0;
  for (; big_txn.size() < 60 * 1024; ++ops) {
    if (ops) big_txn += ",";
    big_txn += R"({"op":"put","collection":"c","key":"b)" + std::to_string(ops) + R"(","value":1})";
  }
  big_txn += "]}";
  auto r = txn(big_txn);
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(get("c", "b" + std::to_string(ops - 1)).status, 200);
}

class HttpApiTinyRequestLimit : public HttpApi {
 protected:
  HttpApiTinyRequestLimit()
      : HttpApi({"--memory", "--max-value-bytes", "1000", "--max-request-bytes", "10"}) {}
};

TEST_F(HttpApiTinyRequestLimit, RequestLimitIsRaisedToCarryTheLargestValue) {
  const std::string at_limit = "\"" + std::string(998, 'x') + "\"";
  auto r = put("c", "fits", at_limit);
  EXPECT_EQ(r.status, 200) << r.body;
  r = txn(R"({"ops":[{"op":"put","collection":"c","key":"t","value":)" + at_limit + "}]}");
  EXPECT_EQ(r.status, 200) << r.body;
}

// ---- names --------------------------------------------------------------------------

TEST_F(HttpApi, InvalidCollectionIs400) {
  const std::string too_long(129, 'c');
  for (std::string bad : {std::string("bad%20name"), std::string("caf%C3%A9"), std::string("a%2Fb"),
                          std::string("semi%3Bcolon"), std::string("star*"), too_long}) {
    SCOPED_TRACE(bad);
    refused("PUT", "/v1/c/" + bad + "/k", "1", {}, 400, "invalid_collection");
    refused("DELETE", "/v1/c/" + bad + "/k", "", {}, 400, "invalid_collection");
    refused("GET", "/v1/c/" + bad + "/k", "", {}, 400, "invalid_collection");
    refused("GET", "/v1/c/" + bad, "", {}, 400, "invalid_collection");
  }
  refused("PUT", "/v1/c//k", "1", {}, 400, "invalid_collection");
  const std::string collection_128(128, 'c');
  EXPECT_EQ(put(collection_128, "k", "1").status, 200);
  EXPECT_EQ(put("A-z_0.9", "k", "1").status, 200);

  refused("POST", "/v1/txn", R"({"ops":[{"op":"put","collection":"ok","key":"a","value":1},)"
                             R"({"op":"put","collection":"bad name","key":"k","value":1}]})",
          {}, 400, "invalid_collection");
  refused("POST", "/v1/txn",
          R"({"if":[{"collection":"","key":"k","mod_revision":0}],)"
          R"("ops":[{"op":"put","collection":"ok","key":"a","value":1}]})",
          {}, 400, "invalid_collection");
  refused("POST", "/v1/txn", R"({"ops":[{"op":"delete","collection":"b/c","key":"k"}]})", {}, 400,
          "invalid_collection");
  EXPECT_TRUE(IsError(get("ok", "a"), 404, "not_found"));
}

TEST_F(HttpApi, InvalidKeyIs400) {
  const std::string key_1024(1024, 'k');
  const std::string key_1025(1025, 'k');
  refused("PUT", "/v1/c/c/", "1", {}, 400, "invalid_key");
  refused("GET", "/v1/c/c/", "", {}, 400, "invalid_key");
  refused("DELETE", "/v1/c/c/", "", {}, 400, "invalid_key");
  refused("PUT", "/v1/c/c/" + key_1025, "1", {}, 400, "invalid_key");
  refused("GET", "/v1/c/c/" + key_1025, "", {}, 400, "invalid_key");
  refused("PUT", "/v1/c/c/%FF", "1", {}, 400, "invalid_key");       // not UTF-8
  refused("PUT", "/v1/c/c/%C0%AF", "1", {}, 400, "invalid_key");    // overlong '/'
  refused("PUT", "/v1/c/c/%ED%A0%80", "1", {}, 400, "invalid_key"); // surrogate
  refused("PUT", "/v1/c/c/a%zz", "1", {}, 400, "");                 // bad escape
  refused("PUT", "/v1/c/c/a%4", "1", {}, 400, "");
  // 1024 bytes is fine, also when they are multi-byte characters (256 x 4 bytes).
  EXPECT_EQ(put("c", key_1024, "1").status, 200);
  std::string emoji_key;
  for (int i = 0; i < 256; ++i) emoji_key += "\xF0\x9F\x98\x80";
  EXPECT_EQ(put("c", emoji_key, "1").status, 200);
  refused("PUT", path("c", emoji_key + "k"), "1", {}, 400, "invalid_key");

  refused("POST", "/v1/txn", R"({"ops":[{"op":"put","collection":"c","key":"a","value":1},)"
                             R"({"op":"put","collection":"c","key":"","value":1}]})",
          {}, 400, "invalid_key");
  refused("POST", "/v1/txn",
          R"({"ops":[{"op":"put","collection":"c","key":")" + key_1025 + R"(","value":1}]})", {}, 400,
          "invalid_key");
  refused("POST", "/v1/txn",
          R"({"if":[{"collection":"c","key":"","mod_revision":0}],)"
          R"("ops":[{"op":"put","collection":"c","key":"a","value":1}]})",
          {}, 400, "invalid_key");
  EXPECT_TRUE(IsError(get("c", "a"), 404, "not_found"));
}

TEST_F(HttpApi, KeysNeedingPercentEncodingRoundTrip) {
  const std::vector<std::string> keys = {"a b", "a/b", "a?b", "a%b", "100%", "a+b", "#frag",
                                         "ключ", "日本/語?x=1&y=2", "😀", "tab\there", "/lead",
                                         "trail/", "a%2Fb",
                                         std::string("nul\0inside", 10)};
  for (const auto& key : keys) {
    SCOPED_TRACE(key);
    auto w = put("keys", key, json_string(key));
    ASSERT_EQ(w.status, 200) << w.body;
    auto r = get("keys", key);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(at(r.json(), "key")), key);
    EXPECT_EQ(str(at(r.json(), "value")), key);
  }
  auto page = req("GET", "/v1/c/keys?limit=1000");
  ASSERT_EQ(page.status, 200) << page.body;
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(listed_keys(page.json()), want);

  // '/' inside a key may also be sent raw; '+' in a path is a plus, not a space.
  ASSERT_EQ(req("PUT", "/v1/c/raw/x/y/z", "1").status, 200);
  auto r = get("raw", "x/y/z");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(at(r.json(), "key")), "x/y/z");
  ASSERT_EQ(req("PUT", "/v1/c/raw/p+q", "2").status, 200);
  EXPECT_EQ(get("raw", "p+q").status, 200);
  EXPECT_TRUE(IsError(get("raw", "p q"), 404, "not_found"));
  // Percent-encoded and raw spellings name the same record.
  ASSERT_EQ(req("DELETE", "/v1/c/raw/x%2Fy/z").status, 200);
  EXPECT_TRUE(IsError(get("raw", "x/y/z"), 404, "not_found"));
}

// ---- listing ------------------------------------------------------------------------

TEST_F(HttpApi, ListingIsInByteOrderWithPrefixAfterAndMetadata) {
  const std::vector<std::string> keys = {"b", "a", "ab", "abc", "B", "ba", "\xC3\xA9", "a0"};
  std::uint64_t last = 0;
  for (const auto& key : keys) last = must_put("list", key, json_string("v-" + key));
  must_put("list", "ab", "\"v-ab2\"");  // a second version
  last = must_put("other", "a", "1");   // other collections are not listed

  auto page = req("GET", "/v1/c/list");
  ASSERT_EQ(page.status, 200) << page.body;
  auto doc = page.json();
  const std::vector<std::string> all = {"B", "a", "a0", "ab", "abc", "b", "ba", "\xC3\xA9"};
  EXPECT_EQ(listed_keys(doc), all);
  EXPECT_EQ(at(doc, "more"), json::value(false));
  EXPECT_EQ(u64(at(doc, "revision")), last);
  for (const auto& record : at(doc, "records").as_array()) {
    std::string key = str(at(record, "key"));
    EXPECT_EQ(str(at(record, "collection")), "list");
    EXPECT_FALSE(record.as_object().contains("revision")) << json::serialize(record);
    auto single = get("list", key).json();
    for (auto field : {"value", "create_revision", "mod_revision", "version"})
      EXPECT_EQ(at(record, field), at(single, field)) << key << " " << field;
  }
  EXPECT_EQ(u64(at(at(doc, "records").as_array()[3], "version")), 2u);  // "ab"

  auto keys_of = [&](const std::string& query) {
    auto r = req("GET", "/v1/c/list?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return listed_keys(r.json());
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys_of("prefix=a"), (V{"a", "a0", "ab", "abc"}));
  EXPECT_EQ(keys_of("prefix=ab"), (V{"ab", "abc"}));
  EXPECT_EQ(keys_of("prefix=a&after=a0"), (V{"ab", "abc"}));
  EXPECT_EQ(keys_of("after=ab"), (V{"abc", "b", "ba", "\xC3\xA9"}));
  EXPECT_EQ(keys_of("after=aa"), (V{"ab", "abc", "b", "ba", "\xC3\xA9"}));  // need not exist
  EXPECT_EQ(keys_of("prefix=" + percent_encode("\xC3\xA9")), (V{"\xC3\xA9"}));
  EXPECT_EQ(keys_of("prefix=b&after=a"), (V{"b", "ba"}));
  EXPECT_EQ(keys_of("prefix=a&after=b"), V{});
  EXPECT_EQ(keys_of("prefix=zzz"), V{});
  EXPECT_EQ(keys_of("after=" + percent_encode("\xC3\xA9")), V{});
  EXPECT_EQ(keys_of("limit=3"), (V{"B", "a", "a0"}));
  EXPECT_EQ(keys_of("limit=1000"), all);

  // A collection that holds nothing lists as empty.
  auto empty = req("GET", "/v1/c/nothing-here");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(at(empty.json(), "records").as_array().empty());
  EXPECT_EQ(at(empty.json(), "more"), json::value(false));
}

TEST_F(HttpApi, ListingPagesWithNextAfter) {
  std::vector<std::string> want;
  for (int i = 0; i < 23; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "p%03d", i);
    want.push_back(key);
    must_put("pages", key, std::to_string(i));
  }
  must_put("pages", "q-not-in-prefix", "0");
  for (int limit : {1, 5, 7, 23, 24}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    std::vector<std::string> got;
    std::string after;
    bool more = true;
    int pages = 0;
    while (more && pages < 100) {
      ++pages;
      std::string query = "/v1/c/pages?prefix=p&limit=" + std::to_string(limit);
      if (!after.empty()) query += "&after=" + percent_encode(after);
      auto r = req("GET", query);
      ASSERT_EQ(r.status, 200) << r.body;
      auto doc = r.json();
      auto keys = listed_keys(doc);
      more = at(doc, "more").as_bool();
      EXPECT_LE(keys.size(), static_cast<std::size_t>(limit));
      if (more) {
        EXPECT_EQ(keys.size(), static_cast<std::size_t>(limit));
        ASSERT_FALSE(keys.empty());
        EXPECT_EQ(str(at(doc, "next_after")), keys.back());
        after = str(at(doc, "next_after"));
      } else if (!keys.empty()) {
        EXPECT_EQ(str(at(doc, "next_after")), keys.back());
      }
      got.insert(got.end(), keys.begin(), keys.end());
    }
    EXPECT_EQ(got, want);
    // `more` is false on the last page, also when it is exactly full.
    EXPECT_EQ(pages, (23 + limit - 1) / limit);
  }
}

TEST_F(HttpApi, ListingLimitDefaultsTo100) {
  std::string body = R"({"ops":[)";
  for (int i = 0; i < 101; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%03d", i);
    if (i) body += ",";
    body += R"({"op":"put","collection":"many","key":")" + std::string(key) + R"(","value":1})";
  }
  ASSERT_EQ(txn(body + "]}").status, 200);
  auto r = req("GET", "/v1/c/many");
  ASSERT_EQ(r.status, 200);
  auto doc = r.json();
  EXPECT_EQ(at(doc, "records").as_array().size(), 100u);
  EXPECT_EQ(at(doc, "more"), json::value(true));
  EXPECT_EQ(str(at(doc, "next_after")), "k099");
  doc = req("GET", "/v1/c/many?after=k099").json();
  EXPECT_EQ(listed_keys(doc), std::vector<std::string>{"k100"});
  EXPECT_EQ(at(doc, "more"), json::value(false));
}

TEST_F(HttpApi, BadListingLimitIs400) {
  must_put("c", "k", "1");
  for (std::string limit : {"0", "1001", "abc", "-1", "", "1.5", "10x", "99999999999999999999"}) {
    SCOPED_TRACE("limit=" + limit);
    refused("GET", "/v1/c/c?limit=" + limit, "", {}, 400, "invalid_request");
  }
  refused("GET", "/v1/c/c?prefix=%FF", "", {}, 400, "invalid_request");
  refused("GET", "/v1/c/c?prefix=%zz", "", {}, 400, "invalid_request");
}

// ---- transactions -------------------------------------------------------------------

TEST_F(HttpApi, TxnAppliesMixedPutsAndDeletesAtOneRevision) {
  must_put("c", "gone", "1");
  must_put("c", "kept", "\"old\"");
  const std::uint64_t before = revision();
  auto r = txn(R"({"ops":[{"op":"put","collection":"c","key":"x","value":{"a":1}},)"
               R"({"op":"put","collection":"d","key":"y","value":[1,2]},)"
               R"({"op":"put","collection":"c","key":"kept","value":"new"},)"
               R"({"op":"delete","collection":"c","key":"gone"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = r.json();
  EXPECT_EQ(u64(at(doc, "revision")), before + 1);
  EXPECT_EQ(at(doc, "committed"), json::value(true));
  EXPECT_EQ(revision(), before + 1);

  for (auto [collection, key] : {std::pair{"c", "x"}, std::pair{"d", "y"}, std::pair{"c", "kept"}}) {
    auto g = get(collection, key).json();
    EXPECT_EQ(u64(at(g, "mod_revision")), before + 1) << key;
  }
  auto kept = get("c", "kept").json();
  EXPECT_EQ(str(at(kept, "value")), "new");
  EXPECT_EQ(u64(at(kept, "version")), 2u);
  EXPECT_EQ(u64(at(get("c", "x").json(), "create_revision")), before + 1);
  EXPECT_EQ(u64(at(get("c", "x").json(), "version")), 1u);
  EXPECT_TRUE(IsError(get("c", "gone"), 404, "not_found"));
}

TEST_F(HttpApi, TxnConditionsThatHoldCommit) {
  std::uint64_t k_rev = must_put("c", "k", "1");
  auto r = txn(R"({"if":[{"collection":"c","key":"k","mod_revision":)" + std::to_string(k_rev) +
               R"(},{"collection":"c","key":"absent","mod_revision":0}],)"
               R"("ops":[{"op":"put","collection":"c","key":"k","value":2},)"
               R"({"op":"put","collection":"c","key":"absent","value":3}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(u64(at(r.json(), "revision")), k_rev + 1);
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(2));
  EXPECT_EQ(at(get("c", "absent").json(), "value"), json::value(3));

  // A condition on a key the ops do not touch.
  r = txn(R"({"if":[{"collection":"c","key":"absent","mod_revision":)" + std::to_string(k_rev + 1) +
          R"(}],"ops":[{"op":"put","collection":"e","key":"z","value":null}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(get("e", "z").status, 200);
}

TEST_F(HttpApi, TxnConditionFailureIs412AndChangesNothing) {
  std::uint64_t k_rev = must_put("c", "k", "1");
  must_put("c", "other", "\"o\"");
  const std::string ops = R"("ops":[{"op":"put","collection":"c","key":"k","value":2},)"
                          R"({"op":"delete","collection":"c","key":"other"},)"
                          R"({"op":"put","collection":"c","key":"new","value":3}]})";
  struct Case {
    std::string conditions;
    std::string key;
    std::uint64_t current;
  };
  const std::vector<Case> cases = {
      {R"([{"collection":"c","key":"k","mod_revision":)" + std::to_string(k_rev + 7) + "}]", "k", k_rev},
      {R"([{"collection":"c","key":"k","mod_revision":0}])", "k", k_rev},
      {R"([{"collection":"c","key":"nope","mod_revision":1}])", "nope", 0},
      {R"([{"collection":"c","key":"k","mod_revision":)" + std::to_string(k_rev) +
           R"(},{"collection":"c","key":"k2","mod_revision":5}])",
       "k2", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.conditions);
    auto r = refused("POST", "/v1/txn", R"({"if":)" + c.conditions + "," + ops, {}, 412,
                     "condition_failed");
    auto error = at(r.json(), "error");
    EXPECT_EQ(str(at(error, "collection")), "c") << r.body;
    EXPECT_EQ(str(at(error, "key")), c.key) << r.body;
    EXPECT_EQ(u64(at(error, "mod_revision")), c.current) << r.body;
  }
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(1));
  EXPECT_EQ(str(at(get("c", "other").json(), "value")), "o");
  EXPECT_TRUE(IsError(get("c", "new"), 404, "not_found"));
}

TEST_F(HttpApi, TxnSkipsDeletesOfAbsentKeys) {
  const std::uint64_t before = revision();
  auto r = txn(R"({"ops":[{"op":"put","collection":"c","key":"a","value":1},)"
               R"({"op":"delete","collection":"c","key":"never"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(u64(at(r.json(), "revision")), before + 1);
  EXPECT_EQ(at(r.json(), "committed"), json::value(true));
  EXPECT_EQ(get("c", "a").status, 200);
  EXPECT_TRUE(IsError(get("c", "never"), 404, "not_found"));
  EXPECT_EQ(revision(), before + 1);
}

TEST_F(HttpApi, TxnWithThatChangesNothingCommitsNothing) {
  std::uint64_t k_rev = must_put("c", "k", "1");
  for (std::string body :
       {std::string(R"({"ops":[{"op":"delete","collection":"c","key":"never"}]})"),
        std::string(R"({"ops":[{"op":"delete","collection":"c","key":"x"},{"op":"delete","collection":"d","key":"x"}]})"),
        R"({"if":[{"collection":"c","key":"k","mod_revision":)" + std::to_string(k_rev) +
            R"(}],"ops":[{"op":"delete","collection":"c","key":"never"}]})"}) {
    SCOPED_TRACE(body);
    const std::uint64_t before = revision();
    auto r = txn(body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(u64(at(r.json(), "revision")), before);
    EXPECT_EQ(at(r.json(), "committed"), json::value(false)) << r.body;
    EXPECT_EQ(revision(), before);
  }
  // No revision was used up: the next write is the very next one.
  EXPECT_EQ(must_put("c", "after", "1"), k_rev + 1);
}

TEST_F(HttpApi, BadTransactionsAre400AndChangeNothing) {
  must_put("c", "k", "1");
  const std::string good_put = R"({"op":"put","collection":"c","key":"ghost","value":1})";
  struct Case {
    std::string body;
    std::string code;
  };
  const std::vector<Case> cases = {
      {R"({"ops":[)" + good_put + R"(,{"op":"put","collection":"c","key":"ghost","value":2}]})", "duplicate_key"},
      {R"({"ops":[)" + good_put + R"(,{"op":"delete","collection":"c","key":"ghost"}]})", "duplicate_key"},
      {R"({"ops":[)" + good_put + R"(,{"op":"upsert","collection":"c","key":"u","value":1}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"PUT","collection":"c","key":"u","value":1}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"collection":"c","key":"u","value":1}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(],"extra":true})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(],"If":[]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"put","collection":"c","key":"u","value":1,"ttl":5}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"delete","collection":"c","key":"k","value":1}]})", "invalid_request"},
      {R"({"if":[{"collection":"c","key":"k","mod_revision":0,"x":1}],"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"if":[{"collection":"c","key":"k","mod_revision":-1}],"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"if":[{"collection":"c","key":"k","mod_revision":"1"}],"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"if":[{"collection":"c","key":"k","mod_revision":1.5}],"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"if":[{"collection":"c","key":"k"}],"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"if":{"collection":"c","key":"k","mod_revision":0},"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"if":[1],"ops":[)" + good_put + "]}", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"put","collection":"c","value":1}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"put","collection":"c","key":7,"value":1}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"put","key":"u","value":1}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,{"op":"put","collection":"c","key":"u"}]})", "invalid_request"},
      {R"({"ops":[)" + good_put + R"(,"put"]})", "invalid_request"},
      {R"({"ops":[]})", "invalid_request"},
      {R"({"if":[]})", "invalid_request"},
      {R"({})", "invalid_request"},
      {R"({"ops":{"op":"put","collection":"c","key":"ghost","value":1}})", "invalid_request"},
      {R"({"ops":null})", "invalid_request"},
      {R"([)" + good_put + "]", "invalid_request"},
      {R"("ops")", "invalid_request"},
      {R"(1)", "invalid_request"},
      {R"(null)", "invalid_request"},
      {R"({"ops":[)" + good_put + "]", "invalid_json"},
      {R"({"ops":[)" + good_put + "]} trailing", "invalid_json"},
      {"", "invalid_json"},
      {"{'ops':[]}", "invalid_json"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    refused("POST", "/v1/txn", c.body, {}, 400, c.code);
  }
  EXPECT_TRUE(IsError(get("c", "ghost"), 404, "not_found"));
  EXPECT_TRUE(IsError(get("c", "u"), 404, "not_found"));
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(1));
}

TEST_F(HttpApi, TxnSameKeyInTwoCollectionsIsNotADuplicate) {
  auto r = txn(R"({"ops":[{"op":"put","collection":"a","key":"k","value":1},)"
               R"({"op":"put","collection":"b","key":"k","value":2}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(at(get("a", "k").json(), "value"), json::value(1));
  EXPECT_EQ(at(get("b", "k").json(), "value"), json::value(2));
}

TEST_F(HttpApi, TxnOpCountLimitIs10000) {
  auto ops = [](int n, const std::string& prefix) {
    std::string body = R"({"ops":[)";
    for (int i = 0; i < n; ++i) {
      if (i) body += ",";
      body += R"({"op":"put","collection":"bulk","key":")" + prefix + std::to_string(i) + R"(","value":1})";
    }
    return body + "]}";
  };
  refused("POST", "/v1/txn", ops(10001, "over"), {}, 400, "invalid_request");
  EXPECT_TRUE(IsError(get("bulk", "over0"), 404, "not_found"));
  const std::uint64_t before = revision();
  auto r = txn(ops(10000, "k"));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(u64(at(r.json(), "revision")), before + 1);
  EXPECT_EQ(u64(at(get("bulk", "k9999").json(), "mod_revision")), before + 1);
}

// ---- server endpoints ---------------------------------------------------------------

TEST_F(HttpApi, HealthAndReadiness) {
  auto h = req("GET", "/healthz");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(at(h.json(), "ok"), json::value(true));
  auto r = req("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(HttpApi, StatusReportsEpochRevisionChangelogConnectionsAndStorage) {
  auto s = status();
  const std::string epoch = str(at(s, "epoch"));
  EXPECT_TRUE(std::regex_match(epoch, std::regex("[0-9a-f]{16}"))) << epoch;
  const std::uint64_t r0 = u64(at(s, "revision"));
  EXPECT_EQ(r0, 0u) << "a fresh --memory server starts a new history";
  const auto& changelog = at(s, "changelog");
  EXPECT_EQ(u64(at(changelog, "retain")), 100000u);
  EXPECT_EQ(u64(at(changelog, "entries")), 0u);
  EXPECT_EQ(u64(at(changelog, "horizon")), 0u);
  EXPECT_EQ(u64(at(s, "records")), 0u);
  EXPECT_GE(u64(at(at(s, "connections"), "http")), 1u);
  EXPECT_EQ(u64(at(at(s, "connections"), "stream")), 0u);
  const auto& uptime = at(s, "uptime_seconds");
  ASSERT_TRUE(uptime.is_number()) << json::serialize(s);
  EXPECT_GE(uptime.to_number<double>(), 0.0);
  EXPECT_EQ(str(at(s, "storage")), "memory");
  EXPECT_FALSE(str(at(s, "version")).empty());
  EXPECT_FALSE(str(at(s, "server_id")).empty());

  for (int i = 0; i < 5; ++i) must_put("c", "k" + std::to_string(i), "1");
  s = status();
  EXPECT_EQ(str(at(s, "epoch")), epoch) << "the epoch is fixed for the history";
  EXPECT_EQ(u64(at(s, "revision")), r0 + 5);
  EXPECT_EQ(u64(at(at(s, "changelog"), "entries")), 5u);
  EXPECT_EQ(u64(at(at(s, "changelog"), "horizon")), 0u);
  EXPECT_EQ(u64(at(s, "records")), 5u);
  must_put("c", "k0", "2");  // an overwrite is not a new record
  ASSERT_EQ(del("c", "k1").status, 200);
  EXPECT_EQ(u64(at(status(), "records")), 4u);

  // A second connection shows up in the count.
  HttpClient second(server().host(), server().port());
  ASSERT_EQ(second.request("GET", "/healthz").status, 200);
  EXPECT_GE(u64(at(at(status(), "connections"), "http")), 2u);

  // Another --memory server is another history.
  ServerProcess other;
  HttpClient other_client(other.host(), other.port());
  auto other_status = other_client.request("GET", "/v1/status").json();
  EXPECT_NE(str(at(other_status, "epoch")), epoch);
}

class HttpApiShortChangelog : public HttpApi {
 protected:
  HttpApiShortChangelog() : HttpApi({"--memory", "--changelog-retain", "3"}) {}
};

TEST_F(HttpApiShortChangelog, HorizonMovesWhenTheLogIsTrimmed) {
  for (int i = 0; i < 5; ++i) must_put("c", "k", std::to_string(i));
  auto s = status();
  EXPECT_EQ(u64(at(s, "revision")), 5u);
  const auto& changelog = at(s, "changelog");
  EXPECT_EQ(u64(at(changelog, "retain")), 3u);
  EXPECT_EQ(u64(at(changelog, "entries")), 3u);
  // Revisions 3..5 are kept: a client at revision 2 can still resume with deltas.
  EXPECT_EQ(u64(at(changelog, "horizon")), 2u);
}

TEST_F(HttpApi, MetricsArePrometheusText) {
  must_put("c", "k", "1");
  must_put("c", "k", "2");
  EXPECT_EQ(get("c", "missing").status, 404);
  auto m = req("GET", "/metrics");
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(m.header("content-type").rfind("text/plain", 0), 0u) << m.header("content-type");
  ASSERT_FALSE(m.body.empty());
  EXPECT_EQ(m.body.back(), '\n');

  const std::regex sample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (\S+))");
  const std::regex comment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
  std::map<std::string, std::string> samples;
  std::size_t start = 0;
  while (start < m.body.size()) {
    auto end = m.body.find('\n', start);
    std::string line = m.body.substr(start, end - start);
    start = end == std::string::npos ? m.body.size() : end + 1;
    std::smatch match;
    if (line.empty() || line[0] == '#') {
      EXPECT_TRUE(line.empty() || std::regex_match(line, comment)) << line;
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, match, sample)) << "not a Prometheus sample: " << line;
    char* number_end = nullptr;
    std::string value = match[4];
    std::strtod(value.c_str(), &number_end);
    EXPECT_TRUE(number_end == value.c_str() + value.size() || value == "+Inf" || value == "NaN") << line;
    samples[match[1].str() + match[2].str()] = value;
  }
  ASSERT_TRUE(samples.count("hotstate_revision")) << m.body;
  EXPECT_EQ(std::strtod(samples["hotstate_revision"].c_str(), nullptr), 2.0);
  EXPECT_TRUE(samples.count(R"(hotstate_http_responses_total{code="200"})")) << m.body;
  EXPECT_TRUE(samples.count(R"(hotstate_http_responses_total{code="404"})")) << m.body;
  EXPECT_NE(m.body.find("# TYPE hotstate_http_responses_total counter"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE hotstate_revision gauge"), std::string::npos);

  // What docs/architecture.md and docs/server.md promise /metrics shows: connections, commits (for revisions/s), queue
  // bytes, lagging clients, snapshot resets and a fan-out latency histogram.
  EXPECT_EQ(std::strtod(samples["hotstate_commits_total"].c_str(), nullptr), 2.0) << m.body;
  EXPECT_GE(std::strtod(samples["hotstate_http_connections"].c_str(), nullptr), 1.0) << m.body;
  for (auto name : {"hotstate_stream_connections", "hotstate_stream_queue_bytes",
                    "hotstate_stream_lagging_clients", "hotstate_snapshot_resets_total",
                    "hotstate_fanout_latency_seconds_count", "hotstate_fanout_latency_seconds_sum",
                    R"(hotstate_fanout_latency_seconds_bucket{le="+Inf"})"})
    EXPECT_TRUE(samples.count(name)) << name << " missing from\n" << m.body;
  EXPECT_NE(m.body.find("# TYPE hotstate_fanout_latency_seconds histogram"), std::string::npos);
  EXPECT_EQ(samples[R"(hotstate_fanout_latency_seconds_bucket{le="+Inf"})"],
            samples["hotstate_fanout_latency_seconds_count"]);

  // Each metric is declared once.
  std::map<std::string, int> declared;
  const std::regex type_line(R"(# TYPE (\S+) .*)");
  std::size_t from = 0;
  while (from < m.body.size()) {
    auto end = m.body.find('\n', from);
    std::string line = m.body.substr(from, end - from);
    from = end == std::string::npos ? m.body.size() : end + 1;
    std::smatch match;
    if (std::regex_match(line, match, type_line)) ++declared[match[1]];
  }
  for (const auto& [name, count] : declared) EXPECT_EQ(count, 1) << name;
}

TEST_F(HttpApi, WrongMethodIs405WithAllow) {
  must_put("c", "k", "1");
  struct Case {
    std::string verb, target;
    std::set<std::string> allow;
  };
  const std::vector<Case> cases = {
      {"PATCH", "/v1/c/c/k", {"GET", "PUT", "DELETE"}},
      {"POST", "/v1/c/c/k", {"GET", "PUT", "DELETE"}},
      {"POST", "/v1/c/c", {"GET"}},
      {"PUT", "/v1/c/c", {"GET"}},
      {"DELETE", "/v1/c/c", {"GET"}},
      {"GET", "/v1/txn", {"POST"}},
      {"PUT", "/v1/txn", {"POST"}},
      {"DELETE", "/v1/txn", {"POST"}},
      {"POST", "/v1/status", {"GET"}},
      {"PUT", "/healthz", {"GET"}},
      {"POST", "/readyz", {"GET"}},
      {"DELETE", "/metrics", {"GET"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.verb + " " + c.target);
    auto r = refused(c.verb, c.target, c.verb == "GET" || c.verb == "DELETE" ? "" : "{}", {}, 405,
                     "method_not_allowed");
    auto allow = allow_set(r.header("allow"));
    for (const auto& method : c.allow) EXPECT_TRUE(allow.count(method)) << "Allow: " << r.header("allow");
    EXPECT_FALSE(allow.count(c.verb)) << "Allow: " << r.header("allow");
  }
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(1));
}

TEST_F(HttpApi, UnknownPathIs404) {
  for (std::string target : {"/", "/nope", "/v1", "/v1/", "/v1/c", "/v1/statusx", "/v1/txn/x",
                             "/v2/c/c/k", "/V1/status", "/healthz/x"}) {
    SCOPED_TRACE(target);
    refused("GET", target, "", {}, 404, "not_found");
  }
  refused("PUT", "/v1/records/c/k", "1", {}, 404, "not_found");
}

TEST_F(HttpApi, StreamWithoutUpgradeIs426) {
  refused("GET", "/v1/stream", "", {}, 426, "");
}

TEST_F(HttpApi, MalformedHttpIs400) {
  must_put("c", "k", "1");
  const std::vector<std::string> requests = {
      "THIS IS NOT HTTP\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon in this header\r\n\r\n",
      "PUT /v1/c/c/k HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n2",
      "PUT /v1/c/c/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n22",
      "PUT /v1/c/c/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n2\r\n0\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n",
      "GET\x01 /healthz HTTP/1.1\r\n\r\n",
  };
  for (const auto& bytes : requests) {
    SCOPED_TRACE(bytes);
    const std::uint64_t before = revision();
    std::string answer = raw_exchange(server().host(), server().port(), bytes);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
    auto body_at = answer.find("\r\n\r\n");
    ASSERT_NE(body_at, std::string::npos) << answer;
    HttpResponse parsed;
    parsed.status = 400;
    parsed.body = answer.substr(body_at + 4);
    EXPECT_TRUE(IsError(parsed, 400, "")) << answer;
    EXPECT_EQ(revision(), before);
  }
  EXPECT_EQ(at(get("c", "k").json(), "value"), json::value(1));
  // The server is still serving.
  EXPECT_EQ(req("GET", "/healthz").status, 200);
}

TEST_F(HttpApi, PipelinedHttp10AndChunkedRequestsAreServed) {
  std::string answer = raw_exchange(
      server().host(), server().port(),
      "PUT /v1/c/raw/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1"
      "PUT /v1/c/raw/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[7\r\n1\r\n]\r\n0\r\n\r\n"
      "GET /v1/c/raw/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t first = answer.find("HTTP/1.1 200 ");
  std::size_t second = answer.find("HTTP/1.1 200 ", first + 1);
  std::size_t third = answer.find("HTTP/1.1 200 ", second + 1);
  EXPECT_EQ(first, 0u) << answer;
  EXPECT_NE(second, std::string::npos) << answer;
  EXPECT_NE(third, std::string::npos) << answer;
  EXPECT_NE(answer.find("\"value\":[7]"), std::string::npos) << answer;
  EXPECT_EQ(at(get("raw", "a").json(), "value"), json::value(1));

  answer = raw_exchange(server().host(), server().port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.0 200 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("{\"ok\":true}"), std::string::npos) << answer;
}

class HttpApiTwoConnections : public HttpApi {
 protected:
  HttpApiTwoConnections() : HttpApi({"--memory", "--max-connections", "2"}) {}
};

TEST_F(HttpApiTwoConnections, ThirdConnectionGets503) {
  // The fixture's client is the first connection; open and use a second.
  ASSERT_EQ(req("GET", "/healthz").status, 200);
  HttpClient second(server().host(), server().port());
  ASSERT_EQ(second.request("GET", "/healthz").status, 200);

  HttpClient third(server().host(), server().port());
  auto r = third.request("GET", "/healthz");
  EXPECT_TRUE(IsError(r, 503, "too_many_connections"));
  auto w = third.request("PUT", "/v1/c/c/k", "1");
  EXPECT_TRUE(IsError(w, 503, "too_many_connections"));

  // Both held connections still work, and the refused write did not happen.
  EXPECT_EQ(req("GET", "/healthz").status, 200);
  EXPECT_EQ(second.request("GET", "/healthz").status, 200);
  EXPECT_TRUE(IsError(get("c", "k"), 404, "not_found"));
  EXPECT_EQ(revision(), 0u);

  // Once one is closed, a new connection is served (the server notices the close
  // asynchronously, so allow it a bounded number of tries).
  second.close();
  int status = 0;
  for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
    HttpClient next(server().host(), server().port());
    status = next.request("GET", "/healthz").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpApi, SigtermStopsTheServerWithExitCodeZero) {
  must_put("c", "k", "1");
  // An idle keep-alive connection must not keep the server from stopping.
  HttpClient idle(server().host(), server().port());
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);
  EXPECT_EQ(server().stop(), 0);
  EXPECT_FALSE(server().running());
}

// ---- command line -------------------------------------------------------------------

// Bounded, so a flag the server wrongly accepts (and then runs with) fails the test.
hotstate::testing::CommandResult run_server_cli(std::vector<std::string> args) {
  std::vector<std::string> argv = {"/usr/bin/timeout", "10", ServerProcess::server_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(HotstatedCli, HelpListsTheOptions) {
  auto r = run_server_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (auto option : {"--listen", "--memory", "--max-value-bytes", "--max-request-bytes",
                      "--max-connections", "--changelog-retain", "--heartbeat-ms", "--version"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from:\n" << r.out;
}

TEST(HotstatedCli, VersionMatchesStatus) {
  auto r = run_server_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ServerProcess server;
  HttpClient client(server.host(), server.port());
  auto version = str(at(client.request("GET", "/v1/status").json(), "version"));
  EXPECT_NE(r.out.find("hotstated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(version), std::string::npos) << r.out << " vs status version " << version;
}

TEST(HotstatedCli, BadFlagsExitWithStatus2) {
  const std::vector<std::vector<std::string>> cases = {
      {"--no-such-flag"},
      {"--listen", "nonsense", "--memory"},
      {"--listen", "127.0.0.1:99999", "--memory"},
      {"--max-value-bytes", "0", "--memory", "--listen", "127.0.0.1:0"},
      {"--max-value-bytes", "abc", "--memory", "--listen", "127.0.0.1:0"},
      {"--heartbeat-ms", "-5", "--memory", "--listen", "127.0.0.1:0"},
      {"--max-connections", "0", "--memory", "--listen", "127.0.0.1:0"},
      {"--log-level", "loud", "--memory", "--listen", "127.0.0.1:0"},
      {"--memory", "--data-dir", "/tmp/hotstate-test-never", "--listen", "127.0.0.1:0"},
      {"--listen"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    auto r = run_server_cli(args);
    EXPECT_EQ(r.exit_code, 2) << "stdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_FALSE(r.err.empty());
  }
}

}  // namespace
