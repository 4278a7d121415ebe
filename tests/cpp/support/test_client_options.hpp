#pragma once
// The client options most tests start from: one server URL, the given selectors, and a
// short backoff (20 ms doubling up to 200 ms), so that a reconnect in a test takes
// milliseconds. Tests change what they are about on the copy they get.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "hotstate/client.hpp"

namespace hotstate::testing {

inline ClientOptions test_client_options(const std::string& url, std::vector<Selector> selectors = {{"flags", ""}}) {
  using namespace std::chrono_literals;
  ClientOptions options;
  options.urls = {url};
  options.selectors = std::move(selectors);
  options.backoff_initial = 20ms;
  options.backoff_max = 200ms;
  return options;
}

}  // namespace hotstate::testing
