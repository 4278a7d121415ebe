#include "commands.hpp"

#include <cstdio>
#include <fstream>

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "raw_json.hpp"
#include "report.hpp"
#include "net/url.hpp"

namespace hotstate::cli {
namespace {

// The server's maximum page size.
constexpr std::uint64_t kMaxPage = 1000;

std::string record_target(const std::string& collection, const std::string& key) {
  return "/v1/c/" + percent_encode(collection) + "/" + percent_encode(key);
}

HeaderList condition_headers(std::optional<std::uint64_t> if_revision) {
  if (!if_revision) return {};
  return {{"If-Match", std::to_string(*if_revision)}};
}

int invalid_response(const std::string& why) {
  print_error("invalid_response", "unexpected list response from server: " + why);
  return kExitError;
}

std::string list_target(const std::string& collection, const std::optional<std::string>& prefix,
                        const std::optional<std::string>& after,
                        std::optional<std::uint64_t> page_size) {
  std::string target = "/v1/c/" + percent_encode(collection);
  char separator = '?';
  auto add = [&](const char* name, const std::string& value) {
    target += separator;
    target += name;
    target += '=';
    target += percent_encode(value);
    separator = '&';
  };
  if (prefix) add("prefix", *prefix);
  if (after) add("after", *after);
  if (page_size) add("limit", std::to_string(*page_size));
  return target;
}

}  // namespace

int put_record(HttpClient& client, const std::string& collection, const std::string& key,
               const std::string& value, std::optional<std::uint64_t> if_revision) {
  return print_response(client.request(Method::put, record_target(collection, key), value,
                                       condition_headers(if_revision)));
}

int get_record(HttpClient& client, const std::string& collection, const std::string& key) {
  return print_response(client.request(Method::get, record_target(collection, key)));
}

int delete_record(HttpClient& client, const std::string& collection, const std::string& key,
                  std::optional<std::uint64_t> if_revision) {
  return print_response(client.request(Method::del, record_target(collection, key), std::nullopt,
                                       condition_headers(if_revision)));
}

int list_records(HttpClient& client, const std::string& collection,
                 const std::optional<std::string>& prefix, std::optional<std::uint64_t> limit) {
  std::string records;  // raw record texts joined by commas
  std::uint64_t count = 0;
  std::string revision;
  std::optional<std::string> after;

  for (;;) {
    // Without --limit the server's default page size applies.
    std::optional<std::uint64_t> page_size;
    if (limit) page_size = std::min(*limit - count, kMaxPage);
    const HttpResponse page =
        client.request(Method::get, list_target(collection, prefix, after, page_size));
    if (!is_success(page)) return print_response(page);

    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(page.body, ec);
    if (ec) return invalid_response("body is not JSON: " + ec.message());
    const boost::json::object* object = parsed.if_object();
    const boost::json::value* page_records = object ? object->if_contains("records") : nullptr;
    const boost::json::value* page_revision = object ? object->if_contains("revision") : nullptr;
    const boost::json::value* more = object ? object->if_contains("more") : nullptr;
    if (!page_records || !page_records->is_array() || !page_revision ||
        !page_revision->is_number() || !more || !more->is_bool())
      return invalid_response("missing records, revision or more");
    if (revision.empty()) revision = boost::json::serialize(*page_revision);

    for (const std::string_view record : raw_array_member(page.body, "records")) {
      if (limit && count == *limit) break;
      if (count++ > 0) records += ',';
      records += record;
    }
    if (!more->get_bool() || (limit && count == *limit)) break;

    const boost::json::value* next = object->if_contains("next_after");
    if (!next || !next->is_string()) return invalid_response("\"more\" without next_after");
    std::string next_after(next->get_string());
    // Guards against looping forever on a server that does not advance.
    if (after && *after >= next_after) return invalid_response("next_after did not advance");
    after = std::move(next_after);
  }
  return print_output("{\"records\":[" + records + "],\"revision\":" + revision + "}");
}

int run_txn(HttpClient& client, const std::string& body) {
  return print_response(client.request(Method::post, "/v1/txn", body));
}

int export_state(HttpClient& client, const std::string& output) {
  HttpResponse response = client.request(Method::get, "/v1/export");
  if (!is_success(response)) return print_response(response);
  if (output == "-") return print_output(response.body);
  // Written beside the target and renamed over it: an interrupted export never leaves a
  // truncated file that looks like a good one.
  std::string temporary = output + ".partial";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << response.body;
    if (!response.body.empty() && response.body.back() != '\n') file << '\n';
    file.flush();
    if (!file) {
      print_error("io_error", "cannot write " + temporary);
      return kExitError;
    }
  }
  if (std::rename(temporary.c_str(), output.c_str()) != 0) {
    print_error("io_error", "cannot rename " + temporary + " to " + output);
    return kExitError;
  }
  auto header_end = response.body.find('\n');
  return print_output(response.body.substr(0, header_end));  // the header: revision and count
}

int import_state(HttpClient& client, const std::string& text) {
  return print_response(client.request(Method::post, "/v1/import", text));
}

int get_status(HttpClient& client) {
  return print_response(client.request(Method::get, "/v1/status"));
}

}  // namespace hotstate::cli
