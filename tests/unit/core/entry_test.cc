#include "core/entry.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "base/memory.h"
#include "core/raw_string.h"
#include "core/value_ops.h"

namespace cinnabar::core {
namespace {

// Frees an entry (and its value) at scope exit.
struct EntryPtr {
  Entry* e = nullptr;
  explicit EntryPtr(Entry* entry) : e(entry) {}
  ~EntryPtr() {
    if (e != nullptr) DestroyEntry(e);
  }
  Entry* operator->() { return e; }
};

TEST(Entry, HoldsKeyAndIntegerWithoutExpiry) {
  EntryPtr e(Entry::Create("counter", 0, Value::Int(-12345), 77));
  EXPECT_EQ(e->key(), "counter");
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 0);
  EXPECT_EQ(e->type(), ObjType::kString);
  EXPECT_EQ(e->encoding(), kStrInt);
  EXPECT_EQ(e->int_value(), -12345);
  EXPECT_EQ(e->lru(), 77u);
}

TEST(Entry, HoldsKeyEmbeddedStringAndExpiry) {
  EntryPtr e(Entry::Create("k", 1700000000123, Value::Embedded("hello"), 0));
  EXPECT_EQ(e->key(), "k");
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 1700000000123);
  EXPECT_EQ(e->encoding(), kStrEmbStr);
  EXPECT_EQ(e->embedded(), "hello");
  Value v = e->value();
  EXPECT_TRUE(v.inline_value());
  EXPECT_EQ(v.bytes, "hello");
}

TEST(Entry, IntegersAtTheEndsOfTheRange) {
  for (int64_t v : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{63}, int64_t{64}, INT64_MAX}) {
    EntryPtr e(Entry::Create("i", 5, Value::Int(v), 0));
    EXPECT_EQ(e->int_value(), v);
    EXPECT_EQ(e->expire_ms(), 5);
  }
}

TEST(Entry, HoldsAnOutOfLineValuePointer) {
  RawString* s = RawString::Create(std::string(100, 'r'), 100);
  EntryPtr e(Entry::Create("big", 0, Value::OutOfLine(ObjType::kString, kStrRaw, s), 0));
  EXPECT_EQ(e->encoding(), kStrRaw);
  EXPECT_EQ(e->pointer(), s);
  EXPECT_FALSE(e->value().inline_value());
  EXPECT_EQ(static_cast<RawString*>(e->pointer())->view(), std::string(100, 'r'));
}

TEST(Entry, KeysMayHoldAnyBytes) {
  std::string key("a\0b\r\n\xff", 6);
  EntryPtr e(Entry::Create(key, 9, Value::Embedded(std::string_view("\0\0", 2)), 0));
  EXPECT_EQ(e->key(), key);
  EXPECT_EQ(e->embedded(), std::string_view("\0\0", 2));
  EXPECT_EQ(e->expire_ms(), 9);
}

TEST(Entry, LongKeysTakeAMultiByteLengthPrefix) {
  for (size_t len : {127u, 128u, 300u, 20000u}) {
    std::string key(len, 'k');
    key[len - 1] = 'z';
    EntryPtr e(Entry::Create(key, 123456, Value::Embedded("v"), 0));
    EXPECT_EQ(e->key(), key) << len;
    EXPECT_EQ(e->expire_ms(), 123456) << len;
    EXPECT_EQ(e->embedded(), "v") << len;
  }
}

TEST(Entry, EmptyKeyAndEmptyValue) {
  EntryPtr e(Entry::Create("", 0, Value::Embedded(""), 0));
  EXPECT_EQ(e->key(), "");
  EXPECT_EQ(e->embedded(), "");
}

TEST(Entry, LruKeeps24Bits) {
  EntryPtr e(Entry::Create("k", 0, Value::Int(1), 0xFFFFFF));
  EXPECT_EQ(e->lru(), 0xFFFFFFu);
  e->set_lru(0x123456);
  EXPECT_EQ(e->lru(), 0x123456u);
  EXPECT_EQ(e->int_value(), 1);
  EXPECT_EQ(e->key(), "k");
}

TEST(Entry, ReplaceValueInPlaceWhenItFits) {
  Entry* e = Entry::Create("key", 0, Value::Embedded("a longer value here"), 5);
  Entry* same = Entry::ReplaceValue(e, Value::Int(7));
  EXPECT_EQ(same, e);
  EXPECT_EQ(same->encoding(), kStrInt);
  EXPECT_EQ(same->int_value(), 7);
  EXPECT_EQ(same->key(), "key");
  EXPECT_EQ(same->lru(), 5u);
  DestroyEntry(same);
}

TEST(Entry, ReplaceValueReallocatesWhenItDoesNotFit) {
  Entry* e = Entry::Create("key", 42, Value::Int(1), 9);
  std::string big(200, 'b');
  Entry* fresh = Entry::ReplaceValue(e, Value::Embedded(big));
  EXPECT_EQ(fresh->key(), "key");
  EXPECT_EQ(fresh->embedded(), big);
  EXPECT_EQ(fresh->expire_ms(), 42);
  EXPECT_EQ(fresh->lru(), 9u);
  EXPECT_GE(fresh->AllocatedBytes(), 200u);
  DestroyEntry(fresh);
}

TEST(Entry, ReplaceValueWithItsOwnEmbeddedBytes) {
  Entry* e = Entry::Create("key", 0, Value::Embedded("abcdef"), 0);
  // The new value is a view into the entry itself (e.g. a shorter slice of the old value).
  std::string_view self = e->embedded().substr(2);
  Entry* r = Entry::ReplaceValue(e, Value::Embedded(self));
  EXPECT_EQ(r->embedded(), "cdef");
  DestroyEntry(r);
}

TEST(Entry, ReplaceValueSwitchesBetweenInlineAndOutOfLine) {
  Entry* e = Entry::Create("key", 0, Value::Embedded("small"), 0);
  RawString* s = RawString::Create(std::string(60, 'x'), 60);
  e = Entry::ReplaceValue(e, Value::OutOfLine(ObjType::kString, kStrRaw, s));
  EXPECT_EQ(e->encoding(), kStrRaw);
  EXPECT_EQ(e->pointer(), s);
  RawString::Destroy(s);
  e = Entry::ReplaceValue(e, Value::Embedded("tiny"));
  EXPECT_EQ(e->encoding(), kStrEmbStr);
  EXPECT_EQ(e->embedded(), "tiny");
  DestroyEntry(e);
}

TEST(Entry, ReplaceExpireAddsChangesAndRemoves) {
  Entry* e = Entry::Create("key", 0, Value::Embedded("value"), 3);
  e = Entry::ReplaceExpire(e, 1000);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 1000);
  EXPECT_EQ(e->embedded(), "value");
  Entry* same = Entry::ReplaceExpire(e, 2000);
  EXPECT_EQ(same, e);  // an existing expiry is overwritten in place
  EXPECT_EQ(same->expire_ms(), 2000);
  e = Entry::ReplaceExpire(same, 0);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 0);
  EXPECT_EQ(e->embedded(), "value");
  EXPECT_EQ(e->key(), "key");
  EXPECT_EQ(e->lru(), 3u);
  EXPECT_EQ(Entry::ReplaceExpire(e, 0), e);  // nothing to remove
  DestroyEntry(e);
}

TEST(Entry, ReplaceExpireKeepsAnOutOfLineValue) {
  RawString* s = RawString::Create("out of line", 11);
  Entry* e = Entry::Create(std::string(200, 'k'), 0,
                           Value::OutOfLine(ObjType::kString, kStrRaw, s), 0);
  e = Entry::ReplaceExpire(e, 77);
  EXPECT_EQ(e->pointer(), s);
  EXPECT_EQ(e->key(), std::string(200, 'k'));
  EXPECT_EQ(e->expire_ms(), 77);
  DestroyEntry(e);
}

TEST(Entry, SetPointerAndEncodingChangeOnlyThoseParts) {
  RawString* a = RawString::Create("a", 1);
  Entry* e = Entry::Create("key", 99, Value::OutOfLine(ObjType::kString, kStrRaw, a), 0);
  RawString* b = RawString::Resize(a, 5000);  // may move
  e->set_pointer(b);
  EXPECT_EQ(e->pointer(), b);
  EXPECT_EQ(e->expire_ms(), 99);
  e->set_encoding(kStrRaw);
  EXPECT_EQ(e->encoding(), kStrRaw);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->type(), ObjType::kString);
  DestroyEntry(e);
}

// An unshared (private) small integer, as a COPY stores it.
Value UnsharedInt(int64_t v) {
  Value value = Value::Int(v);
  value.unshared = true;
  return value;
}

TEST(Entry, UnsharedBitIsKeptWithAnInteger) {
  EntryPtr e(Entry::Create("copy", 0, UnsharedInt(79), 0xABCDEF));
  EXPECT_TRUE(e->unshared());
  EXPECT_EQ(e->type(), ObjType::kString);
  EXPECT_EQ(e->encoding(), kStrInt);  // OBJECT ENCODING still says "int"
  EXPECT_EQ(e->int_value(), 79);
  EXPECT_EQ(e->lru(), 0xABCDEFu);
  EXPECT_FALSE(e->has_expire());
  EXPECT_TRUE(e->value().unshared);
  EntryPtr shared(Entry::Create("copy", 0, Value::Int(79), 0));
  EXPECT_FALSE(shared->unshared());
  EXPECT_FALSE(shared->value().unshared);
}

TEST(Entry, UnsharedBitCostsNoSpace) {
  // The bit lives in byte 0's spare bit: the same allocation with or without it.
  for (int64_t expire : {int64_t{0}, int64_t{1700000000000}}) {
    EntryPtr shared(Entry::Create("key:000123", expire, Value::Int(79), 0));
    EntryPtr unshared(Entry::Create("key:000123", expire, UnsharedInt(79), 0));
    EXPECT_EQ(unshared->AllocatedBytes(), shared->AllocatedBytes());
  }
}

TEST(Entry, UnsharedBitOnlyMarksIntegers) {
  Value text = Value::Embedded("79");
  text.unshared = true;
  EntryPtr e(Entry::Create("k", 0, text, 0));
  EXPECT_FALSE(e->unshared());
  EXPECT_EQ(e->encoding(), kStrEmbStr);
  EXPECT_EQ(e->embedded(), "79");
}

TEST(Entry, ReplaceExpireKeepsTheUnsharedBit) {
  Entry* e = Entry::Create("key", 0, UnsharedInt(5), 0);
  e = Entry::ReplaceExpire(e, 1000);  // reallocates: the entry grows
  EXPECT_TRUE(e->unshared());
  EXPECT_EQ(e->expire_ms(), 1000);
  e = Entry::ReplaceExpire(e, 2000);  // in place
  EXPECT_TRUE(e->unshared());
  e = Entry::ReplaceExpire(e, 0);  // reallocates: the entry shrinks
  EXPECT_TRUE(e->unshared());
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->int_value(), 5);
  DestroyEntry(e);
}

TEST(Entry, ReplaceValueTakesTheNewValuesBit) {
  Entry* e = Entry::Create("key", 99, UnsharedInt(5), 0);
  Entry* same = Entry::ReplaceValue(e, Value::Int(6));  // in place, e.g. INCR
  EXPECT_EQ(same, e);
  EXPECT_FALSE(same->unshared());
  EXPECT_EQ(same->int_value(), 6);
  EXPECT_TRUE(same->has_expire());
  same = Entry::ReplaceValue(same, UnsharedInt(7));
  EXPECT_TRUE(same->unshared());
  EXPECT_EQ(same->expire_ms(), 99);
  Entry* fresh = Entry::ReplaceValue(same, Value::Embedded(std::string(40, 'x')));
  EXPECT_FALSE(fresh->unshared());
  fresh = Entry::ReplaceValue(fresh, Value::Int(8));
  EXPECT_FALSE(fresh->unshared());
  DestroyEntry(fresh);
}

TEST(Entry, SetEncodingClearsTheUnsharedBit) {
  Entry* e = Entry::Create("key", 0, UnsharedInt(5), 0);
  e->set_encoding(kStrInt);
  EXPECT_FALSE(e->unshared());
  EXPECT_EQ(e->encoding(), kStrInt);
  DestroyEntry(e);
}

TEST(Entry, DestroyEntryReleasesEverything) {
  const int64_t before = base::UsedMemory();
  RawString* s = RawString::Create(std::string(1000, 'x'), 1000);
  Entry* e = Entry::Create("key", 5, Value::OutOfLine(ObjType::kString, kStrRaw, s), 0);
  EXPECT_GT(base::UsedMemory(), before + 1000);
  DestroyEntry(e);
  EXPECT_EQ(base::UsedMemory(), before);
}

TEST(ValueOps, CloneCopiesOutOfLineValues) {
  RawString* s = RawString::Create("payload", 7);
  Value v = Value::OutOfLine(ObjType::kString, kStrRaw, s);
  Value copy = CloneValue(v);
  EXPECT_NE(copy.pointer, v.pointer);
  EXPECT_EQ(static_cast<RawString*>(copy.pointer)->view(), "payload");
  EXPECT_GE(ValueAllocatedBytes(copy), 7u);
  DestroyValue(v);
  DestroyValue(copy);
  Value inline_value = Value::Embedded("x");
  EXPECT_EQ(CloneValue(inline_value).bytes.data(), inline_value.bytes.data());
  EXPECT_EQ(ValueAllocatedBytes(inline_value), 0u);
}

TEST(ValueOps, CloneOfAnIntegerIsUnshared) {
  // Redis compat: COPY duplicates even a shared integer into a private object.
  Value copy = CloneValue(Value::Int(79));
  EXPECT_TRUE(copy.unshared);
  EXPECT_EQ(copy.encoding, kStrInt);
  EXPECT_EQ(copy.integer, 79);
  EXPECT_TRUE(CloneValue(copy).unshared);  // a copy of a copy
  EXPECT_FALSE(CloneValue(Value::Embedded("79")).unshared);
}

TEST(ObjectType, NamesAndParsesTypes) {
  EXPECT_EQ(TypeName(ObjType::kString), "string");
  EXPECT_EQ(TypeName(ObjType::kZSet), "zset");
  ObjType t;
  EXPECT_TRUE(ParseTypeName("HASH", &t));
  EXPECT_EQ(t, ObjType::kHash);
  EXPECT_TRUE(ParseTypeName("stream", &t));
  EXPECT_EQ(t, ObjType::kStream);
  EXPECT_FALSE(ParseTypeName("none", &t));
  EXPECT_FALSE(ParseTypeName("strings", &t));
}

}  // namespace
}  // namespace cinnabar::core
