#pragma once
// Helpers for the tests that point hundreds of real clients at one hotstated at once
// (snapshot_sharing_test, restart_herd_test): bulk loading, /metrics, herd sizes.

#include <sys/resource.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hotstate/client.hpp"
#include "http_client.hpp"
#include "sanitized_build.hpp"
#include "scrape_metric.hpp"

namespace hotstate::testing {

// Under a sanitizer the herds are smaller (sanitized_build.hpp).
inline std::size_t herd_size(std::size_t normal) { return kSanitized ? normal / 4 : normal; }

// Each client holds a socket, an epoll and an eventfd or two: lift the soft limit to the
// hard one (the usual soft limit, 1024, is below 500 clients).
inline void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// A value from /metrics without labels (-1 when absent, so a missing metric fails loudly).
inline double metric(HttpClient& http, const std::string& name) { return scrape_metric(http, name).value_or(-1); }

// Puts `count` records `collection`/`prefix`NNNNN, each a JSON object whose "pad" string
// makes it about `value_bytes`, in transactions of at most `per_txn` ops. Returns the last
// revision (0 on failure, after a gtest failure).
std::uint64_t load_records(HttpClient& http, const std::string& collection, const std::string& prefix,
                           std::size_t count, std::size_t value_bytes, std::size_t per_txn = 500);

// The JSON load_records wrote for record number `i`.
std::string loaded_value(const std::string& prefix, std::size_t i, std::size_t value_bytes);

// Starts `count` clients on `url`, client i selecting selectors_of(i).
std::vector<std::unique_ptr<Client>> start_herd(std::size_t count, const ClientOptions& base,
                                                const std::function<std::vector<Selector>(std::size_t)>& selectors_of);

// How many of `clients` are LIVE.
std::size_t live_count(const std::vector<std::unique_ptr<Client>>& clients);

}  // namespace hotstate::testing
