#pragma once
// The flags every flag benchmark evaluates (bench/eval, bench/flags/*), as a flagd
// document: a static flag; "rollout", a 3-clause rule (ends_with/in on the email, sem_ver
// on the app version, == on the country) falling through to a fractional rollout over the
// targeting key; and a flag whose targeting is only that rollout.

namespace hotstate::bench {

inline constexpr const char* kDocument = R"({
  "flags": {
    "static": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "rollout": {
      "state": "ENABLED",
      "variants": {"internal": "internal", "legacy": "legacy", "nz": "nz", "red": "red", "green": "green", "blue": "blue"},
      "defaultVariant": "red",
      "targeting": {"if": [
        {"or": [{"ends_with": [{"var": "email"}, "@example.com"]},
                {"in": [{"var": "email"}, ["ceo@acme.io", "cto@acme.io"]]}]}, "internal",
        {"sem_ver": [{"var": "app_version"}, "<", "2.0.0"]}, "legacy",
        {"==": [{"var": "country"}, "NZ"]}, "nz",
        {"fractional": [["red", 50], ["green", 30], ["blue", 20]]}
      ]}
    },
    "fractional": {
      "state": "ENABLED",
      "variants": {"red": "red", "green": "green", "blue": "blue"},
      "defaultVariant": "red",
      "targeting": {"fractional": [["red", 50], ["green", 30], ["blue", 20]]}
    }
  }
})";

}  // namespace hotstate::bench
