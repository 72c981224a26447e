// The bytes each value type reports (MEMORY USAGE): exact when asked for every element, estimated
// from samples otherwise, and in step with the allocator's own count.
#include <gtest/gtest.h>

#include <string>

#include "base/memory.h"
#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/set_value.h"
#include "core/value_ops.h"
#include "core/zset_value.h"

namespace cinnabar::core {
namespace {

std::string Member(int i) { return "member:" + std::to_string(100000 + i); }

TEST(ValueBytes, ExactMeasureMatchesTheAllocatorsCount) {
  const int64_t before = base::UsedMemory();
  SetValue s = SetValue::Create("x", 1, SetLimits{});
  for (int i = 0; i < 1000; ++i) s.Add(Member(i), SetLimits{});
  ASSERT_EQ(s.encoding(), kSetHashtable);
  int64_t grown = base::UsedMemory() - before;
  size_t exact = s.AllocatedBytes(0);
  // The table object itself is counted by its size, not its allocator rounding.
  EXPECT_NEAR(static_cast<double>(exact), static_cast<double>(grown), 64.0);
  s.Destroy();
}

TEST(ValueBytes, SamplesEstimateEqualElementsClosely) {
  HashValue h = HashValue::Create();
  for (int i = 0; i < 2000; ++i) h.Set(Member(i), "value", HashLimits{});
  ASSERT_EQ(h.encoding(), kHashHashtable);
  size_t exact = h.AllocatedBytes(0);
  size_t sampled = h.AllocatedBytes(5);
  EXPECT_NEAR(static_cast<double>(sampled), static_cast<double>(exact), exact * 0.1);
  EXPECT_EQ(h.AllocatedBytes(5000), exact);  // more samples than elements: exact
  h.Destroy();
}

TEST(ValueBytes, SamplesMissUnevenElementsButExactDoesNot) {
  ZSetLimits limits;
  ZSetValue z = ZSetValue::Create(0, 10, limits);
  double out;
  for (int i = 0; i < 1000; ++i) z.Add(Member(i), i, 0, &out, limits);
  size_t small_only = z.AllocatedBytes(0);
  for (int i = 0; i < 10; ++i)
    z.Add(std::string(10000, 'x') + std::to_string(i), -i, 0, &out, limits);
  size_t exact = z.AllocatedBytes(0);
  EXPECT_GE(exact, small_only + 10 * 10000);
  EXPECT_GT(z.AllocatedBytes(1), 0u);
  z.Destroy();
}

TEST(ValueBytes, ListSamplesNodes) {
  ListValue l = ListValue::Create();
  for (int i = 0; i < 5000; ++i) l.Push(Member(i), ListEnd::kTail, ListLimits{});
  ASSERT_EQ(l.encoding(), kListQuicklist);
  size_t exact = l.AllocatedBytes(0);
  EXPECT_GT(exact, 5000u * Member(0).size());
  EXPECT_NEAR(static_cast<double>(l.AllocatedBytes(5)), static_cast<double>(exact), exact * 0.1);
  Value v = l.value();
  EXPECT_EQ(ValueAllocatedBytes(v, 0), exact);
  l.Destroy();
}

// A compressed list counts its inner nodes compressed (MEMORY USAGE, as Redis).
TEST(ValueBytes, CompressedListCountsCompressedNodes) {
  ListValue plain = ListValue::Create(), packed = ListValue::Create();
  for (int i = 0; i < 20000; ++i) {
    std::string s = "value:" + std::string(30, 'v') + std::to_string(i % 7);
    plain.Push(s, ListEnd::kTail, ListLimits{.compress_depth = 0});
    packed.Push(s, ListEnd::kTail, ListLimits{.compress_depth = 1});
  }
  size_t plain_bytes = ValueAllocatedBytes(plain.value(), 0);
  size_t packed_bytes = ValueAllocatedBytes(packed.value(), 0);
  EXPECT_LT(packed_bytes * 4, plain_bytes);
  // Sampling from the head sees the plain head node and compressed ones after it.
  EXPECT_LT(ValueAllocatedBytes(packed.value(), 5) * 2, plain_bytes);
  plain.Destroy();
  packed.Destroy();
}

TEST(ValueBytes, GrowsWithTheValue) {
  SetValue s = SetValue::Create("1", 1, SetLimits{});
  size_t one = ValueAllocatedBytes(Value::OutOfLine(ObjType::kSet, s.encoding(), s.pointer()));
  for (int i = 0; i < 500; ++i) s.Add(Member(i), SetLimits{});
  size_t many = ValueAllocatedBytes(Value::OutOfLine(ObjType::kSet, s.encoding(), s.pointer()));
  EXPECT_GT(many, one + 500 * Member(0).size());
  s.Destroy();
}

}  // namespace
}  // namespace cinnabar::core
