// Flag evaluation as an application does it: through a client whose replica holds the flag
// (written to a real hotstated), in C++ (Client::evaluate_bool... on a prebuilt
// EvalContext) and through the C ABI (hs_evaluate_string with an hs_context handle and a
// reused result; hs_evaluate_json with the context as JSON text). The flag is
// bench_document.hpp's "rollout": a 3-clause rule falling through to a fractional rollout.
//
//   flags_client_bench URL [out.json] [evaluations per run]
// Pin it (taskset -c 1) and the server elsewhere; bench/flags/cpp/run.sh does both.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <sched.h>

#include "bench_document.hpp"
#include "hotstate.h"
#include "hotstate/client.hpp"

namespace {

constexpr int kRuns = 7;
constexpr int kUsers = 16;
int g_evaluations = 1'000'000;

struct Result {
  std::string name;
  double min = 0, median = 0, max = 0;
};

// ns per call of `one(i)` over kRuns timed runs (after one warm-up run).
Result measure(const std::string& name, const std::function<std::size_t(int)>& one) {
  std::vector<double> ns;
  std::size_t sink = 0;
  for (int run = 0; run <= kRuns; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < g_evaluations; ++i) sink += one(i);
    double elapsed = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (run > 0) ns.push_back(elapsed / g_evaluations);
  }
  if (sink == 0) std::puts("");  // keeps the results alive
  std::sort(ns.begin(), ns.end());
  return {name, ns.front(), ns[ns.size() / 2], ns.back()};
}

std::string user_json(int i) {
  return R"({"targetingKey":"user-)" + std::to_string(i * 7919) +
         R"(","email":"someone@acme.io","app_version":"2.3.1","country":"DE","plan":"pro"})";
}

int fail(const char* what) {
  std::fprintf(stderr, "flags_client_bench: %s: %s\n", what, hs_last_error());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: flags_client_bench URL [out.json] [evaluations per run]\n");
    return 2;
  }
  std::string url = argv[1];
  std::string out_path = argc > 2 ? argv[2] : "bench/results/flags_cpp.json";
  if (argc > 3) g_evaluations = std::max(1, std::atoi(argv[3]));

  // The flags, written as records of "flags" in one transaction.
  auto document = boost::json::parse(hotstate::bench::kDocument).as_object();
  boost::json::array ops;
  for (const auto& [key, definition] : document.at("flags").as_object())
    ops.push_back({{"op", "put"}, {"collection", "flags"}, {"key", key}, {"value", definition}});
  std::string txn = boost::json::serialize(boost::json::object{{"ops", ops}});

  // C++.
  hotstate::Client client({.urls = {url}, .flag_collections = {"flags"}});
  std::uint64_t revision = client.txn(txn);
  if (!client.wait_for_revision(revision, std::chrono::seconds(10))) return fail("C++ client not synced");
  std::vector<hotstate::EvalContext> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(hotstate::EvalContext::from_json(user_json(i)));
  auto first = client.evaluate_string("flags", "rollout", "", users[0]).details;
  if (first.reason != hotstate::FlagReason::Split) {
    std::fprintf(stderr, "flags_client_bench: the rule did not fall through to the rollout (reason %s %s)\n",
                 hotstate::to_string(first.reason), first.error_message.c_str());
    return 1;
  }

  // C.
  hs_options* options = nullptr;
  hs_client* c = nullptr;
  hs_options_new(&options);
  hs_options_add_url(options, url.c_str());
  hs_options_add_flag_collection(options, "flags");
  if (hs_client_open(options, &c) != HS_OK) return fail("hs_client_open");
  hs_options_free(options);
  if (hs_client_wait_for_revision(c, revision, 10000) != HS_OK) return fail("C client not synced");
  std::vector<hs_context*> handles(kUsers);
  std::vector<std::string> texts;
  for (int i = 0; i < kUsers; ++i) {
    texts.push_back(user_json(i));
    if (hs_context_from_json(texts[i].data(), texts[i].size(), &handles[i]) != HS_OK) return fail("context");
  }
  hs_flag_result result = HS_FLAG_RESULT_INIT;

  std::vector<Result> results{
      measure("cpp_evaluate_string",
              [&](int i) { return client.evaluate_string("flags", "rollout", "", users[i & (kUsers - 1)]).value.size(); }),
      measure("cpp_evaluate_details",
              [&](int i) { return client.evaluate("flags", "rollout", users[i & (kUsers - 1)]).variant().size(); }),
      measure("c_evaluate_string_handle",
              [&](int i) {
                const char* value = nullptr;
                size_t len = 0;
                hs_evaluate_string(c, "flags", "rollout", 7, handles[i & (kUsers - 1)], "", &value, &len, &result);
                return len;
              }),
      measure("c_evaluate_json_text",
              [&](int i) {
                const auto& text = texts[i & (kUsers - 1)];
                hs_evaluate_json(c, "flags", "rollout", 7, text.data(), text.size(), HS_EXPECT_STRING, &result);
                return result.string_len;
              }),
      measure("cpp_static_flag",
              [&](int i) { return static_cast<std::size_t>(client.evaluate_bool("flags", "static", false, users[i & (kUsers - 1)]).value); }),
  };
  hs_flag_result_release(&result);
  for (auto* h : handles) hs_context_free(h);
  hs_client_free(c);

  int cpu = sched_getcpu();
  std::printf("flag evaluation through a client, ns per call (%d runs x %d calls, on cpu %d)\n", kRuns, g_evaluations,
              cpu);
  std::printf("%-26s %9s %9s %9s\n", "case", "min", "median", "max");
  for (const auto& r : results) std::printf("%-26s %9.1f %9.1f %9.1f\n", r.name.c_str(), r.min, r.median, r.max);

  std::ofstream out(out_path);
  if (!out) return fail(("cannot write " + out_path).c_str());
  // bench/report.py's part format: one row per subject.
  out << "{\"benchmark\":\"flags.cpp\",\"placement\":\"evaluations on cpu " << cpu
      << " (taskset), hotstated elsewhere and idle\",\"rows\":[";
  for (std::size_t i = 0; i < results.size(); ++i)
    out << (i ? "," : "") << "{\"case\":\"flags.cpp\",\"subject\":\"" << results[i].name
        << "\",\"system\":\"hotstate\",\"language\":\"" << (results[i].name.starts_with("c_") ? "C" : "C++")
        << "\",\"unit\":\"ns/op\",\"value\":" << results[i].median << ",\"min\":" << results[i].min
        << ",\"max\":" << results[i].max << ",\"runs\":" << kRuns << ",\"notes\":\"" << g_evaluations
        << " calls per run; flag 'rollout': 3-clause rule falling through to a fractional rollout\"}";
  out << "]}\n";
  std::printf("wrote %s\n", out_path.c_str());
  return 0;
}
