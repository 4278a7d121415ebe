#include "client_async.hpp"

#include <string>

#include "args.hpp"
#include "errors.hpp"

namespace hotstate_node {
namespace {

class BlockingCall : public Napi::AsyncWorker {
 public:
  BlockingCall(Napi::Env env, SharedClient client, BlockingFn call, bool resolves_revision)
      : Napi::AsyncWorker(env, "hotstate"),
        deferred_(Napi::Promise::Deferred::New(env)),
        client_(std::move(client)),
        call_(std::move(call)),
        resolves_revision_(resolves_revision) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    status_ = call_(client_->get(), &revision_);
    if (status_ != HS_OK) message_ = hs_last_error();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (status_ != HS_OK) {
      deferred_.Reject(status_error(env, status_, message_).Value());
      return;
    }
    deferred_.Resolve(resolves_revision_ ? uint64_to_js(env, revision_) : env.Undefined());
  }

 private:
  Napi::Promise::Deferred deferred_;
  SharedClient client_;  // keeps the handle valid while the call runs
  BlockingFn call_;
  bool resolves_revision_;
  hs_status status_ = HS_OK;
  std::string message_;
  uint64_t revision_ = 0;
};

}  // namespace

Napi::Promise run_blocking(Napi::Env env, SharedClient client, BlockingFn call, bool resolves_revision) {
  auto* worker = new BlockingCall(env, std::move(client), std::move(call), resolves_revision);
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself after OnOK
  return promise;
}

}  // namespace hotstate_node
