// The C and C++ examples the README points at, run as a user would against a real
// hotstated holding their flag: they must evaluate it locally and print what they say.

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "server_process.hpp"

using namespace hotstate::testing;

namespace {

constexpr const char* kCheckout = R"({"state": "ENABLED", "variants": {"on": true, "off": false},
  "defaultVariant": "off", "targeting": {"if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "on", null]}})";

class Examples : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(Examples, EvaluateTheFlagLocally) {
  ServerProcess server;
  HttpClient http(server.host(), server.port());
  ASSERT_EQ(http.request("PUT", "/v1/c/flags/checkout-v2", kCheckout).status, 200);
  auto run = run_command({GetParam(), server.url()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // user-42 has an @example.com address: the rule turns the flag on, three times.
  std::string line = "checkout-v2 is on (TARGETING_MATCH";
  std::size_t count = 0;
  for (auto at = run.out.find(line); at != std::string::npos; at = run.out.find(line, at + 1)) ++count;
  EXPECT_EQ(count, 3u) << run.out;
}

INSTANTIATE_TEST_SUITE_P(CAndCpp, Examples, ::testing::Values(EXAMPLE_FLAG_CHECK_C, EXAMPLE_FLAG_CHECK_CPP),
                         [](const auto& info) { return info.index == 0 ? std::string("C") : std::string("Cpp"); });
