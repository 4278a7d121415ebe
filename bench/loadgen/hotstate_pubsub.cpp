// hotstated: subscribers are raw /v1/stream clients subscribed to the whole collection;
// the publisher PUTs each message as a JSON string under its own key (zero-padded
// sequence, so a coalesced catch-up, which orders by key, would still arrive in order).

#include <cstdio>

#include "http_writer.hpp"
#include "launcher.hpp"
#include "pubsub.hpp"
#include "stream_sub.hpp"

namespace loadgen {
namespace {

class HotstatePubSub : public PubSub {
 public:
  HotstatePubSub(boost::asio::io_context& io, const Target& target, Hooks hooks)
      : io_(io), target_(target), hooks_(std::move(hooks)) {
    options_.endpoint = target_.endpoint;
    options_.collection = target_.channel;
    events_.value = [this](std::size_t i, std::string_view v) { hooks_.delivered(i, v); };
  }

  void start(std::size_t subscribers, std::function<void()> ready) override {
    auto all = join(target_.publisher ? 2 : 1, std::move(ready));
    if (target_.publisher) {
      writer_ = std::make_unique<HttpWriter>(io_, target_.endpoint, target_.http_connections, target_.http_depth,
                                             [this] { hooks_.writable(); });
      writer_->connect(all);
    }
    live_.assign(subscribers, nullptr);
    events_.live = [this](std::size_t i) {
      if (auto done = std::exchange(live_[i], nullptr)) done();
    };
    Launcher::run(subscribers, target_.max_connecting,
                  [this](std::size_t i, std::function<void()> done) {
                    live_[i] = std::move(done);
                    auto sub = std::make_shared<StreamSub>(io_, i, options_, events_);
                    subs_.push_back(sub);
                    sub->start();
                  },
                  all);
  }

  bool can_publish() const override { return writer_->can_put(); }

  void publish(std::uint64_t seq, std::string_view payload) override {
    char key[24];
    std::snprintf(key, sizeof key, "%016llu", static_cast<unsigned long long>(seq));
    json_.assign(1, '"');
    json_.append(payload);  // the payload is plain ASCII: no escaping needed
    json_ += '"';
    writer_->put(target_.channel, key, json_);
  }

  void stop() override {
    if (writer_) writer_->close();
    for (auto& s : subs_) s->close();
    subs_.clear();
  }

 private:
  boost::asio::io_context& io_;
  Target target_;
  Hooks hooks_;
  StreamOptions options_;
  StreamEvents events_;
  std::unique_ptr<HttpWriter> writer_;
  std::vector<std::shared_ptr<StreamSub>> subs_;
  std::vector<std::function<void()>> live_;  // per subscriber: runs once at its first live
  std::string json_;
};

}  // namespace

std::unique_ptr<PubSub> make_hotstate(boost::asio::io_context& io, const Target& target, Hooks hooks) {
  return std::make_unique<HotstatePubSub>(io, target, std::move(hooks));
}

}  // namespace loadgen
