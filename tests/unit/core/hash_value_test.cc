#include "core/hash_value.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace cinnabar::core {
namespace {

std::map<std::string, std::string> AsMap(const HashValue& h) {
  std::map<std::string, std::string> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

TEST(HashValueTest, ConvertsPastLimits) {
  HashLimits limits{.max_listpack_entries = 2, .max_listpack_value = 4};
  HashValue h = HashValue::Create();
  EXPECT_TRUE(h.Set("a", "1", limits));
  EXPECT_FALSE(h.Set("a", "2", limits));
  EXPECT_TRUE(h.Set("b", "22", limits));
  EXPECT_EQ(h.encoding(), kHashListpack);
  EXPECT_TRUE(h.Set("c", "3", limits));
  EXPECT_EQ(h.encoding(), kHashHashtable);
  EXPECT_EQ(AsMap(h), (std::map<std::string, std::string>{{"a", "2"}, {"b", "22"}, {"c", "3"}}));
  h.Destroy();

  h = HashValue::Create();
  h.Set("a", "12345", limits);
  EXPECT_EQ(h.encoding(), kHashHashtable);
  h.Destroy();

  h = HashValue::Create();
  std::string_view args[] = {"f", "longvalue"};
  h.ConvertIfTooLong(args, limits);
  EXPECT_EQ(h.encoding(), kHashHashtable);
  EXPECT_EQ(h.Size(), 0u);
  h.Destroy();
}

TEST(HashValueTest, RandomizedAgainstStdMap) {
  std::mt19937_64 rng(5);
  auto random = [&] { return rng(); };
  for (int round = 0; round < 30; ++round) {
    HashLimits limits{.max_listpack_entries = static_cast<int64_t>(rng() % 50),
                      .max_listpack_value = static_cast<int64_t>(rng() % 12)};
    HashValue h = HashValue::Create();
    std::map<std::string, std::string> model;
    for (int i = 0; i < 500; ++i) {
      std::string f = "f" + std::to_string(rng() % 100);
      // Integers (stored as such in a listpack) and strings of varied length.
      std::string v = rng() % 2 ? std::to_string(static_cast<int64_t>(rng() % 2000) - 1000)
                                : std::string(rng() % 12, 'v');
      if (rng() % 4 == 0) {
        EXPECT_EQ(h.Delete(f), model.erase(f) == 1);
      } else {
        EXPECT_EQ(h.Set(f, v, limits), model.count(f) == 0);
        model[f] = v;
      }
      ASSERT_EQ(h.Size(), model.size());
      IntBuffer scratch;
      auto got = h.Get(f, &scratch);
      ASSERT_EQ(got.has_value(), model.count(f) == 1);
      if (got) {
        EXPECT_EQ(*got, model[f]);
      }
    }
    EXPECT_EQ(AsMap(h), model);
    HashValue copy = h.Clone();
    EXPECT_EQ(AsMap(copy), model);
    copy.Destroy();
    if (!model.empty()) {
      for (const auto& [f, v] : h.Random(7, false, random)) EXPECT_EQ(model.at(f), v);
      EXPECT_EQ(h.Random(1000, false, random).size(), model.size());
      EXPECT_EQ(h.Random(30, true, random).size(), 30u);
    }
    std::map<std::string, std::string> scanned;
    uint64_t cursor = 0;
    do {
      cursor = h.Scan(cursor, 4, [&](std::string_view f, std::string_view v) {
        scanned.emplace(f, v);
      });
    } while (cursor != 0);
    EXPECT_EQ(scanned, model);
    h.Destroy();
  }
}

}  // namespace
}  // namespace cinnabar::core
