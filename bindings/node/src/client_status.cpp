#include "client_status.hpp"

#include <cstdio>

#include "args.hpp"

namespace hotstate_node {
namespace {

const char* state_name(hs_link_state state) {
  switch (state) {
    case HS_CONNECTING: return "connecting";
    case HS_SYNCING: return "syncing";
    case HS_LIVE: return "live";
    case HS_STALE: return "stale";
    case HS_OFFLINE: return "offline";
    case HS_CLOSED: return "closed";
  }
  return "unknown";
}

const char* source_name(hs_data_source source) {
  switch (source) {
    case HS_SOURCE_NONE: return "none";
    case HS_SOURCE_CACHE: return "cache";
    case HS_SOURCE_SERVER: return "server";
  }
  return "unknown";
}

}  // namespace

Napi::Object status_to_js(Napi::Env env, const hs_client_status& s) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("state", state_name(s.state));
  out.Set("source", source_name(s.source));
  // 64 random bits: hex, as the server's /v1/status shows it (a Number would round it).
  char epoch[17];
  std::snprintf(epoch, sizeof epoch, "%016llx", static_cast<unsigned long long>(s.epoch));
  out.Set("epoch", epoch);
  out.Set("revision", uint64_to_js(env, s.revision));
  out.Set("serverRevision", uint64_to_js(env, s.server_revision));
  out.Set("sinceLastContactMs", s.since_last_contact_ms < 0 ? env.Null() : int64_to_js(env, s.since_last_contact_ms));
  out.Set("connects", uint64_to_js(env, s.connects));
  out.Set("reconnectAttempts", uint64_to_js(env, s.reconnect_attempts));
  out.Set("resets", uint64_to_js(env, s.resets));
  out.Set("keys", uint64_to_js(env, s.keys));
  out.Set("bytes", uint64_to_js(env, s.bytes));
  out.Set("lastError", s.last_error);
  out.Set("flagErrors", uint64_to_js(env, s.flag_errors));
  return out;
}

}  // namespace hotstate_node
