// Limits on peers that are slow, stuck or greedy (docs/security.md): each refusal is a
// clear error for the peer and a count in hotstate_refusals_total{reason}, and the server
// keeps serving everyone else.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <filesystem>
#include <hotstate/protocol.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "stream_client.hpp"

using hotstate::testing::eventually;
using hotstate::testing::HttpClient;
using hotstate::testing::ServerProcess;
using hotstate::testing::StreamClient;
using namespace std::chrono_literals;

namespace {

// hotstate_refusals_total{reason="<reason>"} from /metrics (0 when not there yet).
std::uint64_t refusals(const ServerProcess& server, const std::string& reason) {
  HttpClient http(server.host(), server.port());
  std::string metrics = http.request("GET", "/metrics").body;
  std::smatch m;
  if (std::regex_search(metrics, m, std::regex("hotstate_refusals_total\\{reason=\"" + reason + "\"\\} (\\d+)")))
    return std::stoull(m[1]);
  return 0;
}

std::string error_code(const hotstate::testing::HttpResponse& response) {
  return std::string(response.json().at("error").at("code").as_string());
}

// A TCP connection that sends what the test says, when it says.
class RawPeer {
 public:
  explicit RawPeer(const ServerProcess& server) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address(server.host()), server.port()});
  }
  void send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  // True once the server closed the connection (read gives EOF or reset) within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buffer[4096];
    for (;;) {
      ssize_t n = ::recv(socket_.native_handle(), buffer, sizeof buffer, 0);
      if (n == 0) return true;                                     // EOF
      if (n < 0) return errno == ECONNRESET;                       // reset: closed; timeout: not
      received_.append(buffer, static_cast<std::size_t>(n));      // an answer before closing
    }
  }
  const std::string& received() const { return received_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string received_;
};

}  // namespace

TEST(Limits, SlowHttpSenderIsCutOffAtTheRequestTimeout) {
  ServerProcess server({"--memory", "--request-timeout-ms", "500"});
  RawPeer slowloris(server);
  slowloris.send("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // and never the rest
  std::thread trickle([&] {
    for (int i = 0; i < 10; ++i) {  // a byte now and then must not extend the deadline
      std::this_thread::sleep_for(100ms);
      try {
        slowloris.send("a");
      } catch (...) {
        return;
      }
    }
  });
  EXPECT_TRUE(slowloris.closed_within(5s));
  trickle.join();
  EXPECT_EQ(refusals(server, "request_timeout"), 1u);
  // An idle keep-alive connection is closed too, but not counted as refused.
  RawPeer idle(server);
  EXPECT_TRUE(idle.closed_within(5s));
  EXPECT_EQ(refusals(server, "request_timeout"), 1u);
  HttpClient http(server.host(), server.port());
  EXPECT_EQ(http.request("GET", "/healthz").status, 200);
}

TEST(Limits, StreamThatNeverSubscribesIsClosed) {
  ServerProcess server({"--memory", "--subscribe-timeout-ms", "300"});
  StreamClient silent(server.host(), server.port());  // handshake done, then nothing
  EXPECT_EQ(silent.wait_closed(5s), hotstate::protocol::close_code::kPolicyViolation);
  StreamClient hello_only(server.host(), server.port());
  hello_only.hello();
  EXPECT_EQ(hello_only.wait_closed(5s), hotstate::protocol::close_code::kPolicyViolation);
  EXPECT_EQ(refusals(server, "subscribe_timeout"), 2u);

  // A client that subscribes in time stays, well past the deadline.
  StreamClient prompt(server.host(), server.port());
  prompt.hello();
  prompt.subscribe({{"c", ""}});
  EXPECT_EQ(prompt.wait_closed(1s), 0u);
}

TEST(Limits, TooManyPendingWritesGetRetryLater) {
  // Durable storage: a write waits for its group commit, so concurrent writers overlap.
  std::string dir = "/tmp/hotstate-limits-" + std::to_string(::getpid());
  ServerProcess server({"--data-dir", dir, "--max-pending-writes", "1"});
  std::atomic<int> ok{0}, busy{0}, other{0};
  bool saw_busy = false;
  for (int round = 0; round < 20 && !saw_busy; ++round) {
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w)
      writers.emplace_back([&, w] {
        HttpClient http(server.host(), server.port());
        for (int i = 0; i < 10; ++i) {
          auto r = http.request("PUT", "/v1/c/c/w" + std::to_string(w), std::to_string(i));
          if (r.status == 200) {
            ++ok;
          } else if (r.status == 503 && error_code(r) == "too_many_pending_writes" && r.header("Retry-After") == "1") {
            ++busy;
          } else {
            ++other;
          }
        }
      });
    for (auto& t : writers) t.join();
    saw_busy = busy > 0;
  }
  EXPECT_TRUE(saw_busy) << "8 concurrent writers never had 2 writes pending at once";
  EXPECT_EQ(other, 0);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(refusals(server, "too_many_pending_writes"), static_cast<std::uint64_t>(busy.load()));
  // Every acknowledged write was applied, no refused one was: revision == acks.
  HttpClient http(server.host(), server.port());
  auto status = http.request("GET", "/v1/status").json();
  EXPECT_EQ(status.at("revision").to_number<std::uint64_t>(), static_cast<std::uint64_t>(ok.load()));
  server.stop();
  std::filesystem::remove_all(dir);
}

TEST(Limits, EveryRefusedInputIsCounted) {
  ServerProcess server({"--memory", "--max-value-bytes", "100", "--max-selectors", "2"});
  HttpClient http(server.host(), server.port());
  EXPECT_EQ(error_code(http.request("PUT", "/v1/c/c/k", "\"" + std::string(200, 'x') + "\"")), "value_too_large");
  EXPECT_EQ(error_code(http.request("PUT", "/v1/c/c/k", std::string(70, '[') + std::string(70, ']'))), "too_deep");
  auto long_key = http.request("PUT", "/v1/c/c/" + std::string(1025, 'k'), "1");
  EXPECT_EQ(error_code(long_key), "invalid_key");
  EXPECT_NE(std::string(long_key.json().at("error").at("message").as_string()).find("1025 bytes"), std::string::npos);
  EXPECT_EQ(refusals(server, "value_too_large"), 1u);
  EXPECT_EQ(refusals(server, "too_deep"), 1u);
  EXPECT_EQ(refusals(server, "invalid_key"), 1u);

  StreamClient greedy(server.host(), server.port());
  greedy.hello();
  greedy.subscribe({{"a", ""}, {"b", ""}, {"c", ""}});
  EXPECT_EQ(greedy.wait_closed(5s), hotstate::protocol::close_code::kPolicyViolation);
  StreamClient huge(server.host(), server.port());
  huge.send_bytes(std::vector<std::uint8_t>((1u << 20) + 1, 0));
  EXPECT_EQ(huge.wait_closed(5s), hotstate::protocol::close_code::kTooBig);
  EXPECT_EQ(refusals(server, "invalid_selector"), 1u);
  EXPECT_EQ(refusals(server, "frame_too_large"), 1u);
  EXPECT_EQ(http.request("GET", "/readyz").status, 200);
}

TEST(Limits, TimeoutFlagsAreChecked) {
  auto bad = hotstate::testing::run_command({ServerProcess::server_binary(), "--memory", "--request-timeout-ms", "5"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--request-timeout-ms must be an integer in 100..3600000"), std::string::npos) << bad.err;
  auto zero = hotstate::testing::run_command({ServerProcess::server_binary(), "--memory", "--max-pending-writes", "0"});
  EXPECT_EQ(zero.exit_code, 2);
}
