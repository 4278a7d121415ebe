// A feature-flag check evaluated locally: `flag_check_cpp [URL]` (default
// http://127.0.0.1:7700). The flag is a record of the collection "flags" in flagd's format
// (docs/flags.md), e.g.
//
//   hotstate put flags checkout-v2 '{"state":"ENABLED","variants":{"on":true,"off":false},
//     "defaultVariant":"off","targeting":{"fractional":[["on",25],["off",75]]}}'
//
// Each evaluation walks the flag's compiled rule in this process's memory: no network.

#include <hotstate/client.hpp>

#include <chrono>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  hotstate::Client client({.urls = {argc > 1 ? argv[1] : "http://127.0.0.1:7700"}, .flag_collections = {"flags"}});
  if (!client.wait_ready(std::chrono::seconds(5)))
    std::cerr << "not live yet (" << client.status().last_error << "); evaluating what we have\n";

  hotstate::EvalContext user;  // build once per user or request, reuse
  user.targeting_key("user-42").set("email", "ann@example.com").set("plan", "pro");

  client.on_flag_change("flags", "checkout-v2", user, [](const hotstate::FlagEvaluation& e) {
    std::cout << "checkout-v2 for user-42 is now " << (e.has_value() ? e.json() : "the default") << "\n";
  });

  for (int i = 0; i < 3; ++i) {
    auto checkout = client.evaluate_bool("flags", "checkout-v2", false, user);
    std::cout << "checkout-v2 is " << (checkout.value ? "on" : "off") << " (" << to_string(checkout.details.reason);
    if (checkout.details.error != hotstate::FlagErrorCode::None)
      std::cout << ", " << to_string(checkout.details.error) << ": " << checkout.details.error_message;
    std::cout << "; replica at revision " << client.status().revision << ")\n";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}
