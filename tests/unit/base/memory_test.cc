#include "base/memory.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace cinnabar::base {
namespace {

TEST(Memory, AllocateCountsUsableSizeAndFreeGivesItBack) {
  const int64_t before = UsedMemory();
  void* p = Allocate(1000);
  const int64_t usable = static_cast<int64_t>(UsableSize(p));
  EXPECT_GE(usable, 1000);
  EXPECT_EQ(UsedMemory(), before + usable);
  Free(p);
  EXPECT_EQ(UsedMemory(), before);
}

TEST(Memory, ReallocateAccountsTheDifference) {
  const int64_t before = UsedMemory();
  void* p = Allocate(16);
  p = Reallocate(p, 100000);
  EXPECT_EQ(UsedMemory(), before + static_cast<int64_t>(UsableSize(p)));
  p = Reallocate(p, 8);
  EXPECT_EQ(UsedMemory(), before + static_cast<int64_t>(UsableSize(p)));
  Free(p);
  EXPECT_EQ(UsedMemory(), before);
}

TEST(Memory, ReallocateOfNullAllocates) {
  const int64_t before = UsedMemory();
  void* p = Reallocate(nullptr, 64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(UsedMemory(), before + static_cast<int64_t>(UsableSize(p)));
  Free(p);
  EXPECT_EQ(UsedMemory(), before);
}

TEST(Memory, ZeroSizeAllocationIsValidAndFreeOfNullIsANoOp) {
  const int64_t before = UsedMemory();
  void* p = Allocate(0);
  ASSERT_NE(p, nullptr);
  Free(p);
  Free(nullptr);
  EXPECT_EQ(UsedMemory(), before);
}

TEST(Memory, OperatorNewIsCounted) {
  const int64_t before = UsedMemory();
  auto v = std::make_unique<std::vector<char>>(50000);
  EXPECT_GE(UsedMemory(), before + 50000);
  v.reset();
  EXPECT_EQ(UsedMemory(), before);
}

TEST(Memory, RegisteredThreadsStillAddUpToOneTotal) {
  const int64_t before = UsedMemory();
  void* p = nullptr;
  std::thread t([&] {
    RegisterMemoryThread();
    p = Allocate(4096);
  });
  t.join();
  const int64_t usable = static_cast<int64_t>(UsableSize(p));
  EXPECT_EQ(UsedMemory(), before + usable);
  Free(p);  // freed on another thread than allocated: the total still balances
  EXPECT_EQ(UsedMemory(), before);
}

}  // namespace
}  // namespace cinnabar::base
