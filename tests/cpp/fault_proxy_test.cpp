// FaultProxy (support/fault_proxy.hpp) against an in-test echo server: each fault it
// injects, checked byte for byte, plus one pass through to a real hotstated. Every wait is
// bounded, so a broken proxy fails a test instead of hanging it.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "fault_proxy.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using hotstate::testing::eventually;
using hotstate::testing::FaultProxy;
using namespace std::chrono_literals;

// The bound for anything that should happen promptly; generous for sanitizer builds.
constexpr std::chrono::milliseconds kTimeout = 20s;
// How long a test watches for something that must NOT happen.
constexpr std::chrono::milliseconds kQuietPeriod = 300ms;

// Deterministic pseudo-random bytes (xorshift), so loss or reordering shows as a mismatch.
std::string pattern(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

bool is_disconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

// A free loopback port with nothing listening on it (bound, read, released).
unsigned short unused_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  return acceptor.local_endpoint().port();
}

// An echo server on its own thread. Each connection first gets `banner` (if any), then
// gets back every byte it sends; on EOF or error the server closes it.
class EchoServer {
 public:
  explicit EchoServer(std::string banner = "") : banner_(std::move(banner)) {
    tcp::endpoint at{asio::ip::address_v4::loopback(), 0};
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_next();
    thread_ = std::thread([this] { io_.run(); });
  }
  // Stops abruptly: connections are closed by the io_context's destruction (a "crash").
  ~EchoServer() {
    io_.stop();
    thread_.join();
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  unsigned short port() const { return port_; }
  std::size_t accepted() const { return accepted_; }
  std::size_t closed() const { return closed_; }  // connections that have ended
  std::uint64_t bytes_received() const { return received_; }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(EchoServer& server, tcp::socket socket)
        : server_(server), socket_(std::move(socket)) {}

    void start() {
      if (server_.banner_.empty()) {
        read();
        return;
      }
      asio::async_write(socket_, asio::buffer(server_.banner_),
                        [self = shared_from_this()](const error_code& ec, std::size_t) {
                          if (ec) self->finish();
                          else self->read();
                        });
    }

   private:
    void read() {
      socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](
                                                         const error_code& ec, std::size_t n) {
        if (ec) {
          self->finish();
          return;
        }
        self->server_.received_ += n;
        asio::async_write(self->socket_, asio::buffer(self->buffer_.data(), n),
                          [self](const error_code& write_ec, std::size_t) {
                            if (write_ec) self->finish();
                            else self->read();
                          });
      });
    }

    void finish() {
      error_code ignored;
      socket_.close(ignored);
      ++server_.closed_;
    }

    EchoServer& server_;
    tcp::socket socket_;
    std::array<char, 16 * 1024> buffer_{};
  };

  void accept_next() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
      if (ec) return;
      ++accepted_;
      std::make_shared<Session>(*this, std::move(socket))->start();
      accept_next();
    });
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::string banner_;
  unsigned short port_ = 0;
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> closed_{0};
  std::atomic<std::uint64_t> received_{0};
  std::thread thread_;
};

// A test-side client connection. Its io_context runs only inside its calls, each bounded
// by a timeout (a timed-out operation is cancelled and reported as timed_out).
class Peer {
 public:
  explicit Peer(unsigned short port) {
    error_code result = asio::error::timed_out;
    bool done = false;
    socket_.async_connect({asio::ip::address_v4::loopback(), port}, [&](const error_code& ec) {
      result = ec;
      done = true;
    });
    if (!run_until([&] { return done; }, kTimeout) || result)
      throw std::runtime_error("cannot connect to port " + std::to_string(port) + ": " +
                               result.message());
    socket_.set_option(tcp::no_delay(true));
  }

  struct Received {
    std::string data;
    error_code ec;
  };

  error_code send(const std::string& data, std::chrono::milliseconds timeout = kTimeout) {
    error_code result;
    bool done = false;
    asio::async_write(socket_, asio::buffer(data), [&](const error_code& ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until([&] { return done; }, timeout)) return asio::error::timed_out;
    return result;
  }

  // Exactly `n` bytes, unless the connection ends or the timeout passes first.
  Received read(std::size_t n, std::chrono::milliseconds timeout = kTimeout) {
    Received got;
    got.data.resize(n);
    bool done = false;
    asio::async_read(socket_, asio::buffer(got.data), [&](const error_code& ec, std::size_t k) {
      got.ec = ec;
      got.data.resize(k);
      done = true;
    });
    if (!run_until([&] { return done; }, timeout)) got.ec = asio::error::timed_out;
    return got;
  }

  // Everything until the connection ends (ec says how) or the timeout passes.
  Received read_to_end(std::chrono::milliseconds timeout = kTimeout) {
    Received got;
    bool done = false;
    asio::async_read(socket_, asio::dynamic_buffer(got.data, 64 << 20),
                     [&](const error_code& ec, std::size_t) {
                       got.ec = ec;
                       done = true;
                     });
    if (!run_until([&] { return done; }, timeout)) got.ec = asio::error::timed_out;
    return got;
  }

  // Sends `data` and expects it back unchanged.
  void expect_echo(const std::string& data) {
    ASSERT_FALSE(send(data));
    auto back = read(data.size());
    ASSERT_FALSE(back.ec) << back.ec.message();
    EXPECT_EQ(back.data, data);
  }

  // Runs the pending operations until `done` holds; on timeout cancels them and returns false.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    io_.restart();
    while (!done() && !io_.stopped() && std::chrono::steady_clock::now() < deadline)
      io_.run_one_until(deadline);
    if (done()) return true;
    error_code ignored;
    socket_.cancel(ignored);
    io_.restart();
    io_.run();  // the cancelled handlers complete
    return false;
  }

  // Lets pending operations make progress for `period` without cancelling them.
  void advance(std::chrono::milliseconds period) {
    io_.restart();
    io_.run_for(period);
  }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  tcp::socket socket_{io_};
};

// Destroys the proxy on another thread, aborting the test binary if that never returns
// (a hang would otherwise stall the whole suite).
void destroy_within_bound(std::unique_ptr<FaultProxy>& proxy) {
  std::promise<void> destroyed;
  auto finished = destroyed.get_future();
  std::thread destroyer([&] {
    proxy.reset();
    destroyed.set_value();
  });
  if (finished.wait_for(kTimeout) != std::future_status::ready) {
    std::fprintf(stderr, "FaultProxy destructor did not return within the bound\n");
    std::abort();
  }
  destroyer.join();
}

// ---- tests ------------------------------------------------------------------------------

TEST(FaultProxy, ListensOnLoopbackAndReportsItsUrl) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  EXPECT_NE(proxy.port(), 0);
  EXPECT_EQ(proxy.url(), "http://127.0.0.1:" + std::to_string(proxy.port()));
}

TEST(FaultProxy, RejectsNonLoopbackTargets) {
  EXPECT_THROW(FaultProxy("10.0.0.1", 80), std::invalid_argument);
  EXPECT_THROW(FaultProxy("example.com", 80), std::invalid_argument);
  EXPECT_THROW(FaultProxy("", 80), std::invalid_argument);
  EchoServer server;
  FaultProxy proxy("::1", server.port());  // loopback v6 is accepted
  EXPECT_THROW(proxy.set_target("192.168.1.1", server.port()), std::invalid_argument);
  EXPECT_THROW(proxy.set_delay(-1ms), std::invalid_argument);
}

TEST(FaultProxy, ForwardsTenMegabytesBothWaysIntact) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer peer(proxy.port());

  const std::string sent = pattern(10 << 20, 1);
  std::string back(sent.size(), '\0');
  error_code write_ec, read_ec;
  bool wrote = false, read = false;
  asio::async_write(peer.socket(), asio::buffer(sent), [&](const error_code& ec, std::size_t) {
    write_ec = ec;
    wrote = true;
  });
  asio::async_read(peer.socket(), asio::buffer(back), [&](const error_code& ec, std::size_t) {
    read_ec = ec;
    read = true;
  });
  ASSERT_TRUE(peer.run_until([&] { return wrote && read; }, 120s));
  ASSERT_FALSE(write_ec) << write_ec.message();
  ASSERT_FALSE(read_ec) << read_ec.message();
  EXPECT_TRUE(back == sent) << "echoed bytes differ from the bytes sent";

  EXPECT_EQ(server.bytes_received(), sent.size());
  EXPECT_TRUE(eventually([&] { return proxy.bytes_to_client() == sent.size(); }));
  EXPECT_TRUE(eventually([&] { return proxy.bytes_to_server() == sent.size(); }));
  EXPECT_EQ(proxy.accepted(), 1u);
  EXPECT_EQ(proxy.open_connections(), 1u);
}

TEST(FaultProxy, PassesCloseOnAndCountsConnections) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  std::vector<std::unique_ptr<Peer>> peers;
  std::uint64_t total = 0;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(std::make_unique<Peer>(proxy.port()));
    auto data = pattern(1000 * (i + 1), 10 + i);
    peers.back()->expect_echo(data);
    total += data.size();
  }
  EXPECT_EQ(proxy.accepted(), 3u);
  EXPECT_EQ(proxy.open_connections(), 3u);
  EXPECT_EQ(server.accepted(), 3u);
  EXPECT_TRUE(eventually([&] { return proxy.bytes_to_server() == total; }));
  EXPECT_TRUE(eventually([&] { return proxy.bytes_to_client() == total; }));

  // A client closing is passed on to the server, and the proxy forgets the connection.
  peers[0]->close();
  EXPECT_TRUE(eventually([&] { return server.closed() == 1; }));
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 2; }));

  // A server closing (EOF) is passed on to the client as EOF.
  peers[1]->socket().shutdown(tcp::socket::shutdown_send);
  auto rest = peers[1]->read_to_end();
  EXPECT_EQ(rest.ec, asio::error::eof) << rest.ec.message();
  EXPECT_TRUE(rest.data.empty());
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 1; }));
  EXPECT_EQ(proxy.accepted(), 3u);
}

TEST(FaultProxy, CutClosesEveryConnectionAndNewOnesStillWork) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer first(proxy.port()), second(proxy.port());
  first.expect_echo("one");
  second.expect_echo("two");
  ASSERT_EQ(proxy.open_connections(), 2u);

  proxy.cut();
  EXPECT_EQ(proxy.open_connections(), 0u);  // in effect when cut() returns
  for (Peer* peer : {&first, &second}) {
    auto rest = peer->read_to_end();
    EXPECT_TRUE(is_disconnect(rest.ec)) << rest.ec.message();
    EXPECT_TRUE(rest.data.empty());
  }
  EXPECT_TRUE(eventually([&] { return server.closed() == 2; }));  // the server side too

  Peer third(proxy.port());
  third.expect_echo("three");
  EXPECT_EQ(proxy.accepted(), 3u);
  EXPECT_EQ(proxy.open_connections(), 1u);
}

TEST(FaultProxy, StallHoldsDataWithoutClosingAndReleasesItInOrder) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer peer(proxy.port());
  peer.expect_echo("hello");

  proxy.stall(true);
  // More than every kernel buffer on the path can hold (send buffer max 4 MiB, receive
  // buffer autotuning at most 32 MiB here), so the write can only finish by forwarding.
  const std::string sent = pattern(48 << 20, 2);
  std::string back(sent.size(), '\0');
  error_code write_ec, read_ec;
  bool wrote = false, read = false;
  asio::async_write(peer.socket(), asio::buffer(sent), [&](const error_code& ec, std::size_t) {
    write_ec = ec;
    wrote = true;
  });
  asio::async_read(peer.socket(), asio::buffer(back), [&](const error_code& ec, std::size_t) {
    read_ec = ec;
    read = true;
  });
  peer.advance(kQuietPeriod);
  EXPECT_FALSE(wrote) << "the write finished although the proxy forwards nothing";
  EXPECT_FALSE(read);
  EXPECT_EQ(server.bytes_received(), 5u);
  EXPECT_EQ(proxy.bytes_to_server(), 5u);
  EXPECT_EQ(proxy.bytes_to_client(), 5u);

  // A connection made during the stall is accepted but not passed on.
  Peer late(proxy.port());
  ASSERT_TRUE(eventually([&] { return proxy.accepted() == 2; }));
  ASSERT_FALSE(late.send("late"));
  std::this_thread::sleep_for(kQuietPeriod);
  EXPECT_EQ(server.accepted(), 1u);
  EXPECT_EQ(proxy.open_connections(), 2u);  // nothing was closed
  EXPECT_EQ(server.closed(), 0u);

  proxy.stall(false);
  ASSERT_TRUE(peer.run_until([&] { return wrote && read; }, 120s));
  ASSERT_FALSE(write_ec) << write_ec.message();
  ASSERT_FALSE(read_ec) << read_ec.message();
  EXPECT_TRUE(back == sent) << "bytes held during the stall were lost or reordered";

  auto echoed = late.read(4);
  ASSERT_FALSE(echoed.ec) << echoed.ec.message();
  EXPECT_EQ(echoed.data, "late");
  EXPECT_EQ(server.accepted(), 2u);
}

TEST(FaultProxy, StallHoldsClosesUntilReleased) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer peer(proxy.port());
  peer.expect_echo("ping");

  proxy.stall(true);
  peer.close();
  std::this_thread::sleep_for(kQuietPeriod);
  EXPECT_EQ(server.closed(), 0u);  // a black hole does not pass on the close
  EXPECT_EQ(proxy.open_connections(), 1u);

  proxy.stall(false);
  EXPECT_TRUE(eventually([&] { return server.closed() == 1; }));
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 0; }));
}

TEST(FaultProxy, RefuseClosesAcceptedConnectionsAtOnce) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  proxy.refuse(true);
  {
    Peer refused(proxy.port());
    auto rest = refused.read_to_end();
    EXPECT_TRUE(is_disconnect(rest.ec)) << rest.ec.message();
    EXPECT_TRUE(rest.data.empty());
  }
  EXPECT_EQ(proxy.accepted(), 1u);
  EXPECT_EQ(proxy.open_connections(), 0u);
  EXPECT_EQ(server.accepted(), 0u);

  proxy.refuse(false);
  Peer accepted(proxy.port());
  accepted.expect_echo("back again");
  EXPECT_EQ(server.accepted(), 1u);
  EXPECT_EQ(proxy.accepted(), 2u);
}

TEST(FaultProxy, DelayHoldsEachChunkAndKeepsOrder) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer peer(proxy.port());
  peer.expect_echo("warm-up");

  constexpr auto delay = 200ms;
  proxy.set_delay(delay);
  std::string expected;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto message = "message " + std::to_string(i) + ";";
    ASSERT_FALSE(peer.send(message));
    expected += message;
  }
  auto back = peer.read(expected.size());
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(back.ec) << back.ec.message();
  EXPECT_EQ(back.data, expected);
  EXPECT_GE(elapsed, delay);

  proxy.set_delay(0ms);
  peer.expect_echo("no delay");
}

TEST(FaultProxy, CutAfterBytesToClientCutsMidStreamThenDisarms) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer peer(proxy.port());
  peer.expect_echo("hi");

  proxy.cut_after_bytes_to_client(1000);
  const std::string sent = pattern(5000, 3);
  ASSERT_FALSE(peer.send(sent));
  auto got = peer.read_to_end();
  EXPECT_TRUE(is_disconnect(got.ec)) << got.ec.message();
  EXPECT_EQ(got.data.size(), 1000u);
  EXPECT_TRUE(got.data == sent.substr(0, 1000));
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 0; }));
  EXPECT_EQ(proxy.bytes_to_client(), 2u + 1000u);

  // Disarmed: the next connection carries more than 1000 bytes untouched.
  Peer next(proxy.port());
  next.expect_echo(sent);
  EXPECT_EQ(proxy.open_connections(), 1u);

  // n == 0 cuts the next connection with anything for its client before any of it.
  proxy.cut_after_bytes_to_client(0);
  ASSERT_FALSE(next.send("x"));
  auto rest = next.read_to_end();
  EXPECT_TRUE(is_disconnect(rest.ec)) << rest.ec.message();
  EXPECT_TRUE(rest.data.empty());

  Peer after(proxy.port());
  after.expect_echo("fine");
}

TEST(FaultProxy, CutAfterBytesCountsAcrossConnections) {
  EchoServer server;
  FaultProxy proxy("127.0.0.1", server.port());
  Peer first(proxy.port()), second(proxy.port());
  proxy.cut_after_bytes_to_client(150);
  first.expect_echo(std::string(100, 'a'));  // 100 of 150
  ASSERT_FALSE(second.send(std::string(100, 'b')));
  auto got = second.read_to_end();  // the 150th byte is the 50th of this reply
  EXPECT_TRUE(is_disconnect(got.ec)) << got.ec.message();
  EXPECT_EQ(got.data, std::string(50, 'b'));
  first.expect_echo("still open");  // only the connection that crossed the line is cut
}

TEST(FaultProxy, SetTargetSendsNewConnectionsToTheNewServer) {
  auto old_server = std::make_unique<EchoServer>("A");
  FaultProxy proxy("127.0.0.1", old_server->port());
  Peer old_peer(proxy.port());
  auto banner = old_peer.read(1);
  ASSERT_FALSE(banner.ec) << banner.ec.message();
  EXPECT_EQ(banner.data, "A");

  EchoServer new_server("B");
  proxy.set_target("127.0.0.1", new_server.port());
  old_peer.expect_echo("still on A");  // open connections keep their target
  Peer new_peer(proxy.port());
  banner = new_peer.read(1);
  ASSERT_FALSE(banner.ec) << banner.ec.message();
  EXPECT_EQ(banner.data, "B");
  new_peer.expect_echo("on B");

  // The old server dies: its client sees the connection end; the new one is untouched.
  old_server.reset();
  auto rest = old_peer.read_to_end();
  EXPECT_TRUE(is_disconnect(rest.ec)) << rest.ec.message();
  old_peer.close();  // until then the proxy keeps the half-closed connection, as TCP does
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 1; }));
  new_peer.expect_echo("still on B");

  // A rejected set_target changes nothing.
  EXPECT_THROW(proxy.set_target("8.8.8.8", 53), std::invalid_argument);
  Peer newest(proxy.port());
  banner = newest.read(1);
  EXPECT_EQ(banner.data, "B");
}

TEST(FaultProxy, ClosesTheClientWhenTheTargetIsDown) {
  FaultProxy proxy("127.0.0.1", unused_port());
  Peer peer(proxy.port());
  auto rest = peer.read_to_end();
  EXPECT_TRUE(is_disconnect(rest.ec)) << rest.ec.message();
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 0; }));
  EXPECT_EQ(proxy.accepted(), 1u);
}

TEST(FaultProxy, DestructorReturnsWithOpenConnections) {
  EchoServer server;
  auto proxy = std::make_unique<FaultProxy>("127.0.0.1", server.port());
  Peer idle(proxy->port()), delayed(proxy->port()), stalled(proxy->port());
  idle.expect_echo("idle");
  delayed.expect_echo("delayed");
  stalled.expect_echo("stalled");

  proxy->set_delay(std::chrono::hours(1));  // a pending timer the destructor must not await
  ASSERT_FALSE(delayed.send("held for an hour"));
  std::this_thread::sleep_for(50ms);
  proxy->stall(true);
  ASSERT_FALSE(stalled.send("held by the stall"));  // lands in kernel buffers, goes no further
  Peer during_stall(proxy->port());
  ASSERT_TRUE(eventually([&] { return proxy->accepted() == 4; }));

  destroy_within_bound(proxy);

  for (Peer* peer : {&idle, &delayed, &stalled, &during_stall}) {
    auto rest = peer->read_to_end();
    EXPECT_TRUE(is_disconnect(rest.ec)) << rest.ec.message();
  }
  EXPECT_TRUE(eventually([&] { return server.closed() == 3; }));
}

TEST(FaultProxy, CarriesHttpToARealServerAndSurvivesACut) {
  hotstate::testing::ServerProcess server;
  FaultProxy proxy("127.0.0.1", server.port());
  hotstate::testing::HttpClient http("127.0.0.1", proxy.port());
  http.set_timeout(kTimeout);
  EXPECT_EQ(http.request("GET", "/v1/status").status, 200);

  proxy.cut();
  http.close();
  EXPECT_EQ(http.request("GET", "/v1/status").status, 200);
  EXPECT_EQ(proxy.accepted(), 2u);
  EXPECT_GT(proxy.bytes_to_client(), 0u);
}

}  // namespace
