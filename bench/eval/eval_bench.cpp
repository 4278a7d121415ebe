// Flag evaluation micro-benchmark: ns per CompiledFlag::evaluate on a prebuilt Context.
//   static            a flag with no targeting
//   rule_fallthrough  a 3-clause rule (ends_with/in on the email, sem_ver on the app
//                     version, == on the country) that falls through to a fractional
//                     rollout over the targeting key: the (b)+(c) case
//   rule_first_match  the same flag when its first clause matches
//   fractional        a flag whose targeting is only the fractional rollout
// Each is timed in >= 5 runs of >= 1M evaluations; the table gives min/median/max ns per
// evaluation, and the results go to argv[1] (default bench/results/eval.json).
// Pin it to a core for stable numbers: taskset -c 1 ./eval_bench [out.json [evaluations]]
// (a smaller evaluation count is for profilers such as callgrind, not for reporting).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <sched.h>

#include "bench_document.hpp"
#include "eval/flag.hpp"

namespace {

using namespace hotstate::eval;
using hotstate::bench::kDocument;

constexpr int kRuns = 7;
int g_evaluations_per_run = 2'000'000;

// Five attributes, the targeting key included; a few users so the buckets differ.
std::vector<Context> make_contexts(const char* email) {
  std::vector<Context> contexts;
  for (int i = 0; i < 16; ++i) {
    Context c;
    c.set_targeting_key("user-" + std::to_string(i * 7919));
    c.set_string("email", email);
    c.set_string("app_version", "2.3.1");
    c.set_string("country", "DE");
    c.set_string("plan", "pro");
    contexts.push_back(std::move(c));
  }
  return contexts;
}

struct Result {
  std::string name;
  double min = 0, median = 0, max = 0;
};

Result measure(const std::string& name, const CompiledFlag& flag, const std::vector<Context>& contexts) {
  std::vector<double> ns;
  std::size_t sink = 0;
  for (int run = 0; run < kRuns + 1; ++run) {  // the first run warms up and is not counted
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < g_evaluations_per_run; ++i) {
      auto r = flag.evaluate(contexts[static_cast<std::size_t>(i) & 15], nullptr, ValueType::Any, 1'700'000'000);
      sink += r.variant ? r.variant->name.size() : 1;
    }
    auto elapsed = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (run > 0) ns.push_back(elapsed / g_evaluations_per_run);
  }
  if (sink == 0) std::puts("");  // keeps the loop's results alive
  std::sort(ns.begin(), ns.end());
  return {name, ns.front(), ns[ns.size() / 2], ns.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_path = argc > 1 ? argv[1] : "bench/results/eval.json";
  if (argc > 2) g_evaluations_per_run = std::max(1, std::atoi(argv[2]));
  auto doc = compile_document(kDocument);
  if (!doc.errors.empty()) {
    std::fprintf(stderr, "eval_bench: %s\n", doc.errors.front().c_str());
    return 1;
  }
  for (const auto& [key, flag] : doc.flags)
    if (!flag->compile_error().empty()) {
      std::fprintf(stderr, "eval_bench: %s\n", flag->compile_error().c_str());
      return 1;
    }
  auto outsiders = make_contexts("someone@acme.io");
  auto insiders = make_contexts("dev@example.com");
  // The contexts must take the paths the names say.
  if (doc.flags.at("rollout")->evaluate(outsiders[0], nullptr).variant->name == "internal" ||
      doc.flags.at("rollout")->evaluate(insiders[0], nullptr).variant->name != "internal") {
    std::fprintf(stderr, "eval_bench: the rule did not take the expected branches\n");
    return 1;
  }

  std::vector<Result> results{
      measure("static", *doc.flags.at("static"), outsiders),
      measure("rule_fallthrough", *doc.flags.at("rollout"), outsiders),
      measure("rule_first_match", *doc.flags.at("rollout"), insiders),
      measure("fractional", *doc.flags.at("fractional"), outsiders),
  };

  int cpu = sched_getcpu();
  std::printf("flag evaluation, ns per evaluate() (%d runs x %d evaluations, on cpu %d)\n", kRuns,
              g_evaluations_per_run, cpu);
  std::printf("%-18s %9s %9s %9s\n", "case", "min", "median", "max");
  for (const auto& r : results) std::printf("%-18s %9.1f %9.1f %9.1f\n", r.name.c_str(), r.min, r.median, r.max);

  std::ofstream out(out_path);
  if (!out) {
    std::fprintf(stderr, "eval_bench: cannot write %s\n", out_path.c_str());
    return 1;
  }
  // bench/report.py's part format: one row per case.
  out << "{\"benchmark\":\"flags.engine\",\"placement\":\"on cpu " << cpu << " (taskset)\",\"rows\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    out << (i ? "," : "") << "{\"case\":\"flags.engine\",\"subject\":\"CompiledFlag::evaluate, " << r.name
        << "\",\"system\":\"hotstate\",\"language\":\"C++\",\"unit\":\"ns/op\",\"value\":" << r.median
        << ",\"min\":" << r.min << ",\"max\":" << r.max << ",\"runs\":" << kRuns << ",\"notes\":\""
        << g_evaluations_per_run << " evaluations per run, a prebuilt 5-attribute context\"}";
  }
  out << "]}\n";
  std::printf("wrote %s\n", out_path.c_str());
  return 0;
}
