#include "herd.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

namespace hotstate::testing {

std::string loaded_value(const std::string& prefix, std::size_t i, std::size_t value_bytes) {
  return R"({"n":)" + std::to_string(i) + R"(,"of":")" + prefix + R"(","pad":")" + std::string(value_bytes, 'x') +
         R"("})";
}

std::uint64_t load_records(HttpClient& http, const std::string& collection, const std::string& prefix,
                           std::size_t count, std::size_t value_bytes, std::size_t per_txn) {
  std::uint64_t revision = 0;
  for (std::size_t first = 0; first < count; first += per_txn) {
    std::string body = R"({"ops":[)";
    for (std::size_t i = first; i < std::min(count, first + per_txn); ++i) {
      char key[32];
      std::snprintf(key, sizeof key, "%05zu", i);
      if (i != first) body += ',';
      body += R"({"op":"put","collection":")" + collection + R"(","key":")" + prefix + key +
              R"(","value":)" + loaded_value(prefix, i, value_bytes) + "}";
    }
    body += "]}";
    auto response = http.request("POST", "/v1/txn", body);
    EXPECT_EQ(response.status, 200) << response.body;
    if (response.status != 200) return 0;
    revision = response.json().at("revision").to_number<std::uint64_t>();
  }
  return revision;
}

std::vector<std::unique_ptr<Client>> start_herd(std::size_t count, const ClientOptions& base,
                                                const std::function<std::vector<Selector>(std::size_t)>& selectors_of) {
  std::vector<std::unique_ptr<Client>> clients;
  clients.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    ClientOptions options = base;
    options.selectors = selectors_of(i);
    options.client_name = "herd-" + std::to_string(i);
    clients.push_back(std::make_unique<Client>(options));
  }
  return clients;
}

std::size_t live_count(const std::vector<std::unique_ptr<Client>>& clients) {
  std::size_t live = 0;
  for (const auto& c : clients) live += c->status().state == LinkState::Live;
  return live;
}

}  // namespace hotstate::testing
