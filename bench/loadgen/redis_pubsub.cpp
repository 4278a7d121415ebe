// Redis pub/sub: each subscriber is one connection that SUBSCRIBEs to the channel; the
// publisher pipelines PUBLISH on one connection. PUBLISH answers how many subscribers got
// the message, which is checked against the count connected.

#include <stdexcept>

#include "launcher.hpp"
#include "pubsub.hpp"
#include "raw_conn.hpp"
#include "resp.hpp"

namespace loadgen {
namespace {

class RedisPubSub : public PubSub {
 public:
  RedisPubSub(boost::asio::io_context& io, const Target& target, Hooks hooks)
      : io_(io), target_(target), hooks_(std::move(hooks)) {}

  void start(std::size_t subscribers, std::function<void()> ready) override {
    expected_receivers_ = static_cast<long long>(subscribers);
    auto all = join(target_.publisher ? 2 : 1, std::move(ready));
    if (target_.publisher) {
      publisher_ = std::make_shared<RawConn>(io_, "redis publisher", [this](std::string_view data) {
        return on_publisher_data(data);
      });
      publisher_->connect(target_.endpoint, all);
    }
    Launcher::run(subscribers, target_.max_connecting,
                  [this](std::size_t i, std::function<void()> done) { open_subscriber(i, std::move(done)); },
                  all);
  }

  bool can_publish() const override { return true; }  // the driver's window bounds it

  void publish(std::uint64_t, std::string_view payload) override {
    command_.clear();
    resp::append_command(command_, {"PUBLISH", target_.channel, payload});
    publisher_->send(command_);
  }

  void stop() override {
    if (publisher_) publisher_->close();
    for (auto& s : subscribers_) s->close();
    subscribers_.clear();
  }

 private:
  void open_subscriber(std::size_t index, std::function<void()> done) {
    auto parse = [this, index, done = std::move(done), items = std::vector<resp::Item>()](std::string_view data) mutable {
      std::size_t pos = 0;
      while (resp::parse(data, pos, items)) {
        if (items.size() == 3 && items[0].text == "message") {
          hooks_.delivered(index, items[2].text);
        } else if (items.size() == 3 && items[0].text == "subscribe") {
          done();  // the server registered the subscription
        } else {
          throw std::runtime_error("redis subscriber: unexpected reply");
        }
      }
      return pos;
    };
    auto conn = std::make_shared<RawConn>(io_, "redis subscriber " + std::to_string(index), std::move(parse));
    subscribers_.push_back(conn);
    conn->connect(target_.endpoint, [this, conn] {
      std::string cmd;
      resp::append_command(cmd, {"SUBSCRIBE", target_.channel});
      conn->send(cmd);
    });
  }

  std::size_t on_publisher_data(std::string_view data) {
    std::size_t pos = 0;
    while (resp::parse(data, pos, reply_)) {
      if (reply_.size() != 1 || reply_[0].type != ':')
        throw std::runtime_error("redis publisher: unexpected reply");
      if (reply_[0].number != expected_receivers_)
        throw std::runtime_error("redis PUBLISH reached " + std::to_string(reply_[0].number) +
                                 " subscribers, expected " + std::to_string(expected_receivers_));
    }
    return pos;
  }

  boost::asio::io_context& io_;
  Target target_;
  Hooks hooks_;
  long long expected_receivers_ = 0;
  std::shared_ptr<RawConn> publisher_;
  std::vector<std::shared_ptr<RawConn>> subscribers_;
  std::string command_;
  std::vector<resp::Item> reply_;
};

}  // namespace

std::unique_ptr<PubSub> make_redis(boost::asio::io_context& io, const Target& target, Hooks hooks) {
  return std::make_unique<RedisPubSub>(io, target, std::move(hooks));
}

}  // namespace loadgen
