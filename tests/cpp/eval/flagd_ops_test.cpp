// flagd's operators: MurmurHash3 and fractional v2 bucketing, sem_ver, starts_with and
// ends_with (null on bad input).

#include <gtest/gtest.h>

#include "eval/flag.hpp"
#include "eval/murmur3.hpp"
#include "eval/semver.hpp"
#include "eval_test_util.hpp"

using namespace hotstate::eval;
using hotstate::testing::json;
using hotstate::testing::run;

TEST(Murmur3, ReferenceVectors) {
  // Published vectors of MurmurHash3_x86_32 (SMHasher's reference implementation).
  EXPECT_EQ(murmur3_32("", {}, 0), 0u);
  EXPECT_EQ(murmur3_32("", {}, 1), 0x514E28B7u);
  EXPECT_EQ(murmur3_32("", {}, 0xffffffff), 0x81F16F39u);
  EXPECT_EQ(murmur3_32(std::string_view("\0\0\0\0", 4), {}, 0), 0x2362F9DEu);
  EXPECT_EQ(murmur3_32("aaaa", {}, 0x9747b28c), 0x5A97808Au);
  EXPECT_EQ(murmur3_32("a", {}, 0x9747b28c), 0x7FA09EA6u);
  EXPECT_EQ(murmur3_32("ab", {}, 0x9747b28c), 0x74875592u);
  EXPECT_EQ(murmur3_32("abc", {}, 0x9747b28c), 0xC84A62DDu);
  EXPECT_EQ(murmur3_32("abcd", {}, 0x9747b28c), 0xF0478627u);
  EXPECT_EQ(murmur3_32("Hello, world!", {}, 0x9747b28c), 0x24884CBAu);
  EXPECT_EQ(murmur3_32("The quick brown fox jumps over the lazy dog", {}, 0x9747b28c), 0x2FA826CDu);
}

TEST(Murmur3, TwoPiecesHashAsOne) {
  for (std::string_view whole : {"", "a", "abcd", "fractional-flagjon@company.com", "0123456789"})
    for (std::size_t cut = 0; cut <= whole.size(); ++cut)
      EXPECT_EQ(murmur3_32(whole.substr(0, cut), whole.substr(cut)), murmur3_32(whole)) << whole << " cut " << cut;
}

TEST(Murmur3, TestbedHashEdgeKeysFallOnTheirSideOfAFiftyFiftySplit) {
  // The flagd-testbed chose these keys so their hashes sit at the bucketing boundaries
  // (0, 2^31-1, 2^31, 2^32-1 ...): bucket = hash x 100 >> 32, "lower" below 50.
  auto bucket = [](std::string_view key) { return (std::uint64_t{murmur3_32(key)} * 100) >> 32; };
  for (auto key : {"ejOoVL", "bY9fO-", "SI7p-"}) EXPECT_LT(bucket(key), 50u) << key << " " << murmur3_32(key);
  for (auto key : {"6LvT0", "ceQdGm"}) EXPECT_GE(bucket(key), 50u) << key << " " << murmur3_32(key);
}

namespace {

// Evaluates a one-flag document's flag `f` for `context_json`; the variant name or
// "(none)"/"(error)".
std::string variant_of(std::string_view targeting, std::string_view context_json) {
  auto doc = compile_document(std::string(R"({"flags": {"f": {"state": "ENABLED", "variants": )") +
                              R"({"one": "one", "two": "two", "three": "three", "fallback": "fallback"})" +
                              R"(, "defaultVariant": "fallback", "targeting": )" + std::string(targeting) + "}}}");
  const auto& flag = *doc.flags.at("f");
  if (!flag.compile_error().empty()) return "compile error: " + flag.compile_error();
  auto r = flag.evaluate(Context::from_json(context_json), nullptr);
  if (r.error != ErrorCode::None) return "(error) " + r.error_message;
  return r.variant ? r.variant->name : "(none)";
}

}  // namespace

TEST(Fractional, DefaultBucketingValueIsFlagKeyThenTargetingKey) {
  // Weights 1/1/1: the bucket is hash("f" + key) * 3 >> 32.
  for (std::string key : {"alice", "bob", "carol", "dave", "eve", "mallory"}) {
    auto b = (std::uint64_t{murmur3_32("f" + key)} * 3) >> 32;
    const char* names[] = {"one", "two", "three"};
    EXPECT_EQ(variant_of(R"({"fractional": [["one"], ["two"], ["three"]]})", R"({"targetingKey": ")" + key + "\"}"),
              names[b])
        << key;
  }
}

TEST(Fractional, ExplicitBucketingValueAndWeights) {
  // With weights 10/90, bucket = hash x 100 >> 32: below 10 is "one".
  for (std::string v : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    auto b = (std::uint64_t{murmur3_32(v)} * 100) >> 32;
    EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", 10], ["two", 90]]})", R"({"k": ")" + v + "\"}"),
              b < 10 ? "one" : "two")
        << v;
  }
}

TEST(Fractional, BadInputIsNull) {
  // A bucketing value that is not a string, zero total weight, a bucket that is not an
  // array, a weight that is not a number: null, so the default variant.
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", 50], ["two", 50]]})", R"({"k": 5})"), "fallback");
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", 0], ["two", 0]]})", R"({"k": "x"})"), "fallback");
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, "one", ["two", 1]]})", R"({"k": "x"})"), "fallback");
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", "50"]]})", R"({"k": "x"})"), "fallback");
  EXPECT_EQ(variant_of(R"({"fractional": []})", "{}"), "fallback");
  // A negative weight counts as zero.
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", -50], ["two", 100]]})", R"({"k": "x"})"), "two");
}

TEST(Fractional, NestedNamesAndWeightsAreEvaluated) {
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, [{"var": "pick"}, 1]]})", R"({"k": "x", "pick": "three"})"),
            "three");
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", {"var": "w"}], ["two", 0]]})", R"({"k": "x", "w": 3})"),
            "one");
  EXPECT_EQ(variant_of(R"({"fractional": [{"var": "k"}, ["one", {"var": "w"}], ["two", 0]]})", R"({"k": "x", "w": 0})"),
            "fallback");
}

TEST(SemVer, ParsesAsGoXModSemver) {
  for (auto valid : {"1", "1.2", "v1.2.3", "1.2.3-alpha.1+build.5", "0.0.0", "1.2.3+meta-data", "1.2.3-0a"})
    EXPECT_TRUE(parse_semver(valid).has_value()) << valid;
  for (auto invalid : {"", "v", "01.2.3", "1.02", "1.2.3.4", "1.2-pre", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b",
                       "vv1", "1.2.3 ", "x1.2.3"})
    EXPECT_FALSE(parse_semver(invalid).has_value()) << invalid;
}

TEST(SemVer, PrecedenceFollowsTheSpec) {
  const char* ordered[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                           "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1", "2"};
  for (std::size_t i = 0; i + 1 < std::size(ordered); ++i)
    EXPECT_LT(compare_semver(*parse_semver(ordered[i]), *parse_semver(ordered[i + 1])), 0) << ordered[i];
  EXPECT_EQ(compare_semver(*parse_semver("1.0.0+a"), *parse_semver("v1.0.0+b")), 0);
  EXPECT_EQ(compare_semver(*parse_semver("1.2"), *parse_semver("1.2.0")), 0);
}

TEST(SemVer, OperatorsAndNullOnBadInput) {
  EXPECT_EQ(run(R"({"sem_ver": ["1.2.3", ">=", "1.2"]})"), "true");
  EXPECT_EQ(run(R"({"sem_ver": ["1.2.3", "!=", "1.2.3+x"]})"), "false");
  EXPECT_EQ(run(R"({"sem_ver": ["1.9.9", "^", "1.0.0"]})"), "true");
  EXPECT_EQ(run(R"({"sem_ver": ["2.0.0", "^", "1.9.0"]})"), "false");
  EXPECT_EQ(run(R"({"sem_ver": ["1.2.9", "~", "1.2.0"]})"), "true");
  EXPECT_EQ(run(R"({"sem_ver": ["1.3.0", "~", "1.2.0"]})"), "false");
  EXPECT_EQ(run(R"({"sem_ver": [{"var": "v"}, "<", {"var": "t"}]})", R"({"v": "1.0.0-rc.1", "t": "1.0.0"})"), "true");
  EXPECT_EQ(run(R"({"sem_ver": [1.2, ">", "1.0"]})"), "null");
  EXPECT_EQ(run(R"({"sem_ver": ["1.0.0", "=="]})"), "null");
  EXPECT_EQ(run(R"({"sem_ver": ["1.0.0", "==", "1.0.0"]})"), "null");
  EXPECT_EQ(run(R"({"sem_ver": [{"var": "v"}, "=", "1.0.0.0"]})", R"({"v": "1.0.0"})"), "null");
  EXPECT_EQ(run(R"({"sem_ver": [{"var": "v"}, "=", "1.0.0"]})", R"({"v": "not-a-version"})"), "null");
}

TEST(StringComparison, StartsWithEndsWith) {
  EXPECT_EQ(run(R"({"starts_with": ["abcdef", "abc"]})"), "true");
  EXPECT_EQ(run(R"({"starts_with": ["abcdef", "bcd"]})"), "false");
  EXPECT_EQ(run(R"({"ends_with": ["abcdef", "def"]})"), "true");
  EXPECT_EQ(run(R"({"ends_with": ["ef", "def"]})"), "false");
  EXPECT_EQ(run(R"({"starts_with": ["abc", ""]})"), "true");
  EXPECT_EQ(run(R"({"starts_with": [123, "1"]})"), "null");
  EXPECT_EQ(run(R"({"ends_with": ["abc"]})"), "null");
  EXPECT_EQ(run(R"({"ends_with": ["abc", "c", "x"]})"), "null");
}
