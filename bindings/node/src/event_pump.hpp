// Carries events from a client's native callback thread to the JS thread.
//
// One unref'd ThreadSafeFunction per client (it never keeps the event loop alive) is used
// only as a wake-up: events wait in the pump's own queue and one wake drains them all, so
// the queue's contents never depend on how Node tears a TSFN down.
//
// Backpressure: when kMaxQueued events wait, the callback thread waits for the JS thread
// to drain; the core meanwhile merges the batches that keep coming (nothing is lost,
// intermediate steps are skipped). That wait must never meet a JS thread that waits for
// the callback thread (hs_unsubscribe, hs_client_close, hs_client_free): such calls run
// inside a BlockingSection, which lets the callback thread through without waiting.
#pragma once

#include <napi.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "pending_event.hpp"

namespace hotstate_node {

class EventPump : public std::enable_shared_from_this<EventPump> {
 public:
  // JS thread. Each drained event is passed to `deliver` (on the JS thread).
  using Deliver = void (*)(Napi::Env env, Napi::Function on_event, PendingEvent& event);
  static std::shared_ptr<EventPump> create(Napi::Env env, Napi::Function on_event, Deliver deliver);
  ~EventPump();

  // Callback thread: queues an event and wakes the JS thread. Dropped once closed.
  void push(PendingEvent event);

  // JS thread: no more events; queued ones are dropped. Idempotent.
  void close();

  class BlockingSection {
   public:
    explicit BlockingSection(EventPump& pump);
    ~BlockingSection();
    BlockingSection(const BlockingSection&) = delete;
    BlockingSection& operator=(const BlockingSection&) = delete;

   private:
    EventPump& pump_;
  };

  static constexpr std::size_t kMaxQueued = 256;

 private:
  EventPump(napi_env env, Deliver deliver) : env_(env), deliver_(deliver) {}
  void drain(Napi::Env env, Napi::Function on_event);
  // At environment teardown (a client never closed): Node deletes the TSFN itself.
  static void on_env_teardown(void* pump);
  void close_locked(bool release_tsfn);

  napi_env env_;
  Deliver deliver_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::deque<PendingEvent> queue_;
  bool wake_pending_ = false;
  bool closed_ = false;
  int blocking_sections_ = 0;
  Napi::ThreadSafeFunction wake_;
};

}  // namespace hotstate_node
