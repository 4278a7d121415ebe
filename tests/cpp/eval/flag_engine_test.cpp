// CompiledFlag: schema checks (each error readable), flagd's resolution rules, type
// checks, metadata, $ref, $flagd, precision, Context, and that evaluation neither throws
// nor allocates.

#include <gtest/gtest.h>

#include "alloc_counter.hpp"
#include "eval/flag.hpp"
#include "eval_test_util.hpp"
#include "hotstate/value.hpp"

using namespace hotstate::eval;
using hotstate::testing::json;

namespace {

std::shared_ptr<const CompiledFlag> flag(std::string_view definition, std::string_view key = "f") {
  return CompiledFlag::compile(key, json(definition), *FlagSetShared::empty());
}

std::string compile_error(std::string_view definition) { return flag(definition)->compile_error(); }

const Context kEmpty;

}  // namespace

TEST(FlagCompile, SchemaErrorsAreReadable) {
  EXPECT_EQ(compile_error("[]"), R"(flag "f": the definition must be an object)");
  EXPECT_EQ(compile_error(R"({"variants": {"a": 1}})"), R"(flag "f": "state" is required (ENABLED or DISABLED))");
  EXPECT_EQ(compile_error(R"({"state": "ON", "variants": {"a": 1}})"),
            R"(flag "f": "state" must be "ENABLED" or "DISABLED")");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED"})"), R"(flag "f": "variants" is required)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {}})"),
            R"(flag "f": "variants" must be an object with at least one variant)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1, "b": "x"}})"),
            R"(flag "f": variant "b" is a string but "a" is a number; all variants must have one type)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": null}})"),
            R"(flag "f": variant "a" must be a boolean, string, number or object)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": [1]}})"),
            R"(flag "f": variant "a" must be a boolean, string, number or object)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "b"})"),
            R"(flag "f": "defaultVariant" "b" is not one of its variants)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": 1})"),
            R"(flag "f": "defaultVariant" must be a variant's name or null)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1}, "targeting": "a"})"),
            R"(flag "f": "targeting" must be a JsonLogic object)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1}, "metadata": {"x": [1]}})"),
            R"(flag "f": metadata "x" must be a string, number or boolean)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1}, "targeting": {"nope": [1]}})"),
            R"(flag "f": targeting: unknown operator "nope" at /nope)");
  EXPECT_EQ(compile_error(R"({"state": "ENABLED", "variants": {"a": 1}, "targeting": {"if": [{"$ref": "x"}, "a"]}})"),
            R"(flag "f": targeting: $ref "x" names no evaluator in $evaluators)");
}

TEST(FlagCompile, ABrokenFlagEvaluatesToParseErrorAndNeverThrows) {
  auto broken = flag(R"({"state": "ENABLED", "variants": {"a": 1}, "targeting": {"nope": 1}})");
  EXPECT_EQ(broken->type(), ValueType::Any);
  EXPECT_TRUE(broken->variants().empty());
  Resolution r;
  EXPECT_NO_THROW(r = broken->evaluate(kEmpty, nullptr, ValueType::Integer));
  EXPECT_EQ(r.variant, nullptr);
  EXPECT_EQ(r.reason, Reason::Error);
  EXPECT_EQ(r.error, ErrorCode::ParseError);
  EXPECT_EQ(r.error_message, broken->compile_error());
}

TEST(FlagCompile, RefsResolveThroughEvaluatorsAndCyclesAreErrors) {
  auto evaluators = json(R"({"ballmer": {"==": [{"var": "email"}, "b@m.com"]},
                             "privileged": {"or": [{"$ref": "ballmer"}, {"==": [{"var": "role"}, "admin"]}]},
                             "loop": {"!": {"$ref": "loop"}}})");
  auto shared = FlagSetShared::make(&evaluators, nullptr);
  auto f = CompiledFlag::compile(
      "f", json(R"({"state": "ENABLED", "variants": {"y": "y", "n": "n"}, "defaultVariant": "n",
                    "targeting": {"if": [{"$ref": "privileged"}, "y", "n"]}})"),
      *shared);
  ASSERT_EQ(f->compile_error(), "");
  EXPECT_EQ(f->evaluate(Context::from_json(R"({"role": "admin"})"), nullptr).variant->name, "y");
  EXPECT_EQ(f->evaluate(Context::from_json(R"({"email": "b@m.com"})"), nullptr).variant->name, "y");
  EXPECT_EQ(f->evaluate(Context::from_json(R"({"email": "x@m.com"})"), nullptr).variant->name, "n");
  auto cyclic = CompiledFlag::compile(
      "g", json(R"({"state": "ENABLED", "variants": {"y": "y"}, "targeting": {"$ref": "loop"}})"), *shared);
  EXPECT_EQ(cyclic->compile_error(), R"(flag "g": targeting: $ref "loop" refers to itself through $evaluators)");
}

TEST(FlagSetShared, RejectsBadShapes) {
  auto not_object = json("[1]");
  EXPECT_THROW(FlagSetShared::make(&not_object, nullptr), std::invalid_argument);
  auto bad_metadata = json(R"({"a": {"b": 1}})");
  EXPECT_THROW(FlagSetShared::make(nullptr, &bad_metadata), std::invalid_argument);
}

TEST(FlagResolution, FlagdRules) {
  auto disabled = flag(R"({"state": "DISABLED", "variants": {"a": 1}, "defaultVariant": "a"})");
  auto r = disabled->evaluate(kEmpty, nullptr);
  EXPECT_EQ(r.variant, nullptr);
  EXPECT_EQ(r.reason, Reason::Disabled);
  EXPECT_EQ(r.error, ErrorCode::None);

  auto fixed = flag(R"({"state": "ENABLED", "variants": {"a": 1, "b": 2}, "defaultVariant": "b"})");
  r = fixed->evaluate(kEmpty, nullptr);
  EXPECT_EQ(r.variant->name, "b");
  EXPECT_EQ(r.reason, Reason::Static);
  EXPECT_TRUE(r.error_message.empty());

  auto no_default = flag(R"({"state": "ENABLED", "variants": {"a": 1}, "targeting": {}})");
  r = no_default->evaluate(kEmpty, nullptr);
  EXPECT_EQ(r.variant, nullptr);
  EXPECT_EQ(r.reason, Reason::Default);

  auto targeted = flag(R"({"state": "ENABLED", "variants": {"true": "yes", "false": "no", "1.5": "num", "d": "dflt"},
                           "defaultVariant": "d", "targeting": {"var": "result"}})");
  auto with = [&](std::string_view result_json) {
    return targeted->evaluate(Context::from_json(std::string(R"({"result": )") + std::string(result_json) + "}"), nullptr);
  };
  EXPECT_EQ(with("null").variant->name, "d");
  EXPECT_EQ(with("null").reason, Reason::Default);
  EXPECT_EQ(with("true").variant->name, "true");
  EXPECT_EQ(with("false").reason, Reason::TargetingMatch);
  EXPECT_EQ(with("1.5").variant->name, "1.5");
  EXPECT_EQ(with(R"("d")").reason, Reason::TargetingMatch);
  auto unknown = with(R"("zzz")");
  EXPECT_EQ(unknown.variant, nullptr);
  EXPECT_EQ(unknown.error, ErrorCode::ParseError);
  EXPECT_EQ(unknown.error_message, R"(flag "f": targeting returned "zzz", which is not a variant)");
  EXPECT_EQ(with("[1]").error, ErrorCode::ParseError);
  EXPECT_EQ(with(R"({"a": 1})").error_message, R"(flag "f": targeting returned an object, not a variant name)");
}

// A variant chosen by a `fractional` bucket is a SPLIT (also when the rule passes the
// bucket on, through `if`); a rollout that needs the targeting key and has none gives no
// variant and says why, unless one bucket holds all the weight.
TEST(FlagResolution, RolloutsAreSplitsAndNeedATargetingKey) {
  auto rollout = flag(R"({"state": "ENABLED", "variants": {"a": 1, "b": 2, "c": 3}, "defaultVariant": "c",
      "targeting": {"if": [{"==": [{"var": "tier"}, "gold"]}, "c", {"fractional": [["a", 50], ["b", 50]]}]}})");
  auto r = rollout->evaluate(Context::from_json(R"({"targetingKey": "u1"})"), nullptr);
  ASSERT_NE(r.variant, nullptr);
  EXPECT_EQ(r.reason, Reason::Split);
  r = rollout->evaluate(Context::from_json(R"({"targetingKey": "u1", "tier": "gold"})"), nullptr);
  EXPECT_EQ(r.reason, Reason::TargetingMatch) << "no bucket was chosen on this path";
  r = rollout->evaluate(Context::from_json(R"({"email": "x@y.z"})"), nullptr);
  EXPECT_EQ(r.variant, nullptr);
  EXPECT_EQ(r.reason, Reason::Error);
  EXPECT_EQ(r.error, ErrorCode::TargetingKeyMissing);
  EXPECT_NE(r.error_message.find("targeting key"), std::string::npos) << r.error_message;

  auto by_attribute = flag(R"({"state": "ENABLED", "variants": {"a": 1, "b": 2}, "defaultVariant": "b",
      "targeting": {"fractional": [{"var": "account"}, ["a", 50], ["b", 50]]}})");
  r = by_attribute->evaluate(Context::from_json(R"({"account": "acme"})"), nullptr);
  EXPECT_EQ(r.reason, Reason::Split) << "no targeting key needed: the rule names its bucketing value";
  r = by_attribute->evaluate(kEmpty, nullptr);
  EXPECT_EQ(r.reason, Reason::Default) << "a missing bucketing attribute is null, as flagd";

  auto single = flag(R"({"state": "ENABLED", "variants": {"a": 1, "b": 2}, "defaultVariant": "b",
      "targeting": {"fractional": [["a", 1], ["b", 0]]}})");
  r = single->evaluate(kEmpty, nullptr);
  ASSERT_NE(r.variant, nullptr);
  EXPECT_EQ(r.variant->name, "a");
}

TEST(FlagResolution, TypeChecks) {
  auto number = flag(R"({"state": "ENABLED", "variants": {"half": 0.5, "big": 9007199254740991}, "defaultVariant": "half"})");
  auto r = number->evaluate(kEmpty, nullptr, ValueType::Integer);
  ASSERT_NE(r.variant, nullptr);  // flagd: integers and floats are both numbers
  EXPECT_FALSE(r.variant->integral);
  EXPECT_EQ(r.variant->int_value, 0);
  EXPECT_EQ(number->evaluate(kEmpty, nullptr, ValueType::Float).variant->number_value, 0.5);
  r = number->evaluate(kEmpty, nullptr, ValueType::String);
  EXPECT_EQ(r.variant, nullptr);
  EXPECT_EQ(r.reason, Reason::Error);
  EXPECT_EQ(r.error, ErrorCode::TypeMismatch);
  EXPECT_EQ(r.error_message, R"(flag "f" is a number flag, not string)");
  auto object = flag(R"({"state": "ENABLED", "variants": {"o": {"x": 1}}, "defaultVariant": "o"})");
  EXPECT_NE(object->evaluate(kEmpty, nullptr, ValueType::Object).variant, nullptr);
  EXPECT_EQ(object->evaluate(kEmpty, nullptr, ValueType::Bool).error, ErrorCode::TypeMismatch);
}

TEST(FlagVariants, KeptInEveryFormWithoutLosingPrecision) {
  auto f = flag(R"({"state": "ENABLED", "variants": {"i32": 2147483647, "i53": 9007199254740991, "ten": 10.0,
                     "neg": -3}, "defaultVariant": "ten"})");
  ASSERT_EQ(f->compile_error(), "");
  for (const auto& v : f->variants()) {
    EXPECT_EQ(v.type, ValueType::Float);
    EXPECT_EQ(hotstate::flex_to_json(v.flex), v.json);
  }
  EXPECT_EQ(f->variants()[0].int_value, 2147483647);
  EXPECT_EQ(f->variants()[1].int_value, 9007199254740991);
  EXPECT_TRUE(f->variants()[1].integral);
  EXPECT_EQ(f->variants()[1].json, "9007199254740991");
  EXPECT_EQ(f->variants()[2].json, "10.0");  // a float stays a float
  EXPECT_TRUE(f->variants()[2].integral);
  EXPECT_EQ(f->variants()[3].int_value, -3);
  auto o = flag(R"({"state": "ENABLED", "variants": {"o": {"b": [1, "x"], "a": true}}})");
  EXPECT_EQ(o->variants()[0].json, R"({"a":true,"b":[1,"x"]})");
  EXPECT_EQ(o->variants()[0].type, ValueType::Object);
  auto s = flag(R"({"state": "ENABLED", "variants": {"s": "h\u00e9"}})");
  EXPECT_EQ(s->variants()[0].string_value, "h\xc3\xa9");
  EXPECT_EQ(s->type(), ValueType::String);
}

TEST(FlagMetadata, SetMetadataOverriddenByTheFlags) {
  auto doc = compile_document(R"({"metadata": {"team": "core", "version": 1},
    "flags": {"f": {"state": "ENABLED", "variants": {"a": true}, "metadata": {"version": 2.5, "on": true}},
              "g": {"state": "ENABLED", "variants": {"a": true}}}})");
  ASSERT_TRUE(doc.errors.empty());
  EXPECT_EQ(doc.flags.at("f")->metadata_json(), R"({"on":true,"team":"core","version":2.5})");
  EXPECT_EQ(doc.flags.at("g")->metadata_json(), R"({"team":"core","version":1})");
  ASSERT_EQ(doc.flags.at("f")->metadata().size(), 3u);
  EXPECT_EQ(std::get<double>(doc.flags.at("f")->metadata()[2].value), 2.5);
}

TEST(FlagContext, FlagdPropertiesAndTime) {
  auto f = flag(R"({"state": "ENABLED", "variants": {"key": "k", "late": "l", "early": "e"},
                     "targeting": {"if": [{"!=": [{"var": "$flagd.flagKey"}, "f"]}, "key",
                                          {">": [{"var": "$flagd.timestamp"}, 1000]}, "late", "early"]}})");
  EXPECT_TRUE(f->reads_time());
  EXPECT_FALSE(f->reads_records());
  EXPECT_EQ(f->evaluate(kEmpty, nullptr, ValueType::Any, 999).variant->name, "early");
  EXPECT_EQ(f->evaluate(kEmpty, nullptr, ValueType::Any, 1001).variant->name, "late");
  EXPECT_EQ(f->evaluate(kEmpty, nullptr).variant->name, "late");  // the clock
  // A context attribute named $flagd does not hide the injected one.
  EXPECT_EQ(f->evaluate(Context::from_json(R"({"$flagd": {"flagKey": "other"}})"), nullptr, ValueType::Any, 1).variant->name,
            "early");
  auto plain = flag(R"({"state": "ENABLED", "variants": {"a": 1}, "targeting": {"var": "$flagd.flagKey"}})");
  EXPECT_FALSE(plain->reads_time());
}

TEST(FlagEvaluate, DoesNotAllocateOnceWarm) {
  auto doc = compile_document(R"({"flags": {"f": {"state": "ENABLED",
    "variants": {"internal": 1, "legacy": 2, "red": 3, "blue": 4}, "defaultVariant": "red",
    "targeting": {"if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "internal",
                         {"sem_ver": [{"var": "app.version"}, "<", "2.0.0"]}, "legacy",
                         {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "targetingKey"}]},
                                         ["red", 50], ["blue", 50]]}]}}}})");
  const auto& f = *doc.flags.at("f");
  ASSERT_EQ(f.compile_error(), "");
  Context context;
  context.set_targeting_key("user-1");
  context.set_string("email", "a@b.c");
  context.set_json("app", R"({"version": "2.1.0"})");
  auto r = f.evaluate(context, nullptr, ValueType::Integer, 5);  // warms the thread's arena
  ASSERT_NE(r.variant, nullptr);
  hotstate::testing::start_counting_allocations();
  for (int i = 0; i < 100; ++i) r = f.evaluate(context, nullptr, ValueType::Integer, 5);
  EXPECT_EQ(hotstate::testing::stop_counting_allocations(), 0u);
  EXPECT_TRUE(r.variant->name == "red" || r.variant->name == "blue");
}

// A context refilled per request (the bindings do this for every dict or object context)
// reuses its slots: once warm, clear + set + evaluate allocates nothing, and what a rule
// sees is only what was set since the clear.
TEST(FlagEvaluate, ARefilledContextAllocatesNothingOnceWarm) {
  auto f = flag(R"({"state": "ENABLED", "variants": {"yes": true, "no": false}, "defaultVariant": "no",
                     "targeting": {"if": [{"and": [{"==": [{"var": "plan"}, "pro"]}, {"missing": ["gone"]}]},
                                          "yes", "no"]}})");
  Context context;
  auto fill = [&](const char* plan) {
    context.clear();
    context.set_targeting_key("user-with-a-rather-long-identifier-0001");
    context.set_string("plan", plan);
    context.set_string("email", "someone.with.a.long.address@example.com");
    context.set_int("seats", 12);
  };
  context.set_string("gone", "set before the first clear");
  fill("pro");
  auto r = f->evaluate(context, nullptr);
  EXPECT_EQ(r.variant->name, "yes") << "an attribute from before clear() is gone";
  hotstate::testing::start_counting_allocations();
  for (int i = 0; i < 100; ++i) {
    fill(i % 2 ? "pro" : "free");
    r = f->evaluate(context, nullptr);
  }
  EXPECT_EQ(hotstate::testing::stop_counting_allocations(), 0u);
  EXPECT_EQ(r.variant->name, "yes");
  EXPECT_EQ(context.size(), 4u);
  EXPECT_TRUE(context.erase("plan"));
  EXPECT_FALSE(context.erase("plan"));
  EXPECT_EQ(context.size(), 3u);
  EXPECT_EQ(f->evaluate(context, nullptr).variant->name, "no");
  Context copy = context;
  EXPECT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy.targeting_key(), "user-with-a-rather-long-identifier-0001");
}

TEST(FlagEvaluate, ScratchExhaustionIsAGeneralError) {
  auto f = flag(R"({"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a",
                     "targeting": {"if": [{"map": [{"var": "xs"}, {"var": ""}]}, null, null]}})");
  Context context;
  boost::json::array big;
  big.resize(5'000'000, 1);
  context.set_json("xs", boost::json::serialize(big));
  Resolution r;
  EXPECT_NO_THROW(r = f->evaluate(context, nullptr));
  EXPECT_EQ(r.error, ErrorCode::General);
  EXPECT_EQ(r.reason, Reason::Error);
  EXPECT_NE(r.error_message.find("64 MiB"), std::string::npos) << r.error_message;
  // The thread is fine afterwards.
  EXPECT_EQ(flag(R"({"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"var": "x"}})")
                ->evaluate(kEmpty, nullptr)
                .reason,
            Reason::Default);
}

TEST(FlagDocument, DocumentErrors) {
  EXPECT_EQ(compile_document("{").errors.size(), 1u);
  EXPECT_NE(compile_document("[]").errors.at(0).find("must be a JSON object"), std::string::npos);
  EXPECT_NE(compile_document("{}").errors.at(0).find("\"flags\""), std::string::npos);
  auto doc = compile_document(R"({"$evaluators": [], "flags": {"a": {"state": "ENABLED", "variants": {"x": 1}}}})");
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0], R"("$evaluators" must be an object)");
  EXPECT_EQ(doc.flags.at("a")->compile_error(), "");
}

TEST(ContextApi, BuildReplaceEraseAndErrors) {
  Context c = Context::from_json(R"({"targetingKey": "u1", "age": 30, "nested": {"a": [1]}})");
  EXPECT_TRUE(c.has_targeting_key());
  EXPECT_EQ(c.targeting_key(), "u1");
  EXPECT_EQ(c.size(), 3u);
  c.set_int("age", 31);
  c.set_targeting_key("u2");
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.targeting_key(), "u2");
  EXPECT_TRUE(c.erase("age"));
  EXPECT_FALSE(c.erase("age"));
  EXPECT_THROW(c.set_json("x", "{"), std::invalid_argument);
  EXPECT_EQ(c.size(), 2u);  // unchanged by the bad value
  EXPECT_THROW(Context::from_json("[]"), std::invalid_argument);
  EXPECT_THROW(Context::from_json("nope"), std::invalid_argument);
  std::string deep(70, '[');
  deep += std::string(70, ']');
  EXPECT_THROW(Context::from_json(R"({"a": )" + deep + "}"), std::invalid_argument);
  Context moved = std::move(c);
  EXPECT_EQ(moved.targeting_key(), "u2");
  EXPECT_EQ(c.size(), 0u);  // NOLINT: a moved-from Context is empty and usable
  c.set_bool("b", true);
  EXPECT_EQ(c.size(), 1u);
  Context copy = moved;
  copy.clear();
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_FALSE(copy.has_targeting_key());
}

TEST(Names, OpenFeatureSpellings) {
  EXPECT_STREQ(to_string(Reason::TargetingMatch), "TARGETING_MATCH");
  EXPECT_STREQ(to_string(Reason::Split), "SPLIT");
  EXPECT_STREQ(to_string(ErrorCode::None), "");
  EXPECT_STREQ(to_string(ErrorCode::TypeMismatch), "TYPE_MISMATCH");
  EXPECT_STREQ(to_string(ValueType::Integer), "integer");
}
