#include "event_pump.hpp"

#include <cstdio>

namespace hotstate_node {

std::shared_ptr<EventPump> EventPump::create(Napi::Env env, Napi::Function on_event, Deliver deliver) {
  std::shared_ptr<EventPump> pump(new EventPump(env, deliver));
  pump->wake_ = Napi::ThreadSafeFunction::New(env, on_event, "hotstate events", 0, 1);
  pump->wake_.Unref(env);
  // Registered after the TSFN's own hook, so it runs before it (hooks run in reverse).
  napi_status s = napi_add_env_cleanup_hook(env, &EventPump::on_env_teardown, pump.get());
  if (s != napi_ok) {
    pump->close();
    throw Napi::Error::New(env, "hotstate: cannot register an environment cleanup hook");
  }
  return pump;
}

EventPump::~EventPump() = default;

void EventPump::push(PendingEvent event) {
  std::unique_lock lock(mutex_);
  if (closed_) return;
  queue_.push_back(std::move(event));
  if (!wake_pending_) {
    wake_pending_ = true;
    // Under the lock: close() releases the TSFN under it too, so no call follows a release.
    auto self = shared_from_this();
    wake_.NonBlockingCall([self](Napi::Env env, Napi::Function on_event) { self->drain(env, on_event); });
  }
  room_.wait(lock, [&] { return closed_ || blocking_sections_ > 0 || queue_.size() < kMaxQueued; });
}

void EventPump::drain(Napi::Env env, Napi::Function on_event) {
  if (static_cast<napi_env>(env) == nullptr) return;  // teardown
  std::deque<PendingEvent> batch;
  {
    std::lock_guard lock(mutex_);
    wake_pending_ = false;
    if (closed_) return;
    batch.swap(queue_);
  }
  room_.notify_all();
  for (auto& event : batch) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;  // closed by a callback of this very drain
    }
    try {
      deliver_(env, on_event, event);
    } catch (const Napi::Error& e) {
      // lib/ catches what user callbacks throw; this only guards the process.
      std::fprintf(stderr, "hotstate: event delivery failed: %s\n", e.Message().c_str());
    }
  }
}

void EventPump::close() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    close_locked(true);
  }
  room_.notify_all();
  napi_remove_env_cleanup_hook(env_, &EventPump::on_env_teardown, this);
}

void EventPump::close_locked(bool release_tsfn) {
  closed_ = true;
  queue_.clear();
  if (release_tsfn) wake_.Release();
}

void EventPump::on_env_teardown(void* arg) {
  auto* pump = static_cast<EventPump*>(arg);
  {
    std::lock_guard lock(pump->mutex_);
    if (pump->closed_) return;
    pump->close_locked(false);
  }
  pump->room_.notify_all();
}

EventPump::BlockingSection::BlockingSection(EventPump& pump) : pump_(pump) {
  {
    std::lock_guard lock(pump_.mutex_);
    ++pump_.blocking_sections_;
  }
  pump_.room_.notify_all();
}

EventPump::BlockingSection::~BlockingSection() {
  std::lock_guard lock(pump_.mutex_);
  --pump_.blocking_sections_;
}

}  // namespace hotstate_node
