#pragma once
// The server's documented refusal: a status and {"error":{"code":..,"message":..,...}}.

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "http_client.hpp"

namespace hotstate::soak {

// The "error" object of a refusal's body, or nullptr when the body is not one.
inline const boost::json::object* error_object(const boost::json::value& body) {
  const boost::json::value* error = body.is_object() ? body.get_object().if_contains("error") : nullptr;
  return error && error->is_object() ? &error->get_object() : nullptr;
}

// True when `response` has `status` and an error body with `code` (any code when empty)
// and a message.
inline bool is_refusal(const testing::HttpResponse& response, int status, std::string_view code) {
  if (response.status != status) return false;
  boost::json::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  const boost::json::object* error = ec ? nullptr : error_object(body);
  if (!error) return false;
  const boost::json::value* got = error->if_contains("code");
  const boost::json::value* message = error->if_contains("message");
  return got && got->is_string() && !got->get_string().empty() && (code.empty() || got->get_string() == code) &&
         message && message->is_string() && !message->get_string().empty();
}

}  // namespace hotstate::soak
