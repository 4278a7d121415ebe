// The record operator: other records of the replica, read through a RecordSource.

#include <gtest/gtest.h>

#include <map>

#include "eval/apply.hpp"
#include "eval/flag.hpp"
#include "eval_test_util.hpp"
#include "hotstate/value.hpp"

using namespace hotstate::eval;
using hotstate::testing::json;

namespace {

class FakeRecords : public RecordSource {
 public:
  void put(std::string collection, std::string key, std::string_view value_json) {
    records_[{std::move(collection), std::move(key)}] = hotstate::json_to_flex(value_json);
  }
  std::span<const std::uint8_t> find(std::string_view collection, std::string_view key) const override {
    ++lookups;
    auto it = records_.find({std::string(collection), std::string(key)});
    if (it == records_.end()) return {};
    return it->second;
  }
  mutable int lookups = 0;

 private:
  std::map<std::pair<std::string, std::string>, std::vector<std::uint8_t>> records_;
};

FakeRecords plans() {
  FakeRecords r;
  r.put("plans", "pro", R"({"name": "Pro", "limits": {"seats": 10, "projects": null},
                           "tiers": [{"name": "a"}, {"name": "b"}], "price": 12.5, "active": true})");
  r.put("plans", "7", R"("seven")");
  return r;
}

std::string run_with(const FakeRecords* records, std::string_view rule, std::string_view data = "{}") {
  auto r = apply_json_logic(json(rule), json(data), records);
  return r.ok ? boost::json::serialize(r.value) : "error: " + r.error;
}

}  // namespace

TEST(RecordOperator, ReadsAWholeRecordOrAPathInIt) {
  auto records = plans();
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "limits.seats"]})"), "10");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "tiers.1.name"]})"), R"("b")");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "price"]})"), "1.25E1");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "limits"]})"), R"({"projects":null,"seats":10})");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "7"]})"), R"("seven")");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", 7]})"), R"("seven")");  // a number key, as its text
  auto whole = apply_json_logic(json(R"({"record": ["plans", "pro"]})"), nullptr, &records);
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.value.at("tiers").at(0).at("name"), "a");
}

TEST(RecordOperator, AbsentIsNull) {
  auto records = plans();
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "free"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["nope", "pro"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "limits.storage"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "tiers.2.name"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "tiers.01"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "name.x"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", "pro", "limits.projects"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans"]})"), "null");
  EXPECT_EQ(run_with(&records, R"({"record": [null, "pro"]})"), "null");
  EXPECT_EQ(run_with(nullptr, R"({"record": ["plans", "pro"]})"), "null");
}

TEST(RecordOperator, ArgumentsMayBeExpressions) {
  auto records = plans();
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", {"var": "account.plan"}, {"cat": ["limits", ".seats"]}]})",
                     R"({"account": {"plan": "pro"}})"),
            "10");
  EXPECT_EQ(run_with(&records, R"({"record": ["plans", {"var": "account.plan"}, {"var": "p"}]})",
                     R"({"account": {"plan": "pro"}, "p": "tiers.0"})"),
            R"({"name":"a"})");
}

TEST(RecordOperator, EntitlementLimitInAFlag) {
  auto doc = compile_document(R"({"flags": {"can-add-seat": {
    "state": "ENABLED", "variants": {"yes": true, "no": false}, "defaultVariant": "no",
    "targeting": {"if": [{"<": [{"var": "usage.seats"}, {"record": ["plans", {"var": "account.plan"}, "limits.seats"]}]},
                         "yes", "no"]}}}})");
  const auto& flag = *doc.flags.at("can-add-seat");
  ASSERT_EQ(flag.compile_error(), "");
  EXPECT_TRUE(flag.reads_records());
  auto records = plans();
  auto under = Context::from_json(R"({"usage": {"seats": 9}, "account": {"plan": "pro"}})");
  auto at_limit = Context::from_json(R"({"usage": {"seats": 10}, "account": {"plan": "pro"}})");
  EXPECT_EQ(flag.evaluate(under, &records, ValueType::Bool).variant->name, "yes");
  EXPECT_EQ(flag.evaluate(at_limit, &records, ValueType::Bool).variant->name, "no");
  // No record source: the limit is null (0), so 9 < 0 is false.
  EXPECT_EQ(flag.evaluate(under, nullptr, ValueType::Bool).variant->name, "no");
  EXPECT_GT(records.lookups, 0);
}
