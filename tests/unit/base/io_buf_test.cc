#include "base/io_buf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace cinnabar::base {
namespace {

TEST(IoBuf, StartsEmptyWithoutStorage) {
  IoBuf b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.view(), "");
}

TEST(IoBuf, AppendsBytesInOrder) {
  IoBuf b;
  b.Append("hello");
  b.Append(' ');
  b.Append(std::string_view("world\0!", 7));
  EXPECT_EQ(b.view(), std::string_view("hello world\0!", 13));
  EXPECT_GE(b.capacity(), b.size());
}

TEST(IoBuf, ConsumeDropsBytesFromTheFront) {
  IoBuf b;
  b.Append("abcdef");
  b.Consume(2);
  EXPECT_EQ(b.view(), "cdef");
  b.Consume(3);
  EXPECT_EQ(b.view(), "f");
}

TEST(IoBuf, ConsumingEverythingRewindsToTheStartOfStorage) {
  IoBuf b;
  b.Append("abc");
  const char* start = b.data();
  b.Consume(1);
  EXPECT_EQ(b.data(), start + 1);
  b.Consume(2);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), start);
  EXPECT_EQ(b.writable(), b.capacity());
}

TEST(IoBuf, PrepareWriteAndCommitAppend) {
  IoBuf b;
  char* p = b.PrepareWrite(4);
  EXPECT_GE(b.writable(), 4u);
  std::memcpy(p, "wxyz", 4);
  b.Commit(3);
  EXPECT_EQ(b.view(), "wxy");
}

TEST(IoBuf, CompactsConsumedSpaceInsteadOfGrowing) {
  IoBuf b;
  b.Append(std::string(100, 'x'));
  const size_t cap = b.capacity();
  ASSERT_GE(cap, 1024u);
  // Fill to the end, then consume most of it: a write that needs room must reuse the front.
  b.Append(std::string(cap - b.size(), 'y'));
  EXPECT_EQ(b.writable(), 0u);
  b.Consume(cap - 10);
  std::string tail(b.view());
  b.Append(std::string(500, 'z'));
  EXPECT_EQ(b.capacity(), cap);
  EXPECT_EQ(b.view(), tail + std::string(500, 'z'));
}

TEST(IoBuf, CompactsWhenLiveBytesOverlapTheirDestination) {
  IoBuf b;
  b.Append(std::string(1024, 'a'));
  const size_t cap = b.capacity();
  b.Append(std::string(cap - b.size(), 'b'));
  // Consume less than what stays, so the move source and destination overlap.
  b.Consume(cap / 4);
  std::string live(b.view());
  b.Append(std::string(cap / 8, 'c'));
  EXPECT_EQ(b.capacity(), cap);
  EXPECT_EQ(b.view(), live + std::string(cap / 8, 'c'));
}

TEST(IoBuf, GrowsAndKeepsContent) {
  IoBuf b;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    std::string piece = std::to_string(i) + ",";
    b.Append(piece);
    expected += piece;
  }
  EXPECT_EQ(b.view(), expected);
  EXPECT_GE(b.capacity(), expected.size());
  // A single large append grows to at least what it needs.
  b.Append(std::string(1 << 20, 'q'));
  EXPECT_EQ(b.size(), expected.size() + (1 << 20));
  EXPECT_EQ(b.view().substr(0, expected.size()), expected);
}

TEST(IoBuf, GrowsAfterConsumingWhenCompactionIsNotEnough) {
  IoBuf b;
  b.Append(std::string(1024, 'a'));
  b.Append(std::string(b.capacity() - b.size(), 'a'));
  b.Consume(10);
  std::string live(b.view());
  b.Append(std::string(5000, 'b'));
  EXPECT_EQ(b.view(), live + std::string(5000, 'b'));
}

TEST(IoBuf, ShrinkIfIdleFreesOnlyLargeEmptyBuffers) {
  IoBuf b;
  b.Append(std::string(100000, 'x'));
  b.ShrinkIfIdle(1024);
  EXPECT_GE(b.capacity(), 100000u);  // not empty: kept
  b.Consume(b.size());
  b.ShrinkIfIdle(1 << 20);
  EXPECT_GE(b.capacity(), 100000u);  // under the limit: kept
  b.ShrinkIfIdle(1024);
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_TRUE(b.empty());
  b.Append("again");
  EXPECT_EQ(b.view(), "again");
}

TEST(IoBuf, ClearKeepsStorage) {
  IoBuf b;
  b.Append("abc");
  size_t cap = b.capacity();
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), cap);
}

TEST(IoBuf, MoveTransfersContent) {
  IoBuf a;
  a.Append("payload");
  a.Consume(3);
  IoBuf b(std::move(a));
  EXPECT_EQ(b.view(), "load");
  IoBuf c;
  c.Append("other");
  c = std::move(b);
  EXPECT_EQ(c.view(), "load");
}

}  // namespace
}  // namespace cinnabar::base
