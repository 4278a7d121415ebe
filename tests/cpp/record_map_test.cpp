// The persistent map behind the replica, checked against std::map with random operations.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "client/record_map.hpp"
#include "client/replica.hpp"

using namespace hotstate;
using namespace hotstate::client;

namespace {

RecordPtr make(std::string key, std::uint64_t revision) {
  auto r = std::make_shared<Record>();
  r->collection = "c";
  r->key = std::move(key);
  r->value = {static_cast<std::uint8_t>(revision & 0xff)};
  r->mod_revision = revision;
  return r;
}

std::map<std::string, RecordPtr> contents(const RecordMap& map) {
  std::map<std::string, RecordPtr> out;
  map.for_each([&](const RecordPtr& r) { EXPECT_TRUE(out.emplace(r->key, r).second) << "duplicate " << r->key; });
  return out;
}

}  // namespace

TEST(RecordMap, MatchesAModelUnderRandomOperations) {
  std::mt19937 rng(42);
  std::map<std::string, RecordPtr> model;
  RecordMap map;
  for (int round = 0; round < 200; ++round) {
    RecordMap::Builder builder(map);
    for (int i = 0; i < 100; ++i) {
      std::string key = "k" + std::to_string(rng() % 3000);
      if (rng() % 3 == 0) {
        auto removed = builder.erase(key);
        auto it = model.find(key);
        EXPECT_EQ(removed, it == model.end() ? nullptr : it->second);
        if (it != model.end()) model.erase(it);
      } else {
        auto record = make(key, static_cast<std::uint64_t>(round * 1000 + i));
        auto replaced = builder.put(record);
        auto it = model.find(key);
        EXPECT_EQ(replaced, it == model.end() ? nullptr : it->second);
        model[key] = record;
      }
    }
    RecordMap previous = map;
    auto previous_contents = contents(previous);
    map = builder.build();
    ASSERT_EQ(map.size(), model.size());
    ASSERT_EQ(contents(map), model);
    // The previous version is untouched: published maps never change.
    ASSERT_EQ(contents(previous), previous_contents);
    for (int probe = 0; probe < 50; ++probe) {
      std::string key = "k" + std::to_string(rng() % 3000);
      auto it = model.find(key);
      EXPECT_EQ(map.find(key), it == model.end() ? nullptr : it->second.get());
      EXPECT_EQ(map.find_shared(key), it == model.end() ? nullptr : it->second);
    }
    // diff() reports exactly the keys whose record differs.
    std::map<std::string, std::pair<RecordPtr, RecordPtr>> expected, seen;
    for (const auto& [key, r] : previous_contents)
      if (!model.count(key) || model[key] != r) expected[key] = {r, model.count(key) ? model[key] : nullptr};
    for (const auto& [key, r] : model)
      if (!previous_contents.count(key)) expected[key] = {nullptr, r};
    RecordMap::diff(previous, map, [&](const RecordPtr& before, const RecordPtr& after) {
      const auto& key = before ? before->key : after->key;
      EXPECT_TRUE(seen.emplace(key, std::make_pair(before, after)).second) << "reported twice: " << key;
    });
    ASSERT_EQ(seen, expected) << "round " << round;
  }
}

TEST(RecordMap, EmptyAndMissing) {
  RecordMap map;
  EXPECT_EQ(map.find("x"), nullptr);
  EXPECT_TRUE(map.empty());
  RecordMap::Builder builder(map);
  EXPECT_EQ(builder.erase("x"), nullptr);
  builder.put(make("x", 1));
  EXPECT_NE(builder.erase("x"), nullptr);
  auto built = builder.build();
  EXPECT_TRUE(built.empty());
  int calls = 0;
  RecordMap::diff(map, built, [&](const RecordPtr&, const RecordPtr&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(RecordMap, ManyKeysBuildAndLookUp) {
  RecordMap::Builder builder;
  for (int i = 0; i < 100'000; ++i) builder.put(make("key-" + std::to_string(i), 1));
  auto map = builder.build();
  EXPECT_EQ(map.size(), 100'000u);
  for (int i = 0; i < 100'000; i += 7) ASSERT_NE(map.find("key-" + std::to_string(i)), nullptr) << i;
  EXPECT_EQ(map.find("key-100000"), nullptr);
  // One change to a large map is reported as exactly one change.
  RecordMap::Builder next(map);
  next.put(make("key-5", 2));
  int calls = 0;
  RecordMap::diff(map, next.build(), [&](const RecordPtr& before, const RecordPtr& after) {
    ++calls;
    EXPECT_EQ(before->key, "key-5");
    EXPECT_EQ(after->mod_revision, 2u);
  });
  EXPECT_EQ(calls, 1);
}

TEST(ReplicaState, ScanIsSortedAndFilteredByPrefix) {
  StateBuilder builder(1, 10);
  for (const char* key : {"b/2", "a/1", "b/1", "c", "b/10"}) builder.put(make(key, 1));
  auto state = builder.build();
  std::vector<std::string> keys;
  for (const auto& r : state->scan("c", "b/")) keys.push_back(r->key);
  EXPECT_EQ(keys, (std::vector<std::string>{"b/1", "b/10", "b/2"}));
  EXPECT_TRUE(state->scan("other", "").empty());
  EXPECT_EQ(state->keys, 5u);
}
