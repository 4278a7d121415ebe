#include "metrics.hpp"

#include <cstdio>

namespace hotstate::server {

void Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) ++buckets_[i];
  ++count_;
  sum_ += seconds;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  char line[160];
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    std::snprintf(line, sizeof line, "%s_bucket{le=\"%g\"} %llu\n", name.c_str(), kBounds[i],
                  static_cast<unsigned long long>(buckets_[i]));
    out += line;
  }
  std::snprintf(line, sizeof line, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n",
                name.c_str(), static_cast<unsigned long long>(count_), name.c_str(), sum_,
                name.c_str(), static_cast<unsigned long long>(count_));
  out += line;
}

void Metrics::count_refusal(std::string_view reason) {
  auto it = refusals.find(reason);
  if (it == refusals.end()) it = refusals.emplace(std::string(reason), 0).first;
  ++it->second;
}

}  // namespace hotstate::server
