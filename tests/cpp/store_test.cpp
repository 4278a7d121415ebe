// hotstate::Store: one revision history, conditions, the change log and its horizon,
// listings and selections — without a server around it.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hotstate/value.hpp"
#include "store/store.hpp"

using namespace hotstate;

namespace {

WriteOp put_op(std::string collection, std::string key, std::string_view json) {
  return WriteOp{OpKind::Put, std::move(collection), std::move(key), json_to_flex(json)};
}

WriteOp delete_op(std::string collection, std::string key) {
  return WriteOp{OpKind::Delete, std::move(collection), std::move(key), {}};
}

WriteRequest request(std::vector<WriteOp> ops, std::vector<Condition> conditions = {}) {
  WriteRequest r;
  r.ops = std::move(ops);
  r.conditions = std::move(conditions);
  return r;
}

std::string json_of(const RecordPtr& record) { return flex_to_json(record->value); }

std::vector<std::string> keys_of(const ListPage& page) {
  std::vector<std::string> keys;
  for (const auto& r : page.records) keys.push_back(r->key);
  return keys;
}

class StoreTest : public ::testing::Test {
 protected:
  explicit StoreTest(std::size_t retain = 1000) : store(make_memory_storage(), retain) {}

  std::uint64_t put(const std::string& collection, const std::string& key, std::string_view json) {
    auto result = store.commit(request({put_op(collection, key, json)}));
    EXPECT_EQ(result.outcome, CommitResult::Outcome::Committed);
    return result.revision;
  }
  std::uint64_t remove(const std::string& collection, const std::string& key) {
    auto result = store.commit(request({delete_op(collection, key)}));
    EXPECT_EQ(result.outcome, CommitResult::Outcome::Committed);
    return result.revision;
  }

  Store store;
};

using V = std::vector<std::string>;

}  // namespace

TEST_F(StoreTest, StartsEmptyWithANonZeroEpoch) {
  EXPECT_NE(store.epoch(), 0u);
  EXPECT_EQ(store.revision(), 0u);
  EXPECT_EQ(store.record_count(), 0u);
  EXPECT_EQ(store.changelog_entries(), 0u);
  EXPECT_EQ(store.horizon(), 0u);
  EXPECT_EQ(store.get("c", "k"), nullptr);
  EXPECT_STREQ(store.storage().engine_name(), "memory");
  EXPECT_FALSE(store.storage().persistent());

  Store other(make_memory_storage(), 10);
  EXPECT_NE(other.epoch(), store.epoch()) << "every memory store is a new history";
}

TEST_F(StoreTest, EveryCommitTakesTheNextRevision) {
  for (std::uint64_t i = 1; i <= 50; ++i) {
    std::uint64_t rev = put(i % 3 ? "a" : "b", "k" + std::to_string(i % 7), std::to_string(i));
    EXPECT_EQ(rev, i);
    EXPECT_EQ(store.revision(), i);
  }
  EXPECT_EQ(remove("a", "k1"), 51u);
  EXPECT_EQ(store.revision(), 51u);
}

TEST_F(StoreTest, RecordMetadataFollowsEtcdRules) {
  put("c", "k", "1");
  put("c", "other", "1");
  put("c", "k", "2");
  auto r = store.get("c", "k");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->collection, "c");
  EXPECT_EQ(r->key, "k");
  EXPECT_EQ(json_of(r), "2");
  EXPECT_EQ(r->create_revision, 1u);
  EXPECT_EQ(r->mod_revision, 3u);
  EXPECT_EQ(r->version, 2u);

  // Published records are immutable: the old pointer still shows the old state.
  put("c", "k", "3");
  EXPECT_EQ(json_of(r), "2");
  EXPECT_EQ(store.get("c", "k")->version, 3u);

  remove("c", "k");  // revision 5
  EXPECT_EQ(store.get("c", "k"), nullptr);
  EXPECT_EQ(put("c", "k", "\"new life\""), 6u);
  r = store.get("c", "k");
  EXPECT_EQ(r->create_revision, 6u);
  EXPECT_EQ(r->mod_revision, 6u);
  EXPECT_EQ(r->version, 1u);
}

TEST_F(StoreTest, ATransactionsOpsShareOneRevision) {
  put("c", "gone", "0");
  put("c", "kept", "0");
  auto result = store.commit(request({put_op("c", "a", "1"), put_op("d", "b", "[2]"),
                                      put_op("c", "kept", "3"), delete_op("c", "gone")}));
  ASSERT_EQ(result.outcome, CommitResult::Outcome::Committed);
  EXPECT_EQ(result.revision, 3u);
  EXPECT_EQ(store.revision(), 3u);
  ASSERT_NE(result.txn, nullptr);
  EXPECT_EQ(result.txn->revision, 3u);
  ASSERT_EQ(result.txn->ops.size(), 4u);
  for (const auto& op : result.txn->ops) EXPECT_EQ(op.record->mod_revision, 3u) << op.record->key;
  EXPECT_EQ(result.txn->ops[3].kind, OpKind::Delete);
  EXPECT_EQ(result.txn->ops[3].record->key, "gone");
  EXPECT_EQ(result.txn->ops[3].record->collection, "c");

  EXPECT_EQ(store.get("c", "a")->mod_revision, 3u);
  EXPECT_EQ(store.get("d", "b")->mod_revision, 3u);
  EXPECT_EQ(store.get("c", "kept")->version, 2u);
  EXPECT_EQ(store.get("c", "kept")->create_revision, 2u);
  EXPECT_EQ(store.get("c", "gone"), nullptr);
  EXPECT_EQ(store.record_count(), 3u);

  auto log = store.changes_since(2);
  ASSERT_TRUE(log.has_value());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->front(), result.txn);
}

TEST_F(StoreTest, ConditionsOnModRevision) {
  std::uint64_t k_rev = put("c", "k", "1");
  auto result = store.commit(request({put_op("c", "k", "2"), put_op("c", "new", "1")},
                                     {{"c", "k", k_rev}, {"c", "new", 0}}));
  ASSERT_EQ(result.outcome, CommitResult::Outcome::Committed);
  EXPECT_EQ(result.revision, 2u);
  EXPECT_EQ(json_of(store.get("c", "k")), "2");
  EXPECT_EQ(json_of(store.get("c", "new")), "1");

  // A condition on a record that was deleted: absent again, so 0 holds.
  remove("c", "new");
  result = store.commit(request({put_op("c", "new", "3")}, {{"c", "new", 0}}));
  EXPECT_EQ(result.outcome, CommitResult::Outcome::Committed);
}

TEST_F(StoreTest, AFailedConditionChangesNothing) {
  std::uint64_t k_rev = put("c", "k", "1");
  put("c", "other", "\"o\"");
  const auto epoch = store.epoch();
  const auto entries = store.changelog_entries();
  const auto count = store.record_count();
  auto k_before = store.get("c", "k");

  struct Case {
    std::vector<Condition> conditions;
    std::string key;
    std::uint64_t current;
  };
  const std::vector<Case> cases = {
      {{{"c", "k", k_rev + 5}}, "k", k_rev},
      {{{"c", "k", 0}}, "k", k_rev},
      {{{"c", "absent", 1}}, "absent", 0},
      {{{"c", "k", k_rev}, {"other-collection", "k", k_rev}}, "k", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    auto result = store.commit(request(
        {put_op("c", "k", "99"), delete_op("c", "other"), put_op("c", "fresh", "1")}, c.conditions));
    EXPECT_EQ(result.outcome, CommitResult::Outcome::ConditionFailed);
    EXPECT_EQ(result.key, c.key);
    EXPECT_EQ(result.collection, c.conditions.back().collection);
    EXPECT_EQ(result.current_mod_revision, c.current);
    EXPECT_EQ(result.revision, 2u) << "the current revision";
    EXPECT_EQ(result.txn, nullptr);

    EXPECT_EQ(store.revision(), 2u);
    EXPECT_EQ(store.epoch(), epoch);
    EXPECT_EQ(store.changelog_entries(), entries);
    EXPECT_EQ(store.record_count(), count);
    EXPECT_EQ(store.get("c", "k"), k_before);
    EXPECT_EQ(json_of(store.get("c", "other")), "\"o\"");
    EXPECT_EQ(store.get("c", "fresh"), nullptr);
  }
  EXPECT_EQ(put("c", "after", "1"), 3u) << "no revision was used up";
}

TEST_F(StoreTest, DeleteThatRequiresExistingReportsNotFound) {
  put("c", "k", "1");
  WriteRequest r = request({delete_op("c", "absent")});
  r.delete_requires_existing = true;
  auto result = store.commit(r);
  EXPECT_EQ(result.outcome, CommitResult::Outcome::NotFound);
  EXPECT_EQ(result.collection, "c");
  EXPECT_EQ(result.key, "absent");
  EXPECT_EQ(result.revision, 1u);
  EXPECT_EQ(store.revision(), 1u);
  EXPECT_EQ(store.changelog_entries(), 1u);

  // Nothing else in the same request is applied either.
  WriteRequest mixed = request({put_op("c", "k", "2"), delete_op("c", "absent")});
  mixed.delete_requires_existing = true;
  EXPECT_EQ(store.commit(mixed).outcome, CommitResult::Outcome::NotFound);
  EXPECT_EQ(json_of(store.get("c", "k")), "1");
  EXPECT_EQ(store.revision(), 1u);

  WriteRequest existing = request({delete_op("c", "k")});
  existing.delete_requires_existing = true;
  auto ok = store.commit(existing);
  EXPECT_EQ(ok.outcome, CommitResult::Outcome::Committed);
  EXPECT_EQ(ok.revision, 2u);
}

TEST_F(StoreTest, DeletesOfAbsentKeysAreSkippedAndThatChangesNothingCommitsNothing) {
  put("c", "k", "1");
  auto result = store.commit(request({delete_op("c", "absent"), delete_op("d", "absent")}));
  EXPECT_EQ(result.outcome, CommitResult::Outcome::NoChange);
  EXPECT_EQ(result.revision, 1u);
  EXPECT_EQ(result.txn, nullptr);
  EXPECT_EQ(store.revision(), 1u);
  EXPECT_EQ(store.changelog_entries(), 1u);

  // With a condition that holds, still nothing to do.
  result = store.commit(request({delete_op("c", "absent")}, {{"c", "k", 1}}));
  EXPECT_EQ(result.outcome, CommitResult::Outcome::NoChange);
  EXPECT_EQ(store.revision(), 1u);

  // Mixed with a real op: the skipped delete is not in the committed txn.
  result = store.commit(request({delete_op("c", "absent"), put_op("c", "x", "1")}));
  ASSERT_EQ(result.outcome, CommitResult::Outcome::Committed);
  EXPECT_EQ(result.revision, 2u);
  ASSERT_EQ(result.txn->ops.size(), 1u);
  EXPECT_EQ(result.txn->ops[0].record->key, "x");
}

TEST_F(StoreTest, ListIsInByteOrderWithPrefixAfterAndMore) {
  for (std::string key : {"b", "a", "ab", "abc", "B", "ba", "\xC3\xA9", "a0", "\x7F"})
    put("list", key, "1");
  put("other", "a", "1");

  const V all = {"B", "a", "a0", "ab", "abc", "b", "ba", "\x7F", "\xC3\xA9"};
  auto page = store.list("list", "", "", 100);
  EXPECT_EQ(keys_of(page), all);
  EXPECT_FALSE(page.more);

  EXPECT_EQ(keys_of(store.list("list", "a", "", 100)), (V{"a", "a0", "ab", "abc"}));
  EXPECT_EQ(keys_of(store.list("list", "ab", "", 100)), (V{"ab", "abc"}));
  EXPECT_EQ(keys_of(store.list("list", "a", "a0", 100)), (V{"ab", "abc"}));
  EXPECT_EQ(keys_of(store.list("list", "", "ab", 100)), (V{"abc", "b", "ba", "\x7F", "\xC3\xA9"}));
  EXPECT_EQ(keys_of(store.list("list", "", "aa", 100)), (V{"ab", "abc", "b", "ba", "\x7F", "\xC3\xA9"}));
  EXPECT_EQ(keys_of(store.list("list", "b", "a", 100)), (V{"b", "ba"}));
  EXPECT_EQ(keys_of(store.list("list", "a", "b", 100)), V{});
  EXPECT_EQ(keys_of(store.list("list", "zz", "", 100)), V{});
  EXPECT_EQ(keys_of(store.list("nothing", "", "", 100)), V{});

  page = store.list("list", "", "", 3);
  EXPECT_EQ(keys_of(page), (V{"B", "a", "a0"}));
  EXPECT_TRUE(page.more);
  page = store.list("list", "a", "", 4);  // exactly full: nothing more with this prefix
  EXPECT_EQ(keys_of(page), (V{"a", "a0", "ab", "abc"}));
  EXPECT_FALSE(page.more);
  page = store.list("list", "a", "", 3);
  EXPECT_TRUE(page.more);

  // Paging with the last key as `after` visits every key once.
  V seen;
  std::string after;
  for (int guard = 0; guard < 100; ++guard) {
    page = store.list("list", "", after, 2);
    auto keys = keys_of(page);
    seen.insert(seen.end(), keys.begin(), keys.end());
    if (!page.more) break;
    after = keys.back();
  }
  EXPECT_EQ(seen, all);
}

TEST_F(StoreTest, SelectReturnsEachMatchingRecordOnce) {
  for (std::string key : {"a", "ab", "abc", "b", "x"}) put("c", key, "1");
  put("d", "a", "1");
  put("d", "ab", "1");

  auto ids = [](const std::vector<RecordPtr>& records) {
    std::multiset<std::pair<std::string, std::string>> out;
    for (const auto& r : records) out.emplace(r->collection, r->key);
    return out;
  };
  using Ids = std::multiset<std::pair<std::string, std::string>>;

  std::vector<protocol::SelectorSpec> overlapping = {
      {"c", "a"}, {"c", ""}, {"c", "ab"}, {"c", "a"}, {"d", "ab"}, {"nothing", ""}};
  EXPECT_EQ(ids(store.select(overlapping)),
            (Ids{{"c", "a"}, {"c", "ab"}, {"c", "abc"}, {"c", "b"}, {"c", "x"}, {"d", "ab"}}));

  std::vector<protocol::SelectorSpec> nested = {{"c", "ab"}, {"c", "a"}};
  EXPECT_EQ(ids(store.select(nested)), (Ids{{"c", "a"}, {"c", "ab"}, {"c", "abc"}}));

  std::vector<protocol::SelectorSpec> one = {{"d", ""}};
  EXPECT_EQ(ids(store.select(one)), (Ids{{"d", "a"}, {"d", "ab"}}));

  std::vector<protocol::SelectorSpec> none = {{"c", "zzz"}};
  EXPECT_TRUE(store.select(none).empty());
  EXPECT_TRUE(store.select({}).empty());

  // The selection is of current records: deleted ones are gone.
  remove("c", "abc");
  EXPECT_EQ(ids(store.select(nested)), (Ids{{"c", "a"}, {"c", "ab"}}));
}

TEST_F(StoreTest, ChangesSinceInsideTheLog) {
  for (int i = 1; i <= 5; ++i) put("c", "k" + std::to_string(i), "1");
  EXPECT_EQ(store.horizon(), 0u);
  EXPECT_EQ(store.changelog_entries(), 5u);

  auto revisions = [](const std::vector<CommittedTxnPtr>& txns) {
    std::vector<std::uint64_t> out;
    for (const auto& t : txns) out.push_back(t->revision);
    return out;
  };
  using R = std::vector<std::uint64_t>;
  auto all = store.changes_since(0);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(revisions(*all), (R{1, 2, 3, 4, 5}));
  auto tail = store.changes_since(3);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(revisions(*tail), (R{4, 5}));
  ASSERT_EQ((*tail)[0]->ops.size(), 1u);
  EXPECT_EQ((*tail)[0]->ops[0].record->key, "k4");
  auto none = store.changes_since(5);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

class SmallChangelog : public StoreTest {
 protected:
  SmallChangelog() : StoreTest(3) {}
};

TEST_F(SmallChangelog, TrimmingMovesTheHorizon) {
  EXPECT_EQ(store.changelog_retain(), 3u);
  put("c", "a", "1");
  put("c", "b", "1");
  EXPECT_EQ(store.horizon(), 0u);
  EXPECT_EQ(store.changelog_entries(), 2u);
  put("c", "c", "1");
  EXPECT_EQ(store.horizon(), 0u);
  EXPECT_EQ(store.changelog_entries(), 3u);
  put("c", "d", "1");
  put("c", "a", "2");  // revision 5
  EXPECT_EQ(store.changelog_entries(), 3u);
  EXPECT_EQ(store.horizon(), 2u) << "revisions 3..5 are kept; a client at 2 can still resume";

  auto revisions = [](const std::vector<CommittedTxnPtr>& txns) {
    std::vector<std::uint64_t> out;
    for (const auto& t : txns) out.push_back(t->revision);
    return out;
  };
  using R = std::vector<std::uint64_t>;
  auto at_horizon = store.changes_since(2);
  ASSERT_TRUE(at_horizon.has_value());
  EXPECT_EQ(revisions(*at_horizon), (R{3, 4, 5}));
  auto inside = store.changes_since(4);
  ASSERT_TRUE(inside.has_value());
  EXPECT_EQ(revisions(*inside), (R{5}));
  EXPECT_FALSE(store.changes_since(1).has_value()) << "below the horizon";
  EXPECT_FALSE(store.changes_since(0).has_value()) << "below the horizon";

  // A refused or empty commit does not trim anything.
  store.commit(request({delete_op("c", "absent")}));
  store.commit(request({put_op("c", "a", "3")}, {{"c", "a", 1}}));
  EXPECT_EQ(store.horizon(), 2u);

  for (int i = 0; i < 10; ++i) put("c", "a", std::to_string(i));
  EXPECT_EQ(store.revision(), 15u);
  EXPECT_EQ(store.changelog_entries(), 3u);
  EXPECT_EQ(store.horizon(), 12u);
  EXPECT_FALSE(store.changes_since(11).has_value());
  ASSERT_TRUE(store.changes_since(12).has_value());
  EXPECT_EQ(revisions(*store.changes_since(12)), (R{13, 14, 15}));
}

TEST_F(StoreTest, RecordCountFollowsPutsAndDeletes) {
  put("c", "a", "1");
  put("c", "b", "1");
  put("d", "a", "1");
  EXPECT_EQ(store.record_count(), 3u);
  put("c", "a", "2");  // overwrite
  EXPECT_EQ(store.record_count(), 3u);
  remove("c", "a");
  EXPECT_EQ(store.record_count(), 2u);
  store.commit(request({delete_op("c", "a")}));  // absent: skipped
  EXPECT_EQ(store.record_count(), 2u);
  store.commit(request({delete_op("c", "b"), delete_op("d", "a"), put_op("e", "z", "1")}));
  EXPECT_EQ(store.record_count(), 1u);
  EXPECT_TRUE(store.list("c", "", "", 10).records.empty());
  put("c", "a", "1");  // a collection emptied and used again
  EXPECT_EQ(store.record_count(), 2u);
  EXPECT_EQ(keys_of(store.list("c", "", "", 10)), V{"a"});
}
