#pragma once
// One sample from hotstated's /metrics, by its name as the server renders it, labels
// included (`hotstate_refusals_total{reason="server_behind"}`). nullopt when the server
// renders none: a labelled counter appears only once something was counted, so callers
// choose what absence means (0 for such a counter, -1 to make a missing metric fail).

#include <optional>
#include <string>

#include "http_client.hpp"

namespace hotstate::testing {

inline std::optional<double> scrape_metric(HttpClient& http, const std::string& name) {
  auto body = http.request("GET", "/metrics").body;
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(body.substr(at + name.size() + 2));
}

}  // namespace hotstate::testing
