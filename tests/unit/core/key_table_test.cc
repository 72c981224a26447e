#include "core/key_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/value_ops.h"

namespace cinnabar::core {
namespace {

using KeySet = std::unordered_set<std::string>;

// A table plus helpers that speak keys rather than hashes and handles.
class Table {
 public:
  KeyTable& t() { return table_; }

  Entry* Find(std::string_view key, KeyTable::Handle* where = nullptr) {
    return table_.Find(key, KeyTable::Hash(key), where);
  }
  Entry* Insert(std::string_view key, int64_t value, int64_t expire_ms = 0) {
    Entry* e = Entry::Create(key, expire_ms, Value::Int(value), 0);
    table_.Insert(KeyTable::Hash(key), e);
    return e;
  }
  bool Remove(std::string_view key) {
    KeyTable::Handle where;
    if (Find(key, &where) == nullptr) return false;
    DestroyEntry(table_.Remove(where));
    return true;
  }
  // Sets or clears `key`'s expiry through Replace.
  void SetExpire(std::string_view key, int64_t expire_ms) {
    KeyTable::Handle where;
    Entry* e = Find(key, &where);
    ASSERT_NE(e, nullptr);
    table_.Replace(where, Entry::ReplaceExpire(e, expire_ms));
  }
  KeySet Keys() {
    KeySet out;
    table_.ForEach([&](Entry* e) { out.emplace(e->key()); });
    return out;
  }
  // Runs a complete SCAN with `count`, calling `between` after each call.
  KeySet ScanAll(size_t count, const std::function<void()>& between = {}) {
    KeySet seen;
    uint64_t cursor = 0;
    bool done = false;
    int calls = 0;
    while (!done) {
      cursor = table_.Scan(cursor, count, [&](Entry* e) { seen.emplace(e->key()); }, &done);
      if (between) between();
      EXPECT_LT(++calls, 10000000);
    }
    EXPECT_EQ(cursor, 0u);
    return seen;
  }

 private:
  KeyTable table_;
};

std::string Key(int i) { return "key:" + std::to_string(i); }

TEST(KeyTable, StartsEmpty) {
  Table t;
  EXPECT_EQ(t.t().size(), 0u);
  EXPECT_EQ(t.t().volatile_count(), 0u);
  EXPECT_EQ(t.Find("missing"), nullptr);
  EXPECT_EQ(t.t().Random([] { return uint64_t{12345}; }), nullptr);
  EXPECT_TRUE(t.ScanAll(10).empty());
}

TEST(KeyTable, InsertFindRemove) {
  Table t;
  Entry* a = t.Insert("a", 1);
  t.Insert("b", 2);
  EXPECT_EQ(t.t().size(), 2u);
  KeyTable::Handle where;
  EXPECT_EQ(t.Find("a", &where), a);
  EXPECT_EQ(t.Find("b")->int_value(), 2);
  EXPECT_EQ(t.Find("c"), nullptr);
  Entry* removed = t.t().Remove(where);
  EXPECT_EQ(removed, a);
  DestroyEntry(removed);
  EXPECT_EQ(t.Find("a"), nullptr);
  EXPECT_EQ(t.t().size(), 1u);
}

TEST(KeyTable, KeysDifferingOnlyInBinaryBytesAreDistinct) {
  Table t;
  t.Insert(std::string_view("k\0a", 3), 1);
  t.Insert(std::string_view("k\0b", 3), 2);
  t.Insert("k", 3);
  EXPECT_EQ(t.Find(std::string_view("k\0a", 3))->int_value(), 1);
  EXPECT_EQ(t.Find(std::string_view("k\0b", 3))->int_value(), 2);
  EXPECT_EQ(t.Find("k")->int_value(), 3);
  EXPECT_EQ(t.Find(std::string_view("k\0", 2)), nullptr);
}

TEST(KeyTable, MatchesAModelThroughAMillionRandomOperations) {
  Table t;
  std::unordered_map<std::string, int64_t> model;
  std::mt19937_64 rng(2024);
  constexpr int kOps = 1000000;
  constexpr int kKeySpace = 300000;
  for (int op = 0; op < kOps; ++op) {
    std::string key = Key(static_cast<int>(rng() % kKeySpace));
    switch (rng() % 4) {
      case 0:
      case 1: {  // insert (or overwrite through Replace)
        int64_t value = static_cast<int64_t>(rng());
        KeyTable::Handle where;
        if (Entry* e = t.Find(key, &where)) {
          t.t().Replace(where, Entry::ReplaceValue(e, Value::Int(value)));
        } else {
          t.Insert(key, value);
        }
        model[key] = value;
        break;
      }
      case 2: {  // remove
        bool removed = t.Remove(key);
        ASSERT_EQ(removed, model.erase(key) == 1) << key;
        break;
      }
      default: {  // find
        Entry* e = t.Find(key);
        auto it = model.find(key);
        ASSERT_EQ(e != nullptr, it != model.end()) << key;
        if (e != nullptr) {
          ASSERT_EQ(e->int_value(), it->second) << key;
        }
      }
    }
    ASSERT_EQ(t.t().size(), model.size());
  }
  for (const auto& [key, value] : model) {
    Entry* e = t.Find(key);
    ASSERT_NE(e, nullptr) << key;
    ASSERT_EQ(e->int_value(), value);
  }
  size_t visited = 0;
  t.t().ForEach([&](Entry* e) {
    ++visited;
    ASSERT_EQ(model.count(std::string(e->key())), 1u);
  });
  EXPECT_EQ(visited, model.size());
}

TEST(KeyTable, GrowsBySplittingSegmentsAndKeepsEveryKey) {
  Table t;
  const size_t empty_overhead = t.t().OverheadBytes();
  constexpr int kKeys = 200000;  // far more than one segment holds
  for (int i = 0; i < kKeys; ++i) t.Insert(Key(i), i);
  EXPECT_EQ(t.t().size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    Entry* e = t.Find(Key(i));
    ASSERT_NE(e, nullptr) << i;
    ASSERT_EQ(e->int_value(), i);
  }
  // Many segments, but each at most a few times larger than what it holds.
  const size_t overhead = t.t().OverheadBytes();
  EXPECT_GT(overhead, empty_overhead);
  EXPECT_LT(overhead, kKeys * (sizeof(void*) + 1) * 4);
}

TEST(KeyTable, ChurnReusesDeletedSlotsInsteadOfGrowing) {
  Table t;
  constexpr int kLive = 3000;
  for (int i = 0; i < kLive; ++i) t.Insert(Key(i), i);
  size_t peak = 0;
  // Keep the live count constant while every key is replaced many times over.
  for (int i = kLive; i < kLive * 60; ++i) {
    ASSERT_TRUE(t.Remove(Key(i - kLive)));
    t.Insert(Key(i), i);
    peak = std::max(peak, t.t().OverheadBytes());
  }
  EXPECT_EQ(t.t().size(), static_cast<size_t>(kLive));
  for (int i = kLive * 59; i < kLive * 60; ++i) ASSERT_NE(t.Find(Key(i)), nullptr) << i;
  for (int i = 0; i < kLive * 59; i += 97) ASSERT_EQ(t.Find(Key(i)), nullptr) << i;
  // 3000 live keys need a few segments; 177000 distinct keys passed through.
  EXPECT_LT(peak, size_t{kLive} * (sizeof(void*) + 1) * 8);
}

TEST(KeyTable, ShrinkStepReleasesSpaceAfterMassDeletes) {
  Table t;
  constexpr int kKeys = 100000;
  for (int i = 0; i < kKeys; ++i) t.Insert(Key(i), i);
  const size_t full = t.t().OverheadBytes();
  for (int i = 0; i < kKeys; ++i) {
    if (i % 1000 != 0) {
      ASSERT_TRUE(t.Remove(Key(i)));
    }
  }
  EXPECT_EQ(t.t().size(), 100u);
  for (int pass = 0; pass < 3; ++pass) {
    uint64_t cursor = 0;
    int steps = 0;
    do {
      cursor = t.t().ShrinkStep(cursor);
      ASSERT_LT(++steps, 1000000);
    } while (cursor != 0);
  }
  EXPECT_LT(t.t().OverheadBytes(), full / 4);
  for (int i = 0; i < kKeys; i += 1000) {
    Entry* e = t.Find(Key(i));
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->int_value(), i);
  }
  // The shrunk table still grows again.
  for (int i = kKeys; i < kKeys + 20000; ++i) t.Insert(Key(i), i);
  EXPECT_EQ(t.t().size(), 20100u);
  EXPECT_NE(t.Find(Key(kKeys + 19999)), nullptr);
}

TEST(KeyTable, EmptiedTableMergesBackToOneSmallSegment) {
  Table t;
  const size_t empty = t.t().OverheadBytes();
  constexpr int kKeys = 300000;
  for (int i = 0; i < kKeys; ++i) t.Insert(Key(i), i);
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(t.Remove(Key(i)));
  EXPECT_TRUE(t.t().Sparse());
  int steps = 0;
  uint64_t cursor = 0;
  while (t.t().Sparse() || t.t().OverheadBytes() > empty) {
    cursor = t.t().ShrinkStep(cursor);
    ASSERT_LT(++steps, 100000);
  }
  EXPECT_EQ(t.t().OverheadBytes(), empty);
  // A merge keeps every key: delete most, merge, then find the rest.
  for (int i = 0; i < kKeys; ++i) t.Insert(Key(i), i);
  for (int i = 0; i < kKeys; ++i) {
    if (i % 500 != 0) {
      ASSERT_TRUE(t.Remove(Key(i)));
    }
  }
  for (steps = 0; t.t().Sparse(); ++steps) {
    cursor = t.t().ShrinkStep(cursor);
    ASSERT_LT(steps, 100000);
  }
  EXPECT_EQ(t.Keys().size(), static_cast<size_t>(kKeys / 500));
  for (int i = 0; i < kKeys; i += 500) ASSERT_NE(t.Find(Key(i)), nullptr) << i;
  EXPECT_EQ(t.ScanAll(10).size(), static_cast<size_t>(kKeys / 500));
}

TEST(KeyTable, LoadStaysHighWhileGrowing) {
  Table t;
  for (int i = 1; i <= 400000; ++i) {
    t.Insert(Key(i), i);
    if (i % 50000 == 0) {
      // Segments grow by quarters and split into halves sized for what they hold: never
      // below about 60% full (9 bytes a slot), unlike doubling's 44%.
      EXPECT_LT(t.t().OverheadBytes(), static_cast<size_t>(i) * 9 * 10 / 6) << i;
    }
  }
}

TEST(KeyTable, RandomReturnsOnlyMembers) {
  Table t;
  KeySet keys;
  for (int i = 0; i < 5000; ++i) {
    t.Insert(Key(i), i);
    keys.insert(Key(i));
  }
  std::mt19937_64 rng(7);
  KeySet seen;
  for (int i = 0; i < 2000; ++i) {
    Entry* e = t.t().Random([&] { return rng(); });
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(keys.count(std::string(e->key())), 1u);
    seen.emplace(e->key());
  }
  EXPECT_GT(seen.size(), 1000u);  // spread over the table, not one key over and over
}

TEST(KeyTable, RandomFindsTheLastKeyOfASparseTable) {
  Table t;
  for (int i = 0; i < 50000; ++i) t.Insert(Key(i), i);
  for (int i = 0; i < 50000; ++i) {
    if (i != 31337) {
      ASSERT_TRUE(t.Remove(Key(i)));
    }
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20; ++i) {
    Entry* e = t.t().Random([&] { return rng(); });
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->key(), Key(31337));
  }
}

TEST(KeyTable, FullScanReturnsEveryKey) {
  Table t;
  KeySet keys;
  for (int i = 0; i < 20000; ++i) {
    t.Insert(Key(i), i);
    keys.insert(Key(i));
  }
  for (size_t count : {1u, 10u, 1000u, 100000u}) {
    EXPECT_EQ(t.ScanAll(count), keys) << "count " << count;
  }
}

TEST(KeyTable, ScanWithCountOneVisitsAboutOneKeyPerCall) {
  Table t;
  for (int i = 0; i < 3000; ++i) t.Insert(Key(i), i);
  uint64_t cursor = 0;
  bool done = false;
  int calls = 0;
  size_t max_batch = 0;
  while (!done) {
    size_t batch = 0;
    cursor = t.t().Scan(cursor, 1, [&](Entry*) { ++batch; }, &done);
    max_batch = std::max(max_batch, batch);
    ++calls;
  }
  EXPECT_GE(calls, 2000);  // a cut is only made where the 56-bit position changes
  EXPECT_LE(max_batch, 3u);
}

TEST(KeyTable, ScanReturnsKeysPresentThroughoutDespiteInsertsAndDeletes) {
  Table t;
  KeySet stable;
  for (int i = 0; i < 5000; ++i) {
    t.Insert("stable:" + std::to_string(i), i);
    stable.insert("stable:" + std::to_string(i));
  }
  std::vector<std::string> transient;
  int next = 0;
  std::mt19937_64 rng(99);
  // Between calls, the table grows (splitting segments) and loses other keys. The churn stops
  // after a while: a table that grows faster than a COUNT 1 scan advances never finishes it.
  int calls = 0;
  KeySet seen = t.ScanAll(1, [&] {
    if (++calls > 4000) return;
    for (int k = 0; k < 20; ++k) {
      std::string key = "new:" + std::to_string(next++);
      t.Insert(key, 0);
      transient.push_back(key);
    }
    for (int k = 0; k < 5 && !transient.empty(); ++k) {
      size_t at = rng() % transient.size();
      ASSERT_TRUE(t.Remove(transient[at]));
      transient[at] = transient.back();
      transient.pop_back();
    }
  });
  for (const std::string& key : stable) EXPECT_EQ(seen.count(key), 1u) << key;
  EXPECT_GT(t.t().size(), 50000u);  // the table really did grow during the scan
}

TEST(KeyTable, SweepVolatileVisitsExactlyTheKeysWithAnExpiry) {
  Table t;
  KeySet volatile_keys;
  for (int i = 0; i < 20000; ++i) {
    bool has_expire = i % 3 == 0;
    t.Insert(Key(i), i, has_expire ? 1000 + i : 0);
    if (has_expire) volatile_keys.insert(Key(i));
  }
  EXPECT_EQ(t.t().volatile_count(), volatile_keys.size());
  KeySet visited;
  uint64_t cursor = 0;
  size_t slots = 0;
  do {
    cursor = t.t().SweepVolatile(
        cursor,
        [&](const KeyTable::Handle&, Entry* e) {
          EXPECT_TRUE(e->has_expire());
          EXPECT_TRUE(visited.emplace(e->key()).second) << "visited twice: " << e->key();
          return false;
        },
        &slots);
  } while (cursor != 0);
  EXPECT_EQ(visited, volatile_keys);
  EXPECT_GE(slots, t.t().size());
}

TEST(KeyTable, SweepVolatileVisitorMayRemoveWhatItVisits) {
  Table t;
  for (int i = 0; i < 10000; ++i) t.Insert(Key(i), i, i % 2 == 0 ? 500 : 0);
  uint64_t cursor = 0;
  size_t slots = 0;
  do {
    cursor = t.t().SweepVolatile(
        cursor,
        [&](const KeyTable::Handle& where, Entry* e) {
          EXPECT_EQ(t.t().Remove(where), e);
          DestroyEntry(e);
          return true;
        },
        &slots);
  } while (cursor != 0);
  EXPECT_EQ(t.t().volatile_count(), 0u);
  EXPECT_EQ(t.t().size(), 5000u);
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(t.Find(Key(i)) != nullptr, i % 2 == 1) << i;
}

TEST(KeyTable, VolatileCountFollowsReplaceAndRemove) {
  Table t;
  t.Insert("a", 1);
  t.Insert("b", 2, 100);
  EXPECT_EQ(t.t().volatile_count(), 1u);
  t.SetExpire("a", 200);
  EXPECT_EQ(t.t().volatile_count(), 2u);
  t.SetExpire("a", 300);  // still volatile
  EXPECT_EQ(t.t().volatile_count(), 2u);
  t.SetExpire("b", 0);
  EXPECT_EQ(t.t().volatile_count(), 1u);
  // A value change that keeps the expiry keeps the count.
  KeyTable::Handle where;
  Entry* e = t.Find("a", &where);
  t.t().Replace(where, Entry::ReplaceValue(e, Value::Embedded(std::string(40, 'v'))));
  EXPECT_EQ(t.t().volatile_count(), 1u);
  EXPECT_EQ(t.Find("a")->expire_ms(), 300);
  ASSERT_TRUE(t.Remove("b"));
  EXPECT_EQ(t.t().volatile_count(), 1u);
  ASSERT_TRUE(t.Remove("a"));
  EXPECT_EQ(t.t().volatile_count(), 0u);
  EXPECT_EQ(t.t().size(), 0u);
}

TEST(KeyTable, VolatileCountSurvivesGrowthAndShrinking) {
  Table t;
  for (int i = 0; i < 30000; ++i) t.Insert(Key(i), i, i % 4 == 0 ? 1 : 0);
  EXPECT_EQ(t.t().volatile_count(), 7500u);
  for (int i = 0; i < 30000; i += 2) ASSERT_TRUE(t.Remove(Key(i)));
  EXPECT_EQ(t.t().volatile_count(), 0u);
  for (int i = 1; i < 30000; i += 2) t.SetExpire(Key(i), 5);
  uint64_t cursor = 0;
  do cursor = t.t().ShrinkStep(cursor);
  while (cursor != 0);
  EXPECT_EQ(t.t().volatile_count(), 15000u);
  size_t swept = 0, slots = 0;
  do {
    cursor = t.t().SweepVolatile(cursor, [&](const KeyTable::Handle&, Entry*) {
      ++swept;
      return false;
    }, &slots);
  } while (cursor != 0);
  EXPECT_EQ(swept, 15000u);
}

TEST(KeyTable, ClearFreesEverythingAndTheTableIsReusable) {
  Table t;
  for (int i = 0; i < 10000; ++i) t.Insert(Key(i), i, i % 2 ? 7 : 0);
  t.t().Clear();
  EXPECT_EQ(t.t().size(), 0u);
  EXPECT_EQ(t.t().volatile_count(), 0u);
  EXPECT_EQ(t.Find(Key(5)), nullptr);
  t.Insert("again", 1);
  EXPECT_EQ(t.Keys(), KeySet{"again"});
}

TEST(KeyTable, MoveLeavesTheSourceEmptyAndUsable) {
  Table t;
  for (int i = 0; i < 3000; ++i) t.Insert(Key(i), i, i == 0 ? 9 : 0);
  KeyTable moved(std::move(t.t()));
  EXPECT_EQ(moved.size(), 3000u);
  EXPECT_EQ(moved.volatile_count(), 1u);
  EXPECT_NE(moved.Find(Key(2999), KeyTable::Hash(Key(2999)), nullptr), nullptr);
  EXPECT_EQ(t.t().size(), 0u);
  t.Insert("fresh", 1);
  EXPECT_EQ(t.Keys(), KeySet{"fresh"});
  KeyTable assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.size(), 3000u);
}

// The snapshot's use of the mark: a scan by TakeSegment from position 0, with entries
// written ahead of it (marked) and entries added behind it (marked), while the table grows
// and splits. Every key present at the start is taken exactly once, nothing added after it,
// and no mark is left when the scan is done.
TEST(KeyTable, TakeSegmentSkipsMarkedEntriesAcrossSplitsAndLeavesNoMark) {
  Table t;
  constexpr int kStart = 20000;
  for (int i = 0; i < kStart; ++i) t.Insert(Key(i), i);
  std::unordered_map<std::string, int> taken;
  uint64_t cursor = 0;
  bool last = false;
  int added = 0;
  std::mt19937_64 rng(7);
  auto passed = [&](uint64_t hash) { return last || hash < cursor; };
  while (!last) {
    // Between steps: touch existing keys ahead of the scan (taken early and marked) and
    // add new keys (marked where the scan has not been).
    for (int k = 0; k < 800; ++k) {
      std::string key = Key(static_cast<int>(rng() % kStart));
      KeyTable::Handle where;
      if (t.Find(key, &where) != nullptr && !passed(KeyTable::Hash(key)) &&
          !t.t().Marked(where)) {
        ++taken[key];
        t.t().Mark(where);
      }
      std::string fresh = "new:" + std::to_string(added++);
      Entry* e = Entry::Create(fresh, 0, Value::Int(0), 0);
      t.t().Insert(KeyTable::Hash(fresh), e, !passed(KeyTable::Hash(fresh)));
    }
    uint64_t begin, end;
    t.t().TakeSegment(cursor, [&](Entry* e) { ++taken[std::string(e->key())]; }, &begin, &end,
                      &last);
    EXPECT_EQ(begin, cursor);  // the cursor always starts a segment
    cursor = end;
  }
  EXPECT_GT(added, kStart);  // the table more than doubled meanwhile
  ASSERT_EQ(taken.size(), static_cast<size_t>(kStart));
  for (const auto& [key, times] : taken) {
    ASSERT_EQ(key.rfind("key:", 0), 0u) << key;
    ASSERT_EQ(times, 1) << key;
  }
  for (const std::string& key : t.Keys()) {
    KeyTable::Handle where;
    ASSERT_NE(t.Find(key, &where), nullptr);
    ASSERT_FALSE(t.t().Marked(where)) << key;
  }
}

TEST(KeyTable, MarkSurvivesReplaceAndLeavesWithRemove) {
  Table t;
  t.Insert("a", 1);
  KeyTable::Handle where;
  ASSERT_NE(t.Find("a", &where), nullptr);
  EXPECT_FALSE(t.t().Marked(where));
  t.t().Mark(where);
  t.SetExpire("a", 5000);  // Replace with a reallocated entry
  ASSERT_NE(t.Find("a", &where), nullptr);
  EXPECT_TRUE(t.t().Marked(where));
  EXPECT_EQ(t.t().volatile_count(), 1u);
  EXPECT_TRUE(t.Remove("a"));
  t.Insert("a", 2);
  ASSERT_NE(t.Find("a", &where), nullptr);
  EXPECT_FALSE(t.t().Marked(where));
}

}  // namespace
}  // namespace cinnabar::core
