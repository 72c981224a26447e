// Encoder then loader: every type and encoding comes back with the same content and the
// encoding our limits choose, with its expiry, idle time or LFU counter; aux fields,
// functions and databases arrive in file order.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/crc64.h"
#include "core/entry.h"
#include "core/quicklist.h"
#include "core/string_value.h"
#include "core/value_ops.h"
#include "persistence/rdb_encoder.h"
#include "persistence/rdb_string.h"
#include "unit/persistence/rdb_test.h"

namespace cinnabar::persistence {
namespace {

using testing::Describe;
using testing::MakeHash;
using testing::MakeList;
using testing::MakeRdb;
using testing::MakeSet;
using testing::MakeZSet;
using testing::RecordingHandler;

struct Sample {
  std::string key;
  core::Value value;
  int64_t expire_ms = 0;
  RdbKeyMeta meta;
};

std::vector<std::string> Numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// One value of every type and encoding, small and big.
std::vector<Sample> Samples() {
  std::vector<Sample> s;
  auto add = [&](std::string key, core::Value v) { s.push_back({std::move(key), v, 0, {}}); };
  add("int", core::MakeStringValue("12345"));
  add("negative", core::MakeStringValue("-7"));
  add("int64", core::MakeStringValue("1234567890123456789"));
  add("embstr", core::MakeStringValue("hello world"));
  add("empty", core::MakeStringValue(""));
  add("not-canonical", core::MakeStringValue("0123"));
  add("raw", core::MakeStringValue(std::string(100, 'x') + "y"));
  std::string random_bytes;
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) random_bytes.push_back(static_cast<char>(rng()));
  add("binary", core::MakeStringValue(random_bytes));
  add("list-small", MakeList({"a", "1", "-300", "long element " + std::string(70, 'z')}));
  add("list-big", MakeList(Numbered("element-", 5000)));
  add("list-bigints", MakeList(Numbered("", 3000)));
  add("list-lzf", MakeList(Numbered("compressible-element-", 3000), {.compress_depth = 1}));
  add("set-intset", MakeSet({"1", "-5", "100000", "9999999999"}));
  add("set-listpack", MakeSet({"a", "b", "7"}));
  add("set-hashtable", MakeSet(Numbered("member-", 600)));
  add("set-bigints", MakeSet(Numbered("", 700)));
  add("hash-listpack", MakeHash({{"f1", "v1"}, {"f2", "22"}, {"3", "three"}}));
  std::vector<std::pair<std::string, std::string>> big_hash;
  for (int i = 0; i < 500; ++i)
    big_hash.emplace_back("field" + std::to_string(i), std::to_string(i));
  add("hash-table", MakeHash(big_hash));
  add("hash-long-value", MakeHash({{"f", std::string(200, 'v')}}));
  add("zset-listpack", MakeZSet({{"a", 1.5}, {"b", -2}, {"c", 1e17}, {"d", 0.1}}));
  std::vector<std::pair<std::string, double>> big_zset;
  for (int i = 0; i < 400; ++i) big_zset.emplace_back("m" + std::to_string(i), i * 0.25 - 30);
  big_zset.emplace_back("inf", HUGE_VAL);
  big_zset.emplace_back("-inf", -HUGE_VAL);
  add("zset-skiplist", MakeZSet(big_zset));
  add("zset-long-member", MakeZSet({{std::string(100, 'm'), 3}, {"x", -0.0}}));
  return s;
}

std::string EncodeFile(const std::vector<Sample>& samples, bool compress, int db = 0) {
  std::string body;
  AppendRdbAux(&body, "redis-ver", "7.0.15");
  AppendRdbAux(&body, "redis-bits", 64);
  AppendRdbFunction(&body, "#!lua name=lib\nredis.register_function('f', function() end)");
  AppendRdbSelectDb(&body, static_cast<uint64_t>(db));
  AppendRdbResizeDb(&body, samples.size(), 0);
  for (const Sample& s : samples) {
    core::Entry* e = core::Entry::Create(s.key, s.expire_ms, s.value, 0);
    AppendRdbKey(&body, *e, s.meta, compress);
    core::Entry::FreeShell(e);
  }
  return MakeRdb(body);
}

void Destroy(std::vector<Sample>& samples) {
  for (Sample& s : samples) core::DestroyValue(s.value);
}

class RoundTripTest : public ::testing::TestWithParam<bool> {};

TEST_P(RoundTripTest, EveryTypeAndEncoding) {
  std::vector<Sample> samples = Samples();
  std::string file = EncodeFile(samples, GetParam(), 3);
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(file, &h).ok());
  ASSERT_EQ(h.keys.size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    SCOPED_TRACE(samples[i].key);
    EXPECT_EQ(h.keys[i].key, samples[i].key);
    EXPECT_EQ(h.keys[i].db, 3);
    EXPECT_EQ(h.keys[i].expire_ms, 0);
    EXPECT_EQ(h.keys[i].description, Describe(samples[i].value));
  }
  ASSERT_EQ(h.aux.size(), 2u);
  EXPECT_EQ(h.aux[0], std::make_pair(std::string("redis-ver"), std::string("7.0.15")));
  EXPECT_EQ(h.aux[1], std::make_pair(std::string("redis-bits"), std::string("64")));
  ASSERT_EQ(h.functions.size(), 1u);
  EXPECT_EQ(h.functions[0].substr(0, 15), "#!lua name=lib\n");
  EXPECT_EQ(h.selected, std::vector<int>{3});
  ASSERT_EQ(h.resized.size(), 1u);
  EXPECT_EQ(h.resized[0].first, samples.size());
  Destroy(samples);
}

INSTANTIATE_TEST_SUITE_P(Compression, RoundTripTest, ::testing::Bool());

TEST(RdbRoundTrip, CompressionShrinksRepetitiveStrings) {
  std::vector<Sample> samples;
  samples.push_back({"k", core::MakeStringValue(std::string(10000, 'a')), 0, {}});
  samples.push_back({"l", MakeList(std::vector<std::string>(1000, "same")), 0, {}});
  std::string plain = EncodeFile(samples, false), packed = EncodeFile(samples, true);
  EXPECT_LT(packed.size() + 9000, plain.size());
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(packed, &h).ok());
  EXPECT_EQ(h.Find("k"), Describe(samples[0].value));
  EXPECT_EQ(h.Find("l"), Describe(samples[1].value));
  Destroy(samples);
}

TEST(RdbRoundTrip, ExpiryIdleAndFreq) {
  std::vector<Sample> samples;
  samples.push_back({"ttl", core::MakeStringValue("v"), 1893456000123, {}});
  samples.push_back({"idle", core::MakeStringValue("v"), 0, {.idle_seconds = 12345}});
  samples.push_back({"freq", core::MakeStringValue("v"), 0, {.freq = 200}});
  samples.push_back({"both", MakeList({"x"}), 5, {.idle_seconds = 1, .freq = 2}});
  samples.push_back({"plain", core::MakeStringValue("v"), 0, {}});
  std::string file = EncodeFile(samples, true);
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(file, &h).ok());
  ASSERT_EQ(h.keys.size(), 5u);
  EXPECT_EQ(h.keys[0].expire_ms, 1893456000123);
  EXPECT_FALSE(h.keys[0].meta.idle_seconds || h.keys[0].meta.freq);
  EXPECT_EQ(h.keys[1].meta.idle_seconds, std::optional<uint64_t>(12345));
  EXPECT_FALSE(h.keys[1].meta.freq);
  EXPECT_EQ(h.keys[2].meta.freq, std::optional<uint8_t>(200));
  EXPECT_EQ(h.keys[3].expire_ms, 5);
  EXPECT_EQ(h.keys[3].meta.idle_seconds, std::optional<uint64_t>(1));
  EXPECT_EQ(h.keys[3].meta.freq, std::optional<uint8_t>(2));
  // Key attributes do not leak to the next key.
  EXPECT_EQ(h.keys[4].expire_ms, 0);
  EXPECT_FALSE(h.keys[4].meta.idle_seconds || h.keys[4].meta.freq);
  Destroy(samples);
}

TEST(RdbRoundTrip, SeveralDatabases) {
  std::string body;
  for (int db : {0, 5, 15}) {
    AppendRdbSelectDb(&body, static_cast<uint64_t>(db));
    std::string text = "db" + std::to_string(db);  // embedded: the value views it
    core::Value v = core::MakeStringValue(text);
    core::Entry* e = core::Entry::Create("k", 0, v, 0);
    AppendRdbKey(&body, *e, {}, true);
    core::DestroyEntry(e);
  }
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(MakeRdb(body), &h).ok());
  ASSERT_EQ(h.keys.size(), 3u);
  EXPECT_EQ(h.keys[0].db, 0);
  EXPECT_EQ(h.keys[1].db, 5);
  EXPECT_EQ(h.keys[2].db, 15);
  EXPECT_EQ(h.keys[2].description, "string/embstr: db15");
}

// The loaded encodings follow the loader's limits, not the writer's.
TEST(RdbRoundTrip, LoaderLimitsChooseEncodings) {
  std::vector<Sample> samples;
  samples.push_back({"list", MakeList(Numbered("e", 50)), 0, {}});
  samples.push_back({"intset", MakeSet(Numbered("", 50)), 0, {}});
  samples.push_back({"set", MakeSet(Numbered("s", 50)), 0, {}});
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 50; ++i) pairs.emplace_back("f" + std::to_string(i), "v");
  samples.push_back({"hash", MakeHash(pairs), 0, {}});
  std::vector<std::pair<std::string, double>> scored;
  for (int i = 0; i < 50; ++i) scored.emplace_back("m" + std::to_string(i), i);
  samples.push_back({"zset", MakeZSet(scored), 0, {}});
  std::string file = EncodeFile(samples, false);

  RdbLoadOptions tight;
  tight.list_limits.fill = 8;
  tight.set_limits = {
      .max_intset_entries = 10, .max_listpack_entries = 10, .max_listpack_value = 64};
  tight.hash_limits = {.max_listpack_entries = 10, .max_listpack_value = 64};
  tight.zset_limits = {.max_listpack_entries = 10, .max_listpack_value = 64};
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(file, &h).ok());
  EXPECT_EQ(h.Find("list").substr(0, 15), "list/listpack: ");
  EXPECT_EQ(h.Find("intset").substr(0, 14), "set/intset: [0");

  RecordingHandler t;
  ASSERT_TRUE(testing::Load(file, &t, tight).ok());
  // A single listpack node past the loader's fill stays one node: a quicklist.
  EXPECT_EQ(t.Find("list").substr(0, 16), "list/quicklist: ");
  EXPECT_EQ(t.Find("intset").substr(0, 15), "set/hashtable: ");
  EXPECT_EQ(t.Find("set").substr(0, 15), "set/hashtable: ");
  EXPECT_EQ(t.Find("hash").substr(0, 16), "hash/hashtable: ");
  EXPECT_EQ(t.Find("zset").substr(0, 15), "zset/skiplist: ");
  for (size_t i = 0; i < samples.size(); ++i) {
    std::string want = Describe(samples[i].value);
    EXPECT_EQ(t.keys[i].description.substr(t.keys[i].description.find(':')),
              want.substr(want.find(':')));
  }
  Destroy(samples);
}

// Exact bytes for a few keys, as Redis 7.0 writes them.
TEST(RdbEncoder, GoldenBytes) {
  auto key_bytes = [](const core::Value& v, int64_t expire = 0, RdbKeyMeta meta = {}) {
    std::string out;
    core::Entry* e = core::Entry::Create("k", expire, v, 0);
    AppendRdbKey(&out, *e, meta, true);
    core::Entry::FreeShell(e);  // the value is the caller's
    return out;
  };
  using namespace std::string_literals;
  EXPECT_EQ(key_bytes(core::MakeStringValue("bar")),
            "\x00\x01k\x03"
            "bar"s);
  EXPECT_EQ(key_bytes(core::MakeStringValue("-2")), "\x00\x01k\xc0\xfe"s);
  EXPECT_EQ(key_bytes(core::MakeStringValue("1000")), "\x00\x01k\xc1\xe8\x03"s);
  EXPECT_EQ(key_bytes(core::MakeStringValue("100000")), "\x00\x01k\xc2\xa0\x86\x01\x00"s);
  EXPECT_EQ(key_bytes(core::MakeStringValue("4294967296")),
            "\x00\x01k\x0a"
            "4294967296"s);
  EXPECT_EQ(key_bytes(core::MakeStringValue("v"), 0x0102030405060708, {.idle_seconds = 300}),
            "\xfc\x08\x07\x06\x05\x04\x03\x02\x01\xf8\x41\x2c\x00\x01k\x01v"s);
  EXPECT_EQ(key_bytes(core::MakeStringValue("v"), 0, {.freq = 5}), "\xf9\x05\x00\x01k\x01v"s);
  // A listpack list: one PACKED node holding the listpack [a, 5].
  core::Value list = MakeList({"a", "5"});
  EXPECT_EQ(key_bytes(list),
            "\x12\x01k\x01\x02\x0c\x0c\x00\x00\x00\x02\x00\x81\x61\x02\x05\x01\xff"s);
  core::DestroyValue(list);
  // An intset: width 2, length 3, 1 2 3.
  core::Value set = MakeSet({"3", "1", "2"});
  EXPECT_EQ(key_bytes(set),
            "\x0b\x01k\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00"s);
  core::DestroyValue(set);
  // A listpack set is a plain SET for Redis 7.0.
  core::Value lpset = MakeSet({"a"});
  EXPECT_EQ(key_bytes(lpset), "\x02\x01k\x01\x01\x61"s);
  core::DestroyValue(lpset);

  std::string header;
  AppendRdbHeader(&header);
  EXPECT_EQ(header, "REDIS0010");
  std::string aux;
  AppendRdbAux(&aux, "ctime", 1700000000);
  EXPECT_EQ(aux,
            "\xfa\x05"
            "ctime\xc2\x00\xf1\x53\x65"s);
}

TEST(RdbEncoder, SkiplistScoresAreBinaryHighestFirst) {
  std::vector<std::pair<std::string, double>> scored;
  for (int i = 0; i < 200; ++i) scored.emplace_back("m" + std::to_string(i), i);
  core::Value z = MakeZSet(scored);
  ASSERT_EQ(RdbValueType(z), kRdbTypeZSet2);
  std::string out;
  AppendRdbValue(&out, z, false);
  std::string_view in = out;
  EXPECT_EQ(ReadRdbLength(&in), std::optional<uint64_t>(200));
  EXPECT_EQ(ReadRdbString(&in), std::optional<std::string>("m199"));
  double first;
  std::memcpy(&first, in.data(), 8);
  EXPECT_EQ(first, 199.0);
  core::DestroyValue(z);
}

// A compressed node is written as the LZF string of its listpack, with or without
// rdbcompression, and a plain one as its listpack (compressed only with rdbcompression).
TEST(RdbEncoder, CompressedQuicklistNodesAreWrittenAsTheyAreHeld) {
  core::Value v = MakeList(Numbered("compressible-element-", 3000), {.compress_depth = 1});
  ASSERT_EQ(v.encoding, core::kListQuicklist);
  const auto* q = static_cast<const core::Quicklist*>(v.pointer);
  ASSERT_GT(q->compressed_node_count(), 0u);
  ASSERT_EQ(q->compressed_node_count(), q->node_count() - 2);
  std::string out;
  AppendRdbValue(&out, v, false);
  std::string_view in = out;
  ASSERT_EQ(ReadRdbLength(&in), std::optional<uint64_t>(q->node_count()));
  core::Quicklist::ReadBuffer buf;
  for (const core::Quicklist::Node* n = q->head(); n != nullptr; n = n->next) {
    SCOPED_TRACE(n->compressed ? "compressed node" : "plain node");
    ASSERT_EQ(ReadRdbLength(&in), std::optional<uint64_t>(kRdbQuicklistNodePacked));
    std::string expect;
    if (n->compressed) {
      core::Quicklist::Lzf lzf = core::Quicklist::Compressed(n);
      AppendRdbLzfBlob(&expect, lzf.stream, lzf.listpack_bytes);
    } else {
      AppendRdbString(&expect, std::string_view(reinterpret_cast<const char*>(n->data),
                                                core::lp::Bytes(n->data)),
                      false);
    }
    ASSERT_EQ(in.substr(0, expect.size()), expect);
    const uint8_t* lp = core::Quicklist::Listpack(n, &buf);
    std::optional<std::string> node = ReadRdbString(&in);
    ASSERT_TRUE(node.has_value());
    ASSERT_EQ(*node, std::string(reinterpret_cast<const char*>(lp), core::lp::Bytes(lp)));
  }
  EXPECT_TRUE(in.empty());
  core::DestroyValue(v);
}

// Loading takes the depth in force, whatever the file's nodes were.
TEST(RdbRoundTrip, LoadedListsTakeTheConfiguredDepth) {
  std::vector<Sample> samples;
  samples.push_back({"plain", MakeList(Numbered("compressible-element-", 3000)), 0, {}});
  samples.push_back({"lzf", MakeList(Numbered("compressible-element-", 3000),
                                     {.compress_depth = 2}), 0, {}});
  std::string file = EncodeFile(samples, false);
  struct Shapes : RecordingHandler {
    base::Status OnKey(int db, std::string_view key, core::Value value, int64_t expire_ms,
                       const RdbKeyMeta& meta) override {
      const auto* q = static_cast<const core::Quicklist*>(value.pointer);
      compressed.push_back(q->compressed_node_count());
      nodes.push_back(q->node_count());
      return RecordingHandler::OnKey(db, key, value, expire_ms, meta);
    }
    std::vector<size_t> compressed, nodes;
  };
  for (int depth : {0, 1, 3}) {
    SCOPED_TRACE(depth);
    RdbLoadOptions options;
    options.list_limits.compress_depth = depth;
    Shapes h;
    ASSERT_TRUE(testing::Load(file, &h, options).ok());
    ASSERT_EQ(h.keys.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(h.keys[i].description, Describe(samples[0].value));
      size_t inside = depth == 0 ? 0 : h.nodes[i] - 2 * static_cast<size_t>(depth);
      EXPECT_EQ(h.compressed[i], inside);
    }
  }
  Destroy(samples);
}

}  // namespace
}  // namespace cinnabar::persistence
