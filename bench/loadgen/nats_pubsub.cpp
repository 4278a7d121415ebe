// NATS core pub/sub over its text protocol: each subscriber sends CONNECT + SUB and a
// PING; the PONG proves the server processed the SUB (it handles a connection's commands
// in order). The publisher sends PUB on one connection, verbose off (no +OK per message).

#include <charconv>
#include <stdexcept>

#include "launcher.hpp"
#include "pubsub.hpp"
#include "raw_conn.hpp"

namespace loadgen {
namespace {

constexpr std::string_view kConnect = "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"loadgen\"}\r\n";

// Handles one connection's server messages. `on_msg` gets each MSG payload; `on_pong` each
// PONG. Server PINGs are answered so the server never drops an idle benchmark client.
template <typename OnMsg, typename OnPong>
std::size_t parse_server(std::string_view data, RawConn& conn, OnMsg&& on_msg, OnPong&& on_pong) {
  std::size_t pos = 0;
  for (;;) {
    auto eol = data.find("\r\n", pos);
    if (eol == std::string_view::npos) return pos;
    std::string_view line = data.substr(pos, eol - pos);
    if (line.starts_with("MSG ")) {
      // MSG <subject> <sid> [reply-to] <#bytes>
      auto last_space = line.rfind(' ');
      std::size_t bytes = 0;
      auto r = std::from_chars(line.data() + last_space + 1, line.data() + line.size(), bytes);
      if (r.ec != std::errc()) throw std::runtime_error("nats: bad MSG line");
      if (data.size() < eol + 2 + bytes + 2) return pos;  // payload not complete yet
      on_msg(data.substr(eol + 2, bytes));
      pos = eol + 2 + bytes + 2;
      continue;
    }
    if (line == "PING") conn.send("PONG\r\n");
    else if (line == "PONG") on_pong();
    else if (line.starts_with("-ERR")) throw std::runtime_error("nats: " + std::string(line));
    // INFO and +OK need nothing.
    pos = eol + 2;
  }
}

class NatsPubSub : public PubSub {
 public:
  NatsPubSub(boost::asio::io_context& io, const Target& target, Hooks hooks)
      : io_(io), target_(target), hooks_(std::move(hooks)) {}

  void start(std::size_t subscribers, std::function<void()> ready) override {
    auto all = join(target_.publisher ? 2 : 1, std::move(ready));
    if (target_.publisher) {
      publisher_ = std::make_shared<RawConn>(io_, "nats publisher", nullptr);
      publisher_->set_parser([this](std::string_view data) {
        return parse_server(data, *publisher_, [](std::string_view) {
          throw std::runtime_error("nats publisher got a message");
        }, [] {});
      });
      publisher_->connect(target_.endpoint, [this, all] {
        publisher_->send(kConnect);
        all();
      });
    }
    Launcher::run(subscribers, target_.max_connecting,
                  [this](std::size_t i, std::function<void()> done) { open_subscriber(i, std::move(done)); },
                  all);
  }

  bool can_publish() const override { return true; }  // the driver's window bounds it

  void publish(std::uint64_t, std::string_view payload) override {
    command_ = "PUB ";
    command_ += target_.channel;
    command_ += ' ';
    command_ += std::to_string(payload.size());
    command_ += "\r\n";
    command_.append(payload);
    command_ += "\r\n";
    publisher_->send(command_);
  }

  void stop() override {
    if (publisher_) publisher_->close();
    for (auto& s : subscribers_) s->close();
    subscribers_.clear();
  }

 private:
  void open_subscriber(std::size_t index, std::function<void()> done) {
    auto conn = std::make_shared<RawConn>(io_, "nats subscriber " + std::to_string(index), nullptr);
    // The parser refers to its connection through a weak pointer (no ownership cycle).
    std::weak_ptr<RawConn> weak = conn;
    conn->set_parser([this, index, weak, done = std::move(done)](std::string_view data) {
      auto self = weak.lock();
      return parse_server(data, *self, [&](std::string_view payload) { hooks_.delivered(index, payload); },
                          [&] { done(); });
    });
    subscribers_.push_back(conn);
    conn->connect(target_.endpoint, [this, conn] {
      std::string cmd(kConnect);
      cmd += "SUB " + target_.channel + " 1\r\nPING\r\n";
      conn->send(cmd);
    });
  }

  boost::asio::io_context& io_;
  Target target_;
  Hooks hooks_;
  std::shared_ptr<RawConn> publisher_;
  std::vector<std::shared_ptr<RawConn>> subscribers_;
  std::string command_;
};

}  // namespace

std::unique_ptr<PubSub> make_nats(boost::asio::io_context& io, const Target& target, Hooks hooks) {
  return std::make_unique<NatsPubSub>(io, target, std::move(hooks));
}

}  // namespace loadgen
