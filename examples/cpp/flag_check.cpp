// A feature-flag check on a local replica: `flag_check [URL]` (default
// http://127.0.0.1:7700). Reads are lookups in this process's memory.

#include <hotstate/client.hpp>
#include <hotstate/value.hpp>

#include <flatbuffers/flexbuffers.h>

#include <chrono>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  hotstate::Client client({.urls = {argc > 1 ? argv[1] : "http://127.0.0.1:7700"}, .selectors = {{"flags", ""}}});
  if (!client.wait_ready(std::chrono::seconds(5)))
    std::cerr << "not live yet (" << client.status().last_error << "); reading what we have\n";

  client.on_change({.collection = "flags"}, [](const hotstate::ChangeBatch& batch) {
    for (const auto& change : batch.changes)
      std::cout << "changed at revision " << batch.revision << ": " << change.key << "\n";
  });

  for (int i = 0; i < 3; ++i) {
    bool enabled = false;
    if (auto flag = client.get("flags", "checkout-v2")) {  // no network: local memory
      auto root = flexbuffers::GetRoot(flag->value);
      enabled = root.IsMap() && root.AsMap()["enabled"].AsBool();
    }
    std::cout << "checkout-v2 is " << (enabled ? "on" : "off") << " (replica at revision "
              << client.status().revision << ", " << hotstate::to_string(client.status().state) << ")\n";
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}
