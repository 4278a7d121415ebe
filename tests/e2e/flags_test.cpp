// Flags evaluated locally (docs/flags.md), end to end: flag records written to a real
// hotstated, replicated, compiled on arrival and evaluated in the client — reasons and
// error codes, the `record` operator over other collections, broken flags, change
// listeners, the replica's freshness in the reason, and the server's write-time checks.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "eventually.hpp"
#include "hotstate/client.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "stable_port.hpp"
#include "temp_dir.hpp"
#include "test_client_options.hpp"

using namespace hotstate;
using namespace hotstate::testing;
using namespace std::chrono_literals;

namespace {

constexpr const char* kFlags = R"({
  "new-checkout": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
    "targeting": {"if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "on", null]}},
  "banner": {"state": "ENABLED", "variants": {"red": "#f00", "blue": "#00f"}, "defaultVariant": "red",
    "metadata": {"owner": "web", "version": 3}},
  "max-items": {"state": "ENABLED", "variants": {"small": 10, "big": 100, "half": 2.5}, "defaultVariant": "small",
    "targeting": {"if": [{"==": [{"var": "plan"}, "pro"]}, "big", {"==": [{"var": "plan"}, "odd"]}, "half", null]}},
  "kill-switch": {"state": "DISABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
  "sso": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
    "targeting": {"if": [{"record": ["plans", {"var": "account.plan"}, "features.sso"]}, "on", "off"]}},
  "seats-left": {"state": "ENABLED", "variants": {"yes": true, "no": false}, "defaultVariant": "no",
    "targeting": {"if": [{"<": [{"var": "account.seats"},
                                 {"record": ["plans", {"var": "account.plan"}, "limits.seats"]}]}, "yes", "no"]}},
  "rollout": {"state": "ENABLED", "variants": {"new": "new", "old": "old"}, "defaultVariant": "old",
    "targeting": {"fractional": [["new", 50], ["old", 50]]}}
})";

constexpr const char* kPlans = R"({
  "free": {"features": {"sso": false}, "limits": {"seats": 3}},
  "enterprise": {"features": {"sso": true}, "limits": {"seats": 1000}}
})";

class Flags : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--memory", "--heartbeat-ms", "100"});
    server_ = std::make_unique<ServerProcess>(args);
    http_ = std::make_unique<HttpClient>(server_->host(), server_->port());
  }
  // Writes every entry of a JSON object as a record of `collection`, in one transaction.
  std::uint64_t put_all(const std::string& collection, const std::string& object_json) {
    auto object = boost::json::parse(object_json).as_object();
    boost::json::array ops;
    for (const auto& [key, value] : object)
      ops.push_back({{"op", "put"}, {"collection", collection}, {"key", key}, {"value", value}});
    auto r = http_->request("POST", "/v1/txn", boost::json::serialize(boost::json::object{{"ops", ops}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json().at("revision").to_number<std::uint64_t>() : 0;
  }
  std::uint64_t put(const std::string& c, const std::string& k, const std::string& v, int expect = 200) {
    auto r = http_->request("PUT", "/v1/c/" + c + "/" + k, v);
    EXPECT_EQ(r.status, expect) << r.body;
    return r.status == 200 ? r.json().at("revision").to_number<std::uint64_t>() : 0;
  }
  std::unique_ptr<Client> open_client(ClientOptions options) {
    auto client = std::make_unique<Client>(std::move(options));
    EXPECT_TRUE(client->wait_ready(10s)) << client->status().last_error;
    return client;
  }
  ClientOptions flag_options() {
    auto options = test_client_options(server_->url(), {{"plans", ""}});
    options.flag_collections = {"flags"};
    return options;
  }
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace

// The reasons and error codes of OpenFeature, each from the case that produces it, and
// the caller's default whenever the flag cannot give a value.
TEST_F(Flags, EvaluatesFromTheReplicaWithOpenFeatureReasonsAndErrors) {
  start();
  put_all("flags", kFlags);
  auto client = open_client(flag_options());

  EvalContext ann;
  ann.targeting_key("ann").set("email", "ann@example.com").set("plan", "pro");
  auto checkout = client->evaluate_bool("flags", "new-checkout", false, ann);
  EXPECT_TRUE(checkout.value);
  EXPECT_EQ(checkout.details.variant(), "on");
  EXPECT_EQ(checkout.details.reason, FlagReason::TargetingMatch);
  EXPECT_EQ(checkout.details.error, FlagErrorCode::None);

  EvalContext bob;
  bob.targeting_key("bob").set("email", "bob@other.org");
  auto fallthrough = client->evaluate_bool("flags", "new-checkout", true, bob);
  EXPECT_FALSE(fallthrough.value) << "null from targeting: the default variant";
  EXPECT_EQ(fallthrough.details.reason, FlagReason::Default);

  auto banner = client->evaluate_string("flags", "banner", "none");
  EXPECT_EQ(banner.value, "#f00");
  EXPECT_EQ(banner.details.reason, FlagReason::Static);
  EXPECT_EQ(banner.details.metadata_json(), R"({"owner":"web","version":3})");
  ASSERT_EQ(banner.details.metadata().size(), 2u);

  EXPECT_EQ(client->evaluate_int("flags", "max-items", 1, ann).value, 100);
  EXPECT_EQ(client->evaluate_double("flags", "max-items", 1, ann).value, 100.0);
  EvalContext odd;
  odd.set("plan", "odd");
  auto fraction = client->evaluate_int("flags", "max-items", 7, odd);
  EXPECT_EQ(fraction.value, 7) << "2.5 is no integer: the caller's default";
  EXPECT_EQ(fraction.details.error, FlagErrorCode::TypeMismatch);
  EXPECT_EQ(client->evaluate_double("flags", "max-items", 7, odd).value, 2.5);

  auto mistyped = client->evaluate_string("flags", "new-checkout", "fallback", ann);
  EXPECT_EQ(mistyped.value, "fallback");
  EXPECT_EQ(mistyped.details.error, FlagErrorCode::TypeMismatch);
  EXPECT_EQ(mistyped.details.reason, FlagReason::Error);

  auto missing = client->evaluate_bool("flags", "no-such-flag", true);
  EXPECT_TRUE(missing.value);
  EXPECT_EQ(missing.details.error, FlagErrorCode::FlagNotFound);
  EXPECT_NE(missing.details.error_message.find("no-such-flag"), std::string::npos);

  auto disabled = client->evaluate_bool("flags", "kill-switch", false);
  EXPECT_FALSE(disabled.value) << "a disabled flag gives the caller's default";
  EXPECT_EQ(disabled.details.reason, FlagReason::Disabled);

  auto elsewhere = client->evaluate_bool("plans", "free", true);
  EXPECT_TRUE(elsewhere.value);
  EXPECT_EQ(elsewhere.details.error, FlagErrorCode::General) << "plans is not a flag collection";
  EXPECT_NE(elsewhere.details.error_message.find("flag_collections"), std::string::npos);

  auto not_object = client->evaluate_object("flags", "banner", "{}");
  EXPECT_EQ(not_object.value, "{}") << "a string flag is no object flag";
  EXPECT_EQ(not_object.details.error, FlagErrorCode::TypeMismatch);
}

// A fractional rollout buckets by targeting key: the same key always gets the same
// variant, and two halves of many keys come out near half each.
TEST_F(Flags, FractionalRolloutIsStablePerKeyAndSplitsTheKeys) {
  start();
  put_all("flags", kFlags);
  auto client = open_client(flag_options());
  int fresh = 0;
  for (int i = 0; i < 2000; ++i) {
    EvalContext user;
    user.targeting_key("user-" + std::to_string(i));
    auto first = client->evaluate_string("flags", "rollout", "?", user);
    ASSERT_EQ(first.details.error, FlagErrorCode::None) << first.details.error_message;
    ASSERT_EQ(first.details.reason, FlagReason::Split);
    ASSERT_EQ(client->evaluate_string("flags", "rollout", "?", user).value, first.value);
    fresh += first.value == "new";
  }
  EXPECT_GT(fresh, 850);
  EXPECT_LT(fresh, 1150);
}

// Entitlements and limits: one local call reads the account's plan record.
TEST_F(Flags, TheRecordOperatorReadsOtherCollectionsOfTheReplica) {
  start();
  put_all("flags", kFlags);
  put_all("plans", kPlans);
  auto client = open_client(flag_options());

  EvalContext free_account, enterprise;
  free_account.set_json("account", R"({"plan": "free", "seats": 3})");
  enterprise.set_json("account", R"({"plan": "enterprise", "seats": 3})");
  EXPECT_FALSE(client->evaluate_bool("flags", "sso", true, free_account).value);
  EXPECT_TRUE(client->evaluate_bool("flags", "sso", false, enterprise).value);
  EXPECT_FALSE(client->evaluate_bool("flags", "seats-left", true, free_account).value) << "3 seats of 3 used";
  EXPECT_TRUE(client->evaluate_bool("flags", "seats-left", false, enterprise).value);

  // The plan changes on the server; the next local evaluation sees it.
  auto revision = put("plans", "free", R"({"features": {"sso": true}, "limits": {"seats": 5}})");
  ASSERT_TRUE(client->wait_for_revision(revision, 10s));
  EXPECT_TRUE(client->evaluate_bool("flags", "sso", false, free_account).value);
  EXPECT_TRUE(client->evaluate_bool("flags", "seats-left", false, free_account).value);

  EvalContext unknown_plan;
  unknown_plan.set_json("account", R"({"plan": "gold"})");
  auto none = client->evaluate_bool("flags", "sso", true, unknown_plan);
  EXPECT_FALSE(none.value) << "no such plan record: the rule's else branch";
  EXPECT_EQ(none.details.error, FlagErrorCode::None);
}

// A flag record that does not compile is reported and evaluates to the default with
// PARSE_ERROR; it never crashes anything, and fixing it clears the report.
TEST_F(Flags, ABrokenFlagIsReportedAndEvaluatesToTheDefaultWithParseError) {
  start();
  put_all("flags", kFlags);
  auto client = open_client(flag_options());
  auto revision = put("flags", "broken",
                      R"({"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a",
                          "targeting": {"no_such_operator": [1, 2]}})");
  ASSERT_TRUE(client->wait_for_revision(revision, 10s));
  auto broken = client->evaluate_int("flags", "broken", 42);
  EXPECT_EQ(broken.value, 42);
  EXPECT_EQ(broken.details.error, FlagErrorCode::ParseError);
  EXPECT_EQ(broken.details.reason, FlagReason::Error);
  EXPECT_NE(broken.details.error_message.find("no_such_operator"), std::string::npos) << broken.details.error_message;
  EXPECT_EQ(client->status().flag_errors, 1u);
  auto problems = client->flag_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].collection, "flags");
  EXPECT_EQ(problems[0].key, "broken");

  // Other flags are unaffected; a fix clears the report.
  EXPECT_EQ(client->evaluate_string("flags", "banner", "").value, "#f00");
  revision = put("flags", "broken", R"({"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"})");
  ASSERT_TRUE(client->wait_for_revision(revision, 10s));
  EXPECT_EQ(client->evaluate_int("flags", "broken", 42).value, 1);
  EXPECT_EQ(client->status().flag_errors, 0u);
  EXPECT_TRUE(client->flag_problems().empty());

  // A $ref to an evaluator that is missing, then supplied.
  revision = put("flags", "uses-ref", R"({"state": "ENABLED", "variants": {"y": true, "n": false},
      "defaultVariant": "n", "targeting": {"if": [{"$ref": "is_staff"}, "y", "n"]}})");
  ASSERT_TRUE(client->wait_for_revision(revision, 10s));
  EXPECT_EQ(client->evaluate_bool("flags", "uses-ref", false).details.error, FlagErrorCode::ParseError);
  revision = put("flags", "$evaluators", R"({"is_staff": {"ends_with": [{"var": "email"}, "@corp.com"]}})");
  ASSERT_TRUE(client->wait_for_revision(revision, 10s));
  EvalContext staff;
  staff.set("email", "eve@corp.com");
  auto with_ref = client->evaluate_bool("flags", "uses-ref", false, staff);
  EXPECT_EQ(with_ref.details.error, FlagErrorCode::None) << with_ref.details.error_message;
  EXPECT_TRUE(with_ref.value);
}

// A listener hears about changes of the flag's result for its context, and only those.
TEST_F(Flags, AFlagListenerFiresOnlyWhenTheResultForItsContextChanges) {
  start();
  put_all("flags", kFlags);
  put_all("plans", kPlans);
  auto client = open_client(flag_options());
  std::mutex mutex;
  std::vector<std::string> heard;
  EvalContext account;
  account.set_json("account", R"({"plan": "free", "seats": 1})");
  client->on_flag_change("flags", "sso", account, [&](const FlagEvaluation& e) {
    std::lock_guard lock(mutex);
    heard.push_back(std::string(e.variant()));
  });
  auto count = [&] {
    std::lock_guard lock(mutex);
    return heard.size();
  };
  // Unrelated writes, another flag, a plan this account is not on, the same value again.
  std::uint64_t revision = put("flags", "banner", R"({"state": "ENABLED", "variants": {"x": 1}, "defaultVariant": "x"})");
  revision = put("plans", "enterprise", R"({"features": {"sso": false}, "limits": {"seats": 9}})");
  revision = put("plans", "free", R"({"features": {"sso": false}, "limits": {"seats": 4}})");
  ASSERT_TRUE(client->wait_for_revision(revision, 10s));
  // A marker write whose callback must come after every one above (revision order).
  std::atomic<bool> marker{false};
  client->on_change({.collection = "plans", .key = "marker"}, [&](const ChangeBatch&) { marker = true; });
  revision = put("plans", "marker", "1");
  ASSERT_TRUE(eventually([&] { return marker.load(); }));
  EXPECT_EQ(count(), 0u);

  // The account's plan gains SSO: one call with the new variant.
  put("plans", "free", R"({"features": {"sso": true}, "limits": {"seats": 4}})");
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  // The flag itself changes so the result flips back.
  put("flags", "sso", R"({"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off"})");
  ASSERT_TRUE(eventually([&] { return count() == 2; }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(heard, (std::vector<std::string>{"on", "off"}));
}

// While the server is gone, successful evaluations say STALE; a client that only has its
// offline cache says CACHED; one with nothing says PROVIDER_NOT_READY.
TEST_F(Flags, TheReasonTellsWhenTheReplicaIsNotLive) {
  start();
  put_all("flags", kFlags);
  TempDir dir("flags-cache");
  std::filesystem::create_directories(dir.path());
  auto options = flag_options();
  options.cache_path = (dir.path() / "flags.cache").string();
  {
    auto client = open_client(options);
    EXPECT_EQ(client->evaluate_string("flags", "banner", "").details.reason, FlagReason::Static);
    server_->stop();
    ASSERT_TRUE(eventually([&] { return client->evaluate_string("flags", "banner", "").details.reason == FlagReason::Stale; }));
    EXPECT_EQ(client->evaluate_string("flags", "banner", "").value, "#f00") << "last-known state keeps answering";
    auto missing = client->evaluate_bool("flags", "no-such-flag", true);
    EXPECT_EQ(missing.details.reason, FlagReason::Error) << "errors keep their own reason";
  }
  Client from_cache(options);  // the server is down: only the cache
  auto cached = from_cache.evaluate_string("flags", "banner", "");
  EXPECT_EQ(cached.value, "#f00");
  EXPECT_EQ(cached.details.reason, FlagReason::Cached);

  auto nothing_options = flag_options();
  nothing_options.urls = {"http://127.0.0.1:" + std::to_string(stable_port())};  // nobody listens
  Client nothing(nothing_options);
  auto not_ready = nothing.evaluate_bool("flags", "banner", true);
  EXPECT_TRUE(not_ready.value);
  EXPECT_EQ(not_ready.details.error, FlagErrorCode::ProviderNotReady);
}

// wait_for_revision returns with the link LIVE: the state of the first sync and the LIVE
// mark are published in one step, so a flag evaluated right away is not STALE. (They were
// two steps, and a waiter woken by the first saw STALE: the flag benchmark did, every time.)
TEST_F(Flags, RightAfterTheFirstSyncTheReplicaIsLive) {
  start();
  std::uint64_t revision = put_all("flags", kFlags);
  for (int i = 0; i < 20; ++i) {
    Client client(flag_options());
    ASSERT_TRUE(client.wait_for_revision(revision, 10s)) << client.status().last_error;
    EXPECT_EQ(client.status().state, LinkState::Live) << "client " << i;
    EXPECT_EQ(client.evaluate_string("flags", "banner", "").details.reason, FlagReason::Static) << "client " << i;
  }
}

// hotstated --flag-collection: a write that would leave a flag not compiling is refused
// with the problems and changes nothing; a valid one goes through.
TEST_F(Flags, TheServerRefusesWritesThatBreakAFlagOfADeclaredCollection) {
  start({"--flag-collection", "flags"});
  put_all("flags", kFlags);
  auto r = http_->request("PUT", "/v1/c/flags/bad", R"({"state": "ON", "variants": {}})");
  EXPECT_EQ(r.status, 400) << r.body;
  auto error = r.json().at("error").as_object();
  EXPECT_EQ(error.at("code"), "invalid_flag");
  EXPECT_EQ(error.at("problems").as_array().at(0).at("key"), "bad");
  EXPECT_EQ(http_->request("GET", "/v1/c/flags/bad").status, 404) << "nothing was written";

  // $evaluators every flag relies on may not be removed from under them.
  put("flags", "$evaluators", R"({"is_staff": {"ends_with": [{"var": "email"}, "@corp.com"]}})");
  put("flags", "staff-only", R"({"state": "ENABLED", "variants": {"y": true, "n": false}, "defaultVariant": "n",
                                  "targeting": {"if": [{"$ref": "is_staff"}, "y", "n"]}})");
  r = http_->request("PUT", "/v1/c/flags/$evaluators", R"({})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json().at("error").at("problems").as_array().at(0).at("key"), "staff-only");
  EXPECT_EQ(http_->request("DELETE", "/v1/c/flags/$evaluators").status, 400);
  // Other collections are not checked.
  put("plans", "free", R"({"state": "ON"})");

  // The same check without writing: POST /v1/flags/validate.
  r = http_->request("POST", "/v1/flags/validate", R"({"flags": {"x": {"state": "ENABLED", "variants": {"a": 1},
      "defaultVariant": "b"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("valid"), false);
  EXPECT_EQ(r.json().at("problems").as_array().at(0).at("key"), "x");
  r = http_->request("POST", "/v1/flags/validate", std::string(R"({"flags": )") + kFlags + "}");
  EXPECT_EQ(r.json().at("valid"), true) << r.body;
  EXPECT_EQ(r.json().at("flags"), 7);
}

// The CLI loads a flagd file into a collection and evaluates a flag as a service would.
TEST_F(Flags, TheCliImportsAFlagdFileAndEvaluatesAFlag) {
  start();
  TempDir dir("flags-cli");
  std::filesystem::create_directories(dir.path());
  std::string file = (dir.path() / "flags.json").string();
  std::ofstream(file) << R"({"$schema": "https://flagd.dev/schema/v0/flags.json", "flags": )" << kFlags
                      << R"(, "$evaluators": {"x": {"==": [1, 1]}}, "metadata": {"team": "growth"}})";
  auto cli = ServerProcess::cli_binary();
  auto imported = run_command({cli, "--url", server_->url(), "flag-import", "flags", file});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find(R"("flags":7)"), std::string::npos) << imported.out;
  EXPECT_EQ(http_->request("GET", "/v1/c/flags/$metadata").status, 200);

  auto evaluated = run_command({cli, "--url", server_->url(), "flag-eval", "flags", "new-checkout", "--context",
                                R"({"targetingKey": "a", "email": "a@example.com"})"});
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  auto line = boost::json::parse(evaluated.out).as_object();
  EXPECT_EQ(line.at("value"), true);
  EXPECT_EQ(line.at("variant"), "on");
  EXPECT_EQ(line.at("reason"), "TARGETING_MATCH");
  EXPECT_EQ(line.at("metadata").at("team"), "growth") << "the set's metadata under the flag's own";

  auto missing = run_command({cli, "--url", server_->url(), "flag-eval", "flags", "nope"});
  EXPECT_EQ(missing.exit_code, 3);

  // A file with a broken flag writes nothing.
  std::ofstream(file) << R"({"flags": {"bad": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "zzz"}}})";
  auto refused = run_command({cli, "--url", server_->url(), "flag-import", "other", file});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("bad"), std::string::npos) << refused.err;
  EXPECT_EQ(http_->request("GET", "/v1/c/other/bad").status, 404);

  auto checked = run_command({cli, "--url", server_->url(), "flag-check", file});
  EXPECT_EQ(checked.exit_code, 1);
  EXPECT_NE(checked.out.find(R"("valid":false)"), std::string::npos) << checked.out;
}
