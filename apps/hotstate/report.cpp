#include "report.hpp"

#include <iostream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace hotstate::cli {
namespace {

// An error line must stay one line even when the server's text contains newlines.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

int exit_code_for(unsigned status, std::string_view code) {
  if (status == 404 && code == "not_found") return kExitNotFound;
  if (status == 412) return kExitConditionFailed;
  if (status == 401 || status == 403) return kExitPermission;
  return kExitError;
}

// Not a hotstated error body (e.g. a proxy's HTML page): show its start, marked as cut.
std::string excerpt(std::string_view body) {
  constexpr std::size_t kMax = 200;
  if (body.empty()) return "(empty response body)";
  if (body.size() <= kMax) return one_line(body);
  return one_line(body.substr(0, kMax)) + "... (" + std::to_string(body.size()) + " bytes)";
}

}  // namespace

bool is_success(const HttpResponse& response) {
  return response.status >= 200 && response.status < 300;
}

int print_output(std::string_view text) {
  std::cout << text;
  if (text.empty() || text.back() != '\n') std::cout << '\n';
  std::cout.flush();
  if (!std::cout) {
    print_error("io_error", "cannot write to stdout");
    return kExitError;
  }
  return kExitOk;
}

void print_error(std::string_view code, std::string_view message) {
  std::cerr << "hotstate: " << code << ": " << one_line(message) << std::endl;
}

int print_response(const HttpResponse& response) {
  if (is_success(response)) return print_output(response.body);

  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(response.body, ec);
  const boost::json::object* error = nullptr;
  if (!ec && parsed.is_object())
    if (const auto* e = parsed.as_object().if_contains("error")) error = e->if_object();
  const boost::json::string* code = nullptr;
  if (error)
    if (const auto* c = error->if_contains("code")) code = c->if_string();

  if (!code) {
    const std::string fallback = "http_" + std::to_string(response.status);
    print_error(fallback, excerpt(response.body));
    return exit_code_for(response.status, "");
  }

  std::string message;
  if (const auto* m = error->if_contains("message"); m && m->is_string())
    message = std::string(m->get_string());
  // Extra members such as mod_revision, collection and key say what to retry with.
  std::string details;
  for (const auto& member : *error) {
    if (member.key() == "code" || member.key() == "message") continue;
    details += details.empty() ? " (" : ", ";
    details += std::string(member.key()) + "=" + boost::json::serialize(member.value());
  }
  if (!details.empty()) details += ")";
  print_error(std::string_view(code->data(), code->size()), message + details);
  return exit_code_for(response.status, std::string_view(code->data(), code->size()));
}

}  // namespace hotstate::cli
