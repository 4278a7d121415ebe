// Wiping the offline cache: hotstate::wipe_offline_cache(path) for a file no client has
// open, Client::wipe_cache() for the file of an open (or closed) client.

#include <stdexcept>

#include "cache_file.hpp"
#include "client_core.hpp"

namespace hotstate {

namespace {

template <typename Wipe>
void wipe_or_throw(Wipe&& wipe) {
  try {
    wipe();
  } catch (const std::runtime_error& e) {
    throw ClientError(ErrorCode::Io, e.what());
  }
}

}  // namespace

void wipe_offline_cache(const std::string& path) {
  if (path.empty()) throw ClientError(ErrorCode::InvalidArgument, "the offline cache path is empty");
  wipe_or_throw([&] { client::wipe_cache(path); });
}

void Client::wipe_cache() {
  Core& core = this->core();
  if (core.options.cache_path.empty())
    throw ClientError(ErrorCode::InvalidArgument, "this client has no offline cache (cache_path is empty)");
  wipe_or_throw([&] { core.cache.wipe(); });
}

}  // namespace hotstate
