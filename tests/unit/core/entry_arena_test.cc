#include "core/entry_arena.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "base/memory.h"
#include "core/entry.h"

namespace cinnabar::core {
namespace {

TEST(EntryArena, BlocksAreTheSizeRoundedUpToFour) {
  EntryArena arena;
  EntryArena::Free(arena.Allocate(8));  // maps the first chunk (its record is counted)
  const int64_t before = base::UsedMemory();
  void* a = arena.Allocate(36);
  void* b = arena.Allocate(1);
  void* c = arena.Allocate(EntryArena::kMaxBlock);
  EXPECT_EQ(EntryArena::BlockSize(a), 36u);
  EXPECT_EQ(EntryArena::BlockSize(b), 4u);
  EXPECT_EQ(EntryArena::BlockSize(c), EntryArena::kMaxBlock);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 4, 0u);
  EXPECT_EQ(EntryArena::Owner(a), &arena);
  EXPECT_EQ(base::UsedMemory() - before, 36 + 4 + static_cast<int64_t>(EntryArena::kMaxBlock));
  EntryArena::Free(a);
  EntryArena::Free(b);
  EntryArena::Free(c);
  EXPECT_EQ(base::UsedMemory(), before);
}

TEST(EntryArena, ReusesFreedBlocksAndReturnsEmptyPages) {
  EntryArena arena;
  std::vector<void*> blocks;
  for (int i = 0; i < 100000; ++i) blocks.push_back(arena.Allocate(40));
  const size_t full = arena.pages();
  EXPECT_GE(full, 100000u * 40 / (64 << 10));
  for (void* p : blocks) EntryArena::Free(p);
  EXPECT_LE(arena.pages(), 1u);  // the class keeps one page for the next block
  blocks.clear();
  for (int i = 0; i < 100000; ++i) blocks.push_back(arena.Allocate(40));
  EXPECT_EQ(arena.pages(), full);
  for (void* p : blocks) EntryArena::Free(p);
}

TEST(EntryArena, RandomChurnKeepsEveryBlockIntact) {
  EntryArena arena;
  std::mt19937 rng(7);
  std::vector<std::pair<unsigned char*, size_t>> live;
  for (int step = 0; step < 200000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      const size_t size = 1 + rng() % EntryArena::kMaxBlock;
      auto* p = static_cast<unsigned char*>(arena.Allocate(size));
      std::memset(p, static_cast<int>(size & 0xFF), size);
      live.emplace_back(p, size);
    } else {
      const size_t i = rng() % live.size();
      auto [p, size] = live[i];
      for (size_t k = 0; k < size; ++k) ASSERT_EQ(p[k], size & 0xFF);
      EntryArena::Free(p);
      live[i] = live.back();
      live.pop_back();
    }
  }
  for (auto [p, size] : live) {
    for (size_t k = 0; k < size; ++k) ASSERT_EQ(p[k], size & 0xFF);
    EntryArena::Free(p);
  }
}

TEST(EntryArena, EntriesLiveInTheArenaUntilTooBig) {
  EntryArena arena;
  Entry* e = Entry::Create("key:0000000001", 0, Value::Embedded("v000000000000001"), 0, &arena);
  EXPECT_EQ(e->AllocatedBytes(), 36u);  // 4 + 1 + 14 + 1 + 16
  // A longer value that still fits the class reuses the block, a bigger one moves; an
  // expiry moves it too, within the same arena.
  e = Entry::ReplaceExpire(e, 1700000000000);
  EXPECT_EQ(e->AllocatedBytes(), 44u);
  EXPECT_EQ(e->expire_ms(), 1700000000000);
  EXPECT_EQ(e->embedded(), "v000000000000001");
  EXPECT_EQ(EntryArena::Owner(e), &arena);
  std::string big(200, 'k');
  Entry* h = Entry::Create(big, 0, Value::Int(5), 0, &arena);
  EXPECT_GE(h->AllocatedBytes(), 200u);
  EXPECT_EQ(h->key(), big);
  Entry::FreeShell(h);
  e = Entry::ReplaceValue(e, Value::Int(42));
  EXPECT_EQ(e->int_value(), 42);
  EXPECT_EQ(e->AllocatedBytes(), 44u);  // in place
  Entry::FreeShell(e);
  EXPECT_EQ(arena.pages(), 2u);  // each class used keeps a page for its next block
}

}  // namespace
}  // namespace cinnabar::core
