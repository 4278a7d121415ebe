#include "change_events.hpp"

#include "args.hpp"
#include "client_status.hpp"
#include "errors.hpp"
#include "flag_result_js.hpp"
#include "record_wrap.hpp"

namespace hotstate_node {

PendingEvent copy_change_batch(uint64_t subscription, const hs_change_batch* batch) {
  PendingEvent event;
  event.subscription = subscription;
  event.revision = hs_change_batch_revision(batch);
  event.reset = hs_change_batch_is_reset(batch) != 0;
  std::size_t count = hs_change_batch_count(batch);
  event.changes.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const hs_record *before = nullptr, *after = nullptr;
    if (hs_change_batch_get(batch, i, &before, &after) != HS_OK) continue;
    hs_record *kept_before = nullptr, *kept_after = nullptr;
    if (before) hs_record_retain(before, &kept_before);
    if (after) hs_record_retain(after, &kept_after);
    event.changes.emplace_back(kept_before, kept_after);
  }
  return event;
}

namespace {

Napi::Object change_to_js(Napi::Env env, const RecordPair& change) {
  const hs_record* either = change.after() ? change.after() : change.before();
  Napi::Object out = Napi::Object::New(env);
  out.Set("collection", record_collection(env, either));
  out.Set("key", record_key(env, either));
  out.Set("oldValue", change.before() ? record_value(env, change.before()) : env.Undefined());
  out.Set("newValue", change.after() ? record_value(env, change.after()) : env.Undefined());
  return out;
}

Napi::Object batch_to_js(Napi::Env env, const PendingEvent& event) {
  Napi::Array changes = Napi::Array::New(env);
  uint32_t n = 0;
  for (const auto& change : event.changes)
    if (change.before() || change.after()) changes.Set(n++, change_to_js(env, change));
  Napi::Object out = Napi::Object::New(env);
  out.Set("revision", uint64_to_js(env, event.revision));
  out.Set("reset", Napi::Boolean::New(env, event.reset));
  out.Set("changes", changes);
  return out;
}

}  // namespace

void deliver_event(Napi::Env env, Napi::Function on_event, PendingEvent& event) {
  Napi::HandleScope scope(env);
  Napi::Value payload;
  switch (event.kind) {
    case PendingEvent::Kind::Change: payload = batch_to_js(env, event); break;
    case PendingEvent::Kind::Status: payload = status_to_js(env, event.status); break;
    case PendingEvent::Kind::Flag: payload = flag_details(env, event.flag->view(), env.Undefined()); break;
  }
  on_event.Call({Napi::Number::New(env, static_cast<double>(event.subscription)), payload});
}

}  // namespace hotstate_node
