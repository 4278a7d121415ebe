// TLS end to end: hotstated with --tls-cert/--tls-key, the C++ client and the CLI over
// https:// and wss://, with a throwaway PKI made for each test (test_pki.hpp). Covers what
// a user can get wrong (wrong CA, wrong name, expired or self-signed certificate, http://
// against a TLS port and https:// against a plain one) and what a hostile peer can do
// (garbage instead of a ClientHello, a connection that never handshakes).

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <mutex>
#include <thread>

#include "eventually.hpp"
#include "hotstate/client.hpp"
#include "net/http_client.hpp"
#include "net/tls_client.hpp"
#include "net/url.hpp"
#include "server_process.hpp"
#include "test_client_options.hpp"
#include "test_pki.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

ClientOptions options_for(const std::string& url, const std::string& ca_file) {
  ClientOptions options = test_client_options(url);
  options.ca_file = ca_file;
  options.connect_timeout = 2s;
  options.request_timeout = 5s;
  return options;
}

std::vector<std::string> with(std::vector<std::string> flags, const std::vector<std::string>& more) {
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Waits until the client reports an error containing `part`; returns the last error seen.
std::string error_eventually(const Client& client, const std::string& part) {
  std::string last;
  eventually([&] {
    last = client.status().last_error;
    return contains(last, part);
  });
  return last;
}

// A client that must never get LIVE: it fails with `part` in its error, keeps retrying
// (more than one attempt), and still is not LIVE.
void expect_refused_link(Client& client, const std::string& part) {
  std::string error = error_eventually(client, part);
  EXPECT_TRUE(contains(error, part)) << error;
  EXPECT_TRUE(eventually([&] { return client.status().reconnect_attempts >= 2; }))
      << "the client must keep retrying; attempts: " << client.status().reconnect_attempts;
  EXPECT_NE(client.status().state, LinkState::Live);
  EXPECT_EQ(client.status().connects, 0u) << "no Welcome may ever arrive over an unverified link";
}

// A write must fail with `code`, its message containing `part`.
void expect_write_refused(Client& client, const std::string& code, const std::string& part) {
  try {
    client.put("flags", "k", "1");
    ADD_FAILURE() << "a write went through; expected " << code;
  } catch (const ClientError& e) {
    EXPECT_EQ(e.code(), code);
    EXPECT_TRUE(contains(e.what(), part)) << e.what();
  }
}

// True when the server closes `socket` (EOF or reset) within `limit`.
bool server_closes(tcp::socket& socket, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  char sink[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{socket.native_handle(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(sink), ec);
    if (ec) return true;  // eof or connection reset
  }
}

std::string write_through_cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{ServerProcess::cli_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = run_command(argv);
  return std::to_string(result.exit_code) + " " + result.out + result.err;
}

class TlsTest : public ::testing::Test {
 protected:
  TestPki pki_;
};

}  // namespace

TEST(TlsUrlTest, HttpsAndWssMeanTlsWithPort443ByDefault) {
  auto https = net::parse_server_url("https://example.com");
  EXPECT_TRUE(https.tls);
  EXPECT_EQ(https.port, "443");
  EXPECT_EQ(https.host_header, "example.com");
  auto wss = net::parse_server_url("WSS://[::1]:7700/");
  EXPECT_TRUE(wss.tls);
  EXPECT_EQ(wss.host, "::1");
  EXPECT_EQ(wss.port, "7700");
  auto http = net::parse_server_url("http://example.com");
  EXPECT_FALSE(http.tls);
  EXPECT_EQ(http.port, "80");
  EXPECT_FALSE(net::parse_server_url("ws://127.0.0.1:1").tls);
  EXPECT_THROW(net::parse_server_url("ftp://example.com"), net::UrlError);
}

TEST_F(TlsTest, ClientOverHttpsGoesLiveStreamsChangesAndWrites) {
  std::mutex errors_mutex;  // declared before the clients, whose callbacks use them
  std::vector<std::string> errors;
  ServerProcess server(with(pki_.server_flags(), {"--heartbeat-ms", "100"}));
  Client reader(options_for(server.https_url(), pki_.path("ca.pem")));
  ASSERT_TRUE(reader.wait_ready(10s)) << reader.status().last_error;

  // A second client writes through wss:// (the same thing as https://) by host name.
  Client writer(options_for("wss://localhost:" + std::to_string(server.port()), pki_.path("ca.pem")));
  ASSERT_TRUE(writer.wait_ready(10s)) << writer.status().last_error;
  std::uint64_t revision = writer.put("flags", "dark-mode", R"({"on":true})");
  ASSERT_TRUE(reader.wait_for_revision(revision, 10s));
  EXPECT_EQ(reader.get_json("flags", "dark-mode"), R"({"on":true})");

  std::uint64_t deleted = reader.del("flags", "dark-mode", revision);
  revision = reader.txn(R"({"ops":[{"op":"put","collection":"flags","key":"beta","value":1}]})");
  EXPECT_GT(revision, deleted);
  ASSERT_TRUE(writer.wait_for_revision(revision, 10s));
  EXPECT_EQ(writer.get_json("flags", "dark-mode"), std::nullopt);
  EXPECT_EQ(writer.get_json("flags", "beta"), "1");

  // The stream's close handshake works over TLS too: the client hears "going away" (seen
  // through status callbacks: the next reconnect's error replaces it at once).
  reader.on_status([&](const ClientStatus& status) {
    std::lock_guard lock(errors_mutex);
    errors.push_back(status.last_error);
  });
  server.stop();
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(errors_mutex);
    return std::any_of(errors.begin(), errors.end(), [](const auto& e) { return contains(e, "going_away"); });
  }));
}

TEST_F(TlsTest, DefaultTrustIsTheSystemStoreWhichDoesNotKnowTheTestCa) {
  ServerProcess server(pki_.server_flags());
  Client client(options_for(server.https_url(), ""));
  expect_refused_link(client, "TLS: certificate verify failed for 127.0.0.1: unable to get local issuer certificate");
  expect_write_refused(client, "unavailable", "certificate verify failed");
}

TEST_F(TlsTest, WrongCaIsNeverLiveAndSaysWhy) {
  ServerProcess server(pki_.server_flags());
  Client client(options_for(server.https_url(), pki_.path("other-ca.pem")));
  expect_refused_link(client, "TLS: certificate verify failed for 127.0.0.1: unable to get local issuer certificate");
  expect_write_refused(client, "unavailable", "certificate verify failed");
}

TEST_F(TlsTest, CertificateForAnotherNameIsRefused) {
  ServerProcess server(pki_.server_flags("other-name"));
  Client by_address(options_for(server.https_url(), pki_.path("ca.pem")));
  expect_refused_link(by_address, "TLS: certificate verify failed for 127.0.0.1: IP address mismatch");
  Client by_name(options_for(server.https_url("localhost"), pki_.path("ca.pem")));
  expect_refused_link(by_name, "TLS: certificate verify failed for localhost: hostname mismatch");
}

TEST_F(TlsTest, ExpiredCertificateIsRefused) {
  ServerProcess server(pki_.server_flags("expired"));
  Client client(options_for(server.https_url(), pki_.path("ca.pem")));
  expect_refused_link(client, "certificate has expired");
}

TEST_F(TlsTest, SelfSignedCertificateIsRefused) {
  ServerProcess server(pki_.server_flags("self-signed"));
  Client client(options_for(server.https_url(), pki_.path("ca.pem")));
  expect_refused_link(client, "TLS: certificate verify failed for 127.0.0.1: self-signed certificate");
}

TEST_F(TlsTest, PlainHttpClientAgainstTlsServerIsToldToUseHttps) {
  ServerProcess server(pki_.server_flags());
  Client client(options_for(server.url(), ""));
  expect_refused_link(client, "server refused the stream (HTTP 400): this server only accepts TLS: use https://");
  expect_write_refused(client, "tls_required", "this server only accepts TLS");
}

TEST_F(TlsTest, TlsClientAgainstPlainServerFailsClearly) {
  ServerProcess server;
  Client client(options_for("https://127.0.0.1:" + std::to_string(server.port()), pki_.path("ca.pem")));
  expect_refused_link(client, "TLS handshake with 127.0.0.1 failed");
  EXPECT_TRUE(contains(client.status().last_error, "does not seem to speak TLS")) << client.status().last_error;
}

TEST_F(TlsTest, ServerSurvivesGarbageInsteadOfAClientHello) {
  ServerProcess server(pki_.server_flags());
  asio::io_context io;
  const std::vector<std::string> garbage = {
      std::string("\x16\x03\x01\x00\x05hello, not a handshake", 27),  // looks like TLS, is not
      std::string("\x00\x01\x02\x03\xff\xfe\r\n\r\n", 10),              // binary noise
      "SSH-2.0-OpenSSH_9.2\r\n",                                       // another protocol
  };
  for (const auto& bytes : garbage) {
    tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    asio::write(socket, asio::buffer(bytes));
    EXPECT_TRUE(server_closes(socket, 10s)) << "the server kept a connection that sent garbage";
  }
  Client client(options_for(server.https_url(), pki_.path("ca.pem")));
  ASSERT_TRUE(client.wait_ready(10s)) << client.status().last_error;

  net::HttpClient http(net::parse_server_url(server.https_url()), 5s, net::make_client_tls_context(pki_.path("ca.pem")));
  auto metrics = http.request(net::Method::get, "/metrics");
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_FALSE(contains(metrics.body, "hotstate_tls_handshake_failures_total 0\n")) << "failures were not counted";
  EXPECT_TRUE(contains(metrics.body, "hotstate_tls_handshake_failures_total ")) << metrics.body;
}

TEST_F(TlsTest, ConnectionThatNeverHandshakesIsDropped) {
  ServerProcess server(with(pki_.server_flags(), {"--tls-handshake-timeout-ms", "300"}));
  asio::io_context io;
  tcp::socket silent(io);
  silent.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  EXPECT_TRUE(server_closes(silent, 20s)) << "a client that never handshakes must be dropped";
  Client client(options_for(server.https_url(), pki_.path("ca.pem")));
  EXPECT_TRUE(client.wait_ready(10s)) << client.status().last_error;
}

TEST_F(TlsTest, ClientSendsServerNameForHostNamesOnly) {
  // A one-connection TLS server of our own, to see the SNI the client sent.
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.use_certificate_chain_file(pki_.path("server.pem"));
  context.use_private_key_file(pki_.path("server.key"), asio::ssl::context::pem);
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto serve_one = [&](std::string& sni) {
    try {
      asio::ssl::stream<tcp::socket> stream(acceptor.accept(), context);
      stream.handshake(asio::ssl::stream_base::server);
      const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      sni = name ? name : "<none>";
      boost::beast::flat_buffer buffer;
      boost::beast::http::request<boost::beast::http::string_body> request;
      boost::beast::http::read(stream, buffer, request);
      boost::beast::http::response<boost::beast::http::string_body> response{boost::beast::http::status::ok, 11};
      response.body() = "{}";
      response.keep_alive(false);
      response.prepare_payload();
      boost::beast::http::write(stream, response);
    } catch (const std::exception& e) {
      sni = std::string("<server failed: ") + e.what() + ">";
    }
  };

  auto ca = net::make_client_tls_context(pki_.path("ca.pem"));
  std::string port = std::to_string(acceptor.local_endpoint().port());
  for (const auto& [host, expected] : {std::pair{"localhost", "localhost"}, std::pair{"127.0.0.1", "<none>"}}) {
    std::string sni;
    std::jthread server([&] { serve_one(sni); });
    net::HttpClient client(net::parse_server_url("https://" + std::string(host) + ":" + port), 5s, ca);
    EXPECT_NO_THROW(EXPECT_EQ(client.request(net::Method::get, "/v1/status").status, 200u));
    server.join();
    EXPECT_EQ(sni, expected) << host;
  }
}

TEST_F(TlsTest, CliSpeaksHttpsWithCaFile) {
  ServerProcess server(pki_.server_flags());
  std::string url = server.https_url();
  EXPECT_EQ(write_through_cli({"--url", url, "--ca-file", pki_.path("ca.pem"), "put", "flags", "a", "1"})
                .substr(0, 2), "0 ");
  std::string got = write_through_cli({"--url", url, "--ca-file", pki_.path("ca.pem"), "get", "flags", "a"});
  EXPECT_EQ(got.substr(0, 2), "0 ") << got;
  std::string unverified = write_through_cli({"--url", url, "get", "flags", "a"});
  EXPECT_EQ(unverified.substr(0, 2), "5 ") << unverified;
  EXPECT_TRUE(contains(unverified, "certificate verify failed")) << unverified;
  std::string missing = write_through_cli({"--url", url, "--ca-file", "/nonexistent/ca.pem", "status"});
  EXPECT_EQ(missing.substr(0, 2), "2 ") << missing;
  EXPECT_TRUE(contains(missing, "/nonexistent/ca.pem")) << missing;
  std::string snapshot = write_through_cli(
      {"--url", url, "--ca-file", pki_.path("ca.pem"), "snapshot", "--collection", "flags"});
  EXPECT_EQ(snapshot.substr(0, 2), "0 ") << snapshot;
  EXPECT_TRUE(contains(snapshot, R"("key":"a")")) << snapshot;
}

TEST_F(TlsTest, BadCaFileIsRefusedWhenTheClientIsMade) {
  for (const std::string& ca_file : {std::string("/nonexistent/ca.pem"), pki_.path("server.key")}) {
    try {
      Client client(options_for("https://127.0.0.1:1", ca_file));
      ADD_FAILURE() << ca_file << " accepted";
    } catch (const ClientError& e) {
      EXPECT_EQ(e.code(), "invalid_argument");
      EXPECT_TRUE(contains(e.what(), ca_file)) << e.what();
    }
  }
}

TEST_F(TlsTest, ServerRefusesUnusableCertificateFlagsAtStartup) {
  struct Case {
    std::vector<std::string> flags;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--tls-cert", pki_.path("server.pem")}, 2, "--tls-cert and --tls-key go together"},
      {{"--tls-key", pki_.path("server.key")}, 2, "--tls-cert and --tls-key go together"},
      {{"--tls-cert", "/nonexistent/cert.pem", "--tls-key", pki_.path("server.key")}, 1,
       "--tls-cert /nonexistent/cert.pem: cannot read: No such file or directory"},
      {{"--tls-cert", pki_.path("server.pem"), "--tls-key", "/nonexistent/key.pem"}, 1,
       "--tls-key /nonexistent/key.pem: cannot read"},
      {{"--tls-cert", pki_.path("server.key"), "--tls-key", pki_.path("server.key")}, 1,
       "no PEM certificate could be read"},
      {{"--tls-cert", pki_.path("server.pem"), "--tls-key", pki_.path("server.pem")}, 1,
       "no unencrypted PEM private key could be read"},
      {{"--tls-cert", pki_.path("server.pem"), "--tls-key", pki_.path("other-name.key")}, 1,
       "does not belong to the certificate"},
  };
  for (const auto& c : cases) {
    // `timeout`: should hotstated start after all, the test fails instead of hanging.
    std::vector<std::string> argv{"/usr/bin/timeout", "20", ServerProcess::server_binary(), "--memory",
                                  "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    CommandResult result = run_command(argv);
    SCOPED_TRACE(c.message);
    EXPECT_EQ(result.exit_code, c.exit_code) << result.err;
    EXPECT_TRUE(contains(result.err, c.message)) << result.err;
    EXPECT_FALSE(contains(result.out, "listening on")) << result.out;
  }
}
