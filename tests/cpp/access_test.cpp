// API tokens and scopes (docs/security.md): the policy on its own, then enforced by a real
// hotstated on every HTTP route and on the stream, for raw peers and for the C++ client.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <hotstate/client.hpp>
#include <hotstate/protocol.hpp>
#include <string>

#include "eventually.hpp"
#include "http_client.hpp"
#include "server/access.hpp"
#include "server_process.hpp"
#include "stream_client.hpp"

namespace json = boost::json;
using hotstate::server::Access;
using hotstate::server::AccessConfigError;
using hotstate::server::AccessPolicy;
using hotstate::server::bearer_token;
using hotstate::server::collection_matches;
using hotstate::testing::eventually;
using hotstate::testing::HttpClient;
using hotstate::testing::run_command;
using hotstate::testing::ServerProcess;
using hotstate::testing::StreamClient;
using namespace std::chrono_literals;

namespace {

// 32+ characters each, as `openssl rand -hex 16` would give.
const std::string kReader = "reader-0123456789abcdef0123456789";
const std::string kWriter = "writer-0123456789abcdef0123456789";
const std::string kAdmin = "admin-0123456789abcdef0123456789a";

std::string write_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("hotstate-access-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}

AccessPolicy policy_from_file(const std::string& text) {
  std::string path = write_file("auth.json", text);
  try {
    AccessPolicy policy = AccessPolicy::load(path, {});
    std::filesystem::remove(path);
    return policy;
  } catch (...) {
    std::filesystem::remove(path);
    throw;
  }
}

// The message of the AccessConfigError `load` throws ("" when it does not throw).
std::string load_error(const std::string& file_text, const std::vector<std::string>& flags = {}) {
  try {
    if (file_text.empty())
      AccessPolicy::load("", flags);
    else
      policy_from_file(file_text);
  } catch (const AccessConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---- the policy ------------------------------------------------------------------------

TEST(AccessPolicy, PatternsMatchWholeCollectionNames) {
  EXPECT_TRUE(collection_matches("flags", "flags"));
  EXPECT_FALSE(collection_matches("flags", "flags2"));
  EXPECT_FALSE(collection_matches("flags", "flag"));
  EXPECT_TRUE(collection_matches("flags.*", "flags.web"));
  EXPECT_FALSE(collection_matches("flags.*", "flags"));
  EXPECT_TRUE(collection_matches("*", "anything"));
  EXPECT_TRUE(collection_matches("*.prod", "billing.prod"));
  EXPECT_FALSE(collection_matches("*.prod", "billing.prod.old"));
  EXPECT_TRUE(collection_matches("a*b*c", "a-xx-b-yy-c"));
  EXPECT_FALSE(collection_matches("a*b*c", "a-xx-c-yy-b"));
}

TEST(AccessPolicy, BearerTokenIsTakenFromTheHeader) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token(""), "");
}

TEST(AccessPolicy, FileGrantsReadWriteAndAdminByPattern) {
  AccessPolicy policy = policy_from_file(R"({"tokens":[
    {"name":"web","secret":")" + kReader + R"(","scopes":[{"access":"read","collections":["flags","config.*"]}]},
    {"name":"deploy","secret":")" + kWriter + R"(","scopes":[{"access":["read","write"],"collections":"flags"}]},
    {"name":"ops","secret":")" + kAdmin + R"(","scopes":[{"access":"admin"}]}]})");
  EXPECT_FALSE(policy.open());
  EXPECT_EQ(policy.size(), 3u);
  const auto* web = policy.authenticate(kReader);
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->name, "web");
  EXPECT_TRUE(web->may(Access::read, "flags"));
  EXPECT_TRUE(web->may(Access::read, "config.eu"));
  EXPECT_FALSE(web->may(Access::read, "billing"));
  EXPECT_FALSE(web->may(Access::write, "flags"));
  EXPECT_FALSE(web->is_admin());
  const auto* deploy = policy.authenticate(kWriter);
  ASSERT_NE(deploy, nullptr);
  EXPECT_TRUE(deploy->may(Access::write, "flags"));
  EXPECT_FALSE(deploy->may(Access::write, "config.eu"));
  const auto* ops = policy.authenticate(kAdmin);
  ASSERT_NE(ops, nullptr);
  EXPECT_TRUE(ops->is_admin());
  EXPECT_TRUE(ops->may(Access::write, "billing"));
  EXPECT_EQ(policy.authenticate("nope-0123456789abcdef0123456789"), nullptr);
  EXPECT_EQ(policy.authenticate(""), nullptr);
  EXPECT_EQ(policy.authenticate(kReader.substr(1)), nullptr);
}

TEST(AccessPolicy, FileMayHoldOnlyTheDigest) {
  // What docs/security.md tells users to run: printf %s TOKEN | sha256sum
  auto digest = run_command({"/bin/sh", "-c", "printf %s '" + kReader + "' | sha256sum"});
  ASSERT_EQ(digest.exit_code, 0);
  std::string hex = digest.out.substr(0, 64);
  AccessPolicy policy = policy_from_file(R"({"tokens":[{"name":"web","sha256":")" + hex +
                                         R"(","scopes":[{"access":"read","collections":"*"}]}]})");
  ASSERT_NE(policy.authenticate(kReader), nullptr);
  EXPECT_EQ(policy.authenticate(kWriter), nullptr);
}

TEST(AccessPolicy, FlagsDeclareTokens) {
  AccessPolicy policy =
      AccessPolicy::load("", {"web=" + kReader + ":read@flags,config.*", "ops=" + kAdmin + ":admin",
                              "deploy=" + kWriter + ":read+write@flags;read@config.*"});
  ASSERT_EQ(policy.size(), 3u);
  EXPECT_TRUE(policy.authenticate(kReader)->may(Access::read, "config.x"));
  EXPECT_TRUE(policy.authenticate(kAdmin)->is_admin());
  const auto* deploy = policy.authenticate(kWriter);
  EXPECT_TRUE(deploy->may(Access::write, "flags"));
  EXPECT_TRUE(deploy->may(Access::read, "config.x"));
  EXPECT_FALSE(deploy->may(Access::write, "config.x"));
}

TEST(AccessPolicy, BadConfigurationIsRefusedWithTheReason) {
  EXPECT_NE(load_error("{not json"), "");
  EXPECT_NE(load_error(R"({"tokens":[],"extra":1})").find("unknown field \"extra\""), std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":"short","scopes":[{"access":"admin"}]}]})")
                .find("at least 16"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":")" + kReader + R"(","sha256":"00","scopes":[{"access":"admin"}]}]})")
                .find("exactly one"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","sha256":"xyz","scopes":[{"access":"admin"}]}]})").find("64 hexadecimal"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":")" + kReader + R"(","scopes":[{"access":"read"}]}]})")
                .find("needs \"collections\""),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":")" + kReader + R"(","scopes":[{"access":"delete","collections":"x"}]}]})")
                .find("unknown access \"delete\""),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":")" + kReader + R"(","scopes":[{"access":"read","collections":"bad/name"}]}]})")
                .find("not a collection pattern"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":")" + kReader + R"(","scopes":[{"access":"admin"}]},
                                     {"name":"a","secret":")" + kWriter + R"(","scopes":[{"access":"admin"}]}]})")
                .find("used twice"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tokens":[{"name":"a","secret":")" + kReader + R"(","scopes":[{"access":"admin"}]},
                                     {"name":"b","secret":")" + kReader + R"(","scopes":[{"access":"admin"}]}]})")
                .find("same token as \"a\""),
            std::string::npos);
  EXPECT_NE(load_error("", {"no-equals-sign"}).find("NAME=SECRET:SCOPE"), std::string::npos);
  std::string message = load_error("", {"web=tooshort:read@x"});
  EXPECT_NE(message.find("at least 16"), std::string::npos);
  EXPECT_EQ(message.find("tooshort"), std::string::npos) << "the secret must not be echoed";
  EXPECT_NE(load_error("", {"web=" + kReader + ":read"}).find("needs \"collections\""), std::string::npos);
  try {
    AccessPolicy::load("/nonexistent/auth.json", {});
    ADD_FAILURE() << "a missing auth file must be refused";
  } catch (const AccessConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read the auth file /nonexistent/auth.json"), std::string::npos);
  }
}

// ---- enforced by hotstated -------------------------------------------------------------

namespace {

class AccessServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--memory", "--token", "web=" + kReader + ":read@flags,config.*", "--token",
        "deploy=" + kWriter + ":read+write@flags", "--token", "ops=" + kAdmin + ":admin"});
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  }

  hotstate::testing::HttpResponse as(const std::string& token, const std::string& verb, const std::string& target,
                                     const std::string& body = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http_->request(verb, target, body, headers);
  }

  std::uint64_t revision() { return as(kAdmin, "GET", "/v1/status").json().at("revision").to_number<std::uint64_t>(); }

  std::string error_code(const hotstate::testing::HttpResponse& response) {
    return std::string(response.json().at("error").at("code").as_string());
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace

TEST_F(AccessServer, HttpNeedsAValidTokenAnd401SaysHow) {
  auto missing = as("", "GET", "/v1/c/flags/a");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(error_code(missing), "unauthorized");
  EXPECT_EQ(missing.header("WWW-Authenticate"), R"(Bearer realm="hotstate")");
  auto wrong = as("wrong-0123456789abcdef0123456789", "PUT", "/v1/c/flags/a", "1");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(error_code(wrong), "unauthorized");
  EXPECT_EQ(as("", "GET", "/metrics").status, 401u);
  EXPECT_EQ(as("", "GET", "/v1/status").status, 401u);
  // Probes answer everyone.
  EXPECT_EQ(as("", "GET", "/healthz").status, 200u);
  EXPECT_EQ(as("", "GET", "/readyz").status, 200u);
  EXPECT_EQ(as(kReader, "GET", "/v1/status").status, 200u);
}

TEST_F(AccessServer, ScopesDecideEachRouteAnd403NamesWhatIsMissing) {
  EXPECT_EQ(as(kWriter, "PUT", "/v1/c/flags/a", "true").status, 200u);
  std::uint64_t before = revision();

  auto read_only = as(kReader, "PUT", "/v1/c/flags/a", "false");
  EXPECT_EQ(read_only.status, 403u);
  EXPECT_EQ(error_code(read_only), "forbidden");
  EXPECT_NE(std::string(read_only.json().at("error").at("message").as_string()).find(R"(token "web" may not write collection "flags")"),
            std::string::npos);
  EXPECT_EQ(as(kReader, "DELETE", "/v1/c/flags/a").status, 403u);
  EXPECT_EQ(as(kReader, "GET", "/v1/c/flags/a").status, 200u);
  EXPECT_EQ(as(kReader, "GET", "/v1/c/flags").status, 200u);
  EXPECT_EQ(as(kReader, "GET", "/v1/c/billing/a").status, 403u);
  EXPECT_EQ(as(kReader, "GET", "/v1/c/billing").status, 403u);
  EXPECT_EQ(as(kWriter, "PUT", "/v1/c/billing/a", "1").status, 403u);

  // A transaction needs write on every op and read on every condition; refused whole.
  auto mixed = as(kWriter, "POST", "/v1/txn",
                  R"({"ops":[{"op":"put","collection":"flags","key":"b","value":1},
                             {"op":"put","collection":"billing","key":"b","value":1}]})");
  EXPECT_EQ(mixed.status, 403u);
  auto condition = as(kWriter, "POST", "/v1/txn",
                      R"({"if":[{"collection":"config.eu","key":"x","mod_revision":0}],
                          "ops":[{"op":"put","collection":"flags","key":"b","value":1}]})");
  EXPECT_EQ(condition.status, 403u);
  EXPECT_NE(std::string(condition.json().at("error").at("message").as_string()).find("may not read collection \"config.eu\""),
            std::string::npos);
  EXPECT_EQ(revision(), before) << "a refused request changes nothing";

  // Export and import are admin only.
  EXPECT_EQ(as(kWriter, "GET", "/v1/export").status, 403u);
  EXPECT_EQ(as(kWriter, "POST", "/v1/import", "").status, 403u);
  EXPECT_EQ(as(kAdmin, "GET", "/v1/export").status, 200u);
  EXPECT_EQ(as(kAdmin, "PUT", "/v1/c/billing/a", "1").status, 200u);

  std::string metrics = as(kAdmin, "GET", "/metrics").body;
  EXPECT_NE(metrics.find(R"(hotstate_refusals_total{reason="forbidden"} 9)"), std::string::npos) << metrics;
}

TEST_F(AccessServer, StreamHelloNeedsAValidToken) {
  StreamClient anonymous(server_->host(), server_->port());
  anonymous.send(hotstate::protocol::encode_hello("test", ""));
  auto error = anonymous.next_of(hotstate::wire::Message::Error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->frame().message_as_Error()->code()->str(), "unauthorized");
  EXPECT_EQ(anonymous.wait_closed(), hotstate::protocol::close_code::kUnauthorized);

  StreamClient wrong(server_->host(), server_->port());
  wrong.send(hotstate::protocol::encode_hello("test", "wrong-0123456789abcdef0123456789"));
  EXPECT_EQ(wrong.wait_closed(), hotstate::protocol::close_code::kUnauthorized);
}

TEST_F(AccessServer, StreamSubscribeBeyondTheReadScopeIsRefused) {
  ASSERT_EQ(as(kAdmin, "PUT", "/v1/c/flags/a", "1").status, 200u);
  StreamClient web(server_->host(), server_->port());
  web.send(hotstate::protocol::encode_hello("test", kReader));
  ASSERT_TRUE(web.next_of(hotstate::wire::Message::Welcome));
  web.subscribe({{"flags", ""}, {"billing", ""}});
  auto error = web.next_of(hotstate::wire::Message::Error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->frame().message_as_Error()->code()->str(), "forbidden");
  EXPECT_EQ(error->frame().message_as_Error()->message()->str(), R"(token "web" may not read collection "billing")");
  EXPECT_EQ(web.wait_closed(), hotstate::protocol::close_code::kForbidden);

  StreamClient allowed(server_->host(), server_->port());
  allowed.send(hotstate::protocol::encode_hello("test", kReader));
  ASSERT_TRUE(allowed.next_of(hotstate::wire::Message::Welcome));
  allowed.subscribe({{"flags", ""}, {"config.eu", ""}});
  EXPECT_TRUE(allowed.sync_to(revision()));
  EXPECT_EQ(allowed.replica().size(), 1u);
}

TEST_F(AccessServer, CppClientSendsItsTokenOnTheStreamAndOnWrites) {
  hotstate::ClientOptions options;
  options.urls = {server_->url()};
  options.selectors = {{"flags", ""}};
  options.token = kWriter;
  hotstate::Client client(options);
  ASSERT_TRUE(client.wait_ready(20s)) << client.status().last_error;
  std::uint64_t revision = client.put("flags", "beta", "true");
  ASSERT_TRUE(client.wait_for_revision(revision, 20s));
  ASSERT_NE(client.get("flags", "beta"), nullptr);
  try {
    client.put("billing", "x", "1");
    FAIL() << "a write outside the token's scope must be refused";
  } catch (const hotstate::ClientError& e) {
    EXPECT_EQ(e.code(), "forbidden");
    EXPECT_EQ(e.http_status(), 403);
  }
}

TEST_F(AccessServer, CppClientWithoutAllowedTokenSaysWhyInStatus) {
  hotstate::ClientOptions no_token;
  no_token.urls = {server_->url()};
  no_token.selectors = {{"flags", ""}};
  no_token.backoff_initial = 50ms;
  hotstate::Client anonymous(no_token);
  EXPECT_TRUE(eventually([&] { return anonymous.status().last_error.find("unauthorized") != std::string::npos; }))
      << anonymous.status().last_error;
  EXPECT_NE(anonymous.status().state, hotstate::LinkState::Live);

  hotstate::ClientOptions beyond = no_token;
  beyond.token = kReader;
  beyond.selectors = {{"billing", ""}};
  hotstate::Client web(beyond);
  EXPECT_TRUE(eventually([&] {
    return web.status().last_error.find(R"(forbidden: token "web" may not read collection "billing")") != std::string::npos;
  })) << web.status().last_error;
}

TEST_F(AccessServer, CliReadsItsTokenFromTheEnvironment) {
  auto cli = [&](const std::string& token, const std::string& args) {
    return run_command({"/bin/sh", "-c",
                        "HOTSTATE_TOKEN='" + token + "' '" + ServerProcess::cli_binary() + "' --url " + server_->url() +
                            " " + args});
  };
  EXPECT_EQ(cli(kWriter, "put flags cli 1").exit_code, 0);
  auto refused = cli(kReader, "put flags cli 2");
  EXPECT_EQ(refused.exit_code, 6);
  EXPECT_NE(refused.err.find("forbidden"), std::string::npos) << refused.err;
  EXPECT_EQ(cli("", "get flags cli").exit_code, 6);
}

TEST(AccessServerStart, NoTokensMeansLoopbackOnly) {
  auto refused = run_command({ServerProcess::server_binary(), "--memory", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("refusing to listen on 0.0.0.0 without API tokens"), std::string::npos) << refused.err;

  auto bad = run_command({ServerProcess::server_binary(), "--memory", "--token", "web=short:read@x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("at least 16 characters"), std::string::npos) << bad.err;
}
