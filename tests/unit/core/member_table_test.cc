#include "core/member_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

namespace cinnabar::core {
namespace {

std::string Name(std::mt19937_64& rng, int universe) {
  // Mostly short names, some long enough to need a two-byte length.
  int n = static_cast<int>(rng() % static_cast<uint64_t>(universe));
  std::string s = "m" + std::to_string(n);
  if (n % 17 == 0) s += std::string(200, 'x');
  return s;
}

TEST(MemberTableTest, SetMembersAgainstStdSet) {
  std::mt19937_64 rng(7);
  MemberTable t;
  std::set<std::string> model;
  for (int i = 0; i < 60000; ++i) {
    std::string m = Name(rng, 20000);
    uint64_t h = MemberTable::Hash(m);
    MemberTable::Handle where;
    SetMember* found = t.Find(m, h, &where);
    ASSERT_EQ(found != nullptr, model.count(m) == 1);
    if (rng() % 3 == 0) {
      if (found != nullptr) {
        SetMember::Free(t.Remove(where));
        model.erase(m);
      }
    } else if (found == nullptr) {
      t.Insert(h, SetMember::Create(m));
      model.insert(m);
    } else {
      EXPECT_EQ(found->view(), m);
    }
  }
  ASSERT_EQ(t.size(), model.size());
  std::set<std::string> seen;
  t.ForEach([&](SetMember* m) { seen.insert(std::string(m->view())); });
  EXPECT_EQ(seen, model);

  // A full scan in small steps returns every member.
  std::set<std::string> scanned;
  uint64_t cursor = 0;
  bool done = false;
  do {
    cursor = t.Scan(cursor, 10, [&](SetMember* m) { scanned.insert(std::string(m->view())); },
                    &done);
  } while (!done);
  EXPECT_EQ(scanned, model);
  EXPECT_NE(t.Random([&] { return rng(); }), nullptr);
}

TEST(MemberTableTest, HashFieldsAgainstStdMap) {
  std::mt19937_64 rng(11);
  FieldTable t;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 60000; ++i) {
    std::string f = Name(rng, 15000);
    std::string v = std::string(rng() % 300, static_cast<char>('a' + rng() % 26));
    uint64_t h = FieldTable::Hash(f);
    FieldTable::Handle where;
    HashField* found = t.Find(f, h, &where);
    ASSERT_EQ(found != nullptr, model.count(f) == 1);
    if (rng() % 4 == 0) {
      if (found != nullptr) {
        HashField::Free(t.Remove(where));
        model.erase(f);
      }
    } else if (found == nullptr) {
      t.Insert(h, HashField::Create(f, v));
      model[f] = v;
    } else {
      EXPECT_EQ(found->value(), model[f]);
      HashField* updated = HashField::SetValue(found, v);
      if (updated != found) t.Replace(where, updated);
      model[f] = v;
      EXPECT_EQ(updated->field(), f);
      EXPECT_EQ(updated->value(), v);
    }
  }
  ASSERT_EQ(t.size(), model.size());
  std::map<std::string, std::string> seen;
  t.ForEach([&](HashField* f) { seen[std::string(f->field())] = std::string(f->value()); });
  EXPECT_EQ(seen, model);
  t.Clear();
  EXPECT_EQ(t.size(), 0u);
}

TEST(MemberTableTest, EmptyMemberAndValue) {
  HashField* f = HashField::Create("", "");
  EXPECT_EQ(f->field(), "");
  EXPECT_EQ(f->value(), "");
  f = HashField::SetValue(f, "now longer than before");
  EXPECT_EQ(f->field(), "");
  EXPECT_EQ(f->value(), "now longer than before");
  HashField::Free(f);
  SetMember* m = SetMember::Create("");
  EXPECT_EQ(m->view(), "");
  SetMember::Free(m);
}

}  // namespace
}  // namespace cinnabar::core
