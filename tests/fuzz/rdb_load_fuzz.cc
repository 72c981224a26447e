// libFuzzer target for the RDB loader (persistence/rdb_loader.h): the input is a whole RDB
// file, loaded twice from memory, once with the default limits and once with tiny ones (so
// every blob is converted rather than adopted), with the checksum not verified (keys reach
// the handler before the trailer anyway; this lets mutated files get further).
//
// Every value the loader hands over is then used as the server would use it, so a
// malformed structure the loader let through shows up under ASan/UBSan or as a violated
// invariant:
//   - walked completely: every element of a list from both ends and by index, every set
//     member found again by Contains, every hash field found again by Get with its value,
//     every sorted-set member found again by Score and Rank, in strictly ascending order;
//   - encoded again (AppendRdbValue), loaded again with the same limits, and compared: the
//     same content (scores of zero compared without their sign: a -0 in a skiplist may
//     come back from a listpack as 0, as in Redis);
//   - changed (an element added and removed), copied (CloneValue) and freed.
// LeakSanitizer catches what a failed load leaves behind.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/crc64.h"
#include "base/string_util.h"
#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/raw_string.h"
#include "core/set_value.h"
#include "core/string_value.h"
#include "core/value_ops.h"
#include "core/zset_value.h"
#include "fuzz_check.h"
#include "persistence/rdb_encoder.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_loader.h"

namespace {

namespace core = cinnabar::core;
namespace persistence = cinnabar::persistence;
using cinnabar::base::Status;

constexpr const char* kFuzzTarget = "rdb_load_fuzz";

void AppendItem(std::string* out, std::string_view s) {
  *out += std::to_string(s.size());
  *out += ':';
  out->append(s);
  *out += ',';
}

std::string ScoreText(double d) {
  if (d == 0) d = 0;  // -0 and 0 alike
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

// Walks `v` completely, checking the invariants above; returns its content as text.
std::string Walk(const core::Value& v) {
  std::string out = std::to_string(static_cast<int>(v.type)) + "|";
  switch (v.type) {
    case core::ObjType::kString:
      if (v.encoding == core::kStrInt) return out + std::to_string(v.integer);
      if (v.encoding == core::kStrEmbStr) return out + std::string(v.bytes);
      return out + std::string(static_cast<core::RawString*>(v.pointer)->view());
    case core::ObjType::kList: {
      core::ListValue list(v.encoding, v.pointer);
      size_t n = list.Length();
      CHECK(n > 0);
      std::vector<std::string> forward, backward;
      list.Range(0, n - 1, false, [&](std::string_view s) { forward.emplace_back(s); });
      list.Range(0, n - 1, true, [&](std::string_view s) { backward.emplace_back(s); });
      CHECK(forward.size() == n && backward.size() == n);
      for (size_t i = 0; i < n; ++i) {
        CHECK(forward[i] == backward[n - 1 - i]);
        AppendItem(&out, forward[i]);
      }
      for (size_t i = 0; i < n; i += 1 + n / 8) {
        std::string at;
        CHECK(list.Index(static_cast<int64_t>(i), [&](std::string_view s) { at = s; }));
        CHECK(at == forward[i]);
        CHECK(list.Index(static_cast<int64_t>(i) - static_cast<int64_t>(n),
                         [&](std::string_view s) { at = s; }));
        CHECK(at == forward[i]);
      }
      return out;
    }
    case core::ObjType::kSet: {
      core::SetValue set(v.encoding, v.pointer);
      std::vector<std::string> members = set.Members();
      CHECK(!members.empty() && members.size() == set.Size());
      std::sort(members.begin(), members.end());
      for (size_t i = 0; i < members.size(); ++i) {
        CHECK(i == 0 || members[i - 1] != members[i]);
        CHECK(set.Contains(members[i]));
        AppendItem(&out, members[i]);
      }
      return out;
    }
    case core::ObjType::kHash: {
      core::HashValue hash(v.encoding, v.pointer);
      auto pairs = hash.Pairs();
      CHECK(!pairs.empty() && pairs.size() == hash.Size());
      std::sort(pairs.begin(), pairs.end());
      for (size_t i = 0; i < pairs.size(); ++i) {
        CHECK(i == 0 || pairs[i - 1].first != pairs[i].first);
        core::IntBuffer scratch;
        auto got = hash.Get(pairs[i].first, &scratch);
        CHECK(got && *got == pairs[i].second);
        AppendItem(&out, pairs[i].first);
        AppendItem(&out, pairs[i].second);
      }
      return out;
    }
    case core::ObjType::kZSet: {
      core::ZSetValue zset(v.encoding, v.pointer);
      size_t n = zset.size(), seen = 0;
      CHECK(n > 0);
      std::string prev_member;
      double prev_score = 0;
      zset.ForEach([&](std::string_view member, double score) {
        CHECK(!std::isnan(score));
        CHECK(seen == 0 || score > prev_score ||
              (score == prev_score && std::string_view(prev_member) < member));
        std::optional<double> found = zset.Score(member);
        CHECK(found && (*found == score));
        std::optional<size_t> rank = zset.Rank(member, false);
        CHECK(rank && *rank == seen);
        AppendItem(&out, member);
        AppendItem(&out, ScoreText(score));
        prev_member = member;
        prev_score = score;
        ++seen;
      });
      CHECK(seen == n);
      return out;
    }
    default:
      CHECK(false);
  }
  return out;
}

// Adds and removes an element: the structure must take changes.
void Exercise(core::Value* v, const persistence::RdbLoadOptions& o) {
  switch (v->type) {
    case core::ObjType::kList: {
      core::ListValue list(v->encoding, v->pointer);
      size_t n = list.Length();
      list.Push("fuzz-element", core::ListEnd::kHead, o.list_limits);
      list.Insert("fuzz-element", "12", core::lp::Where::kAfter, o.list_limits);
      CHECK(list.Remove("fuzz-element", 1, o.list_limits) == 1);
      list.Pop(core::ListEnd::kHead, 1, o.list_limits,
               [](std::string_view s) { CHECK(s == "12"); });
      CHECK(list.Length() == n);
      *v = list.value();
      return;
    }
    case core::ObjType::kSet: {
      core::SetValue set(v->encoding, v->pointer);
      bool added = set.Add("fuzz-member", o.set_limits);
      CHECK(set.Contains("fuzz-member"));
      if (added) CHECK(set.Remove("fuzz-member"));
      *v = core::Value::OutOfLine(v->type, set.encoding(), set.pointer());
      return;
    }
    case core::ObjType::kHash: {
      core::HashValue hash(v->encoding, v->pointer);
      if (hash.Set("fuzz-field", "x", o.hash_limits)) CHECK(hash.Delete("fuzz-field"));
      *v = core::Value::OutOfLine(v->type, hash.encoding(), hash.pointer());
      return;
    }
    case core::ObjType::kZSet: {
      core::ZSetValue zset(v->encoding, v->pointer);
      double out;
      if (zset.Add("fuzz-member", 0.5, core::ZSetValue::kNx, &out, o.zset_limits) ==
          core::ZSetValue::AddResult::kAdded) {
        CHECK(zset.Remove("fuzz-member"));
      }
      *v = core::Value::OutOfLine(v->type, zset.encoding(), zset.pointer());
      return;
    }
    default:
      return;
  }
}

// Keeps the content of the one key a re-encoded file holds.
class SingleKeyHandler : public persistence::RdbHandler {
 public:
  Status OnKey(int, std::string_view, core::Value value, int64_t,
               const persistence::RdbKeyMeta&) override {
    content = Walk(value);
    ++keys;
    core::DestroyValue(value);
    return {};
  }
  std::string content;
  int keys = 0;
};

class FuzzHandler : public persistence::RdbHandler {
 public:
  explicit FuzzHandler(const persistence::RdbLoadOptions& options) : options_(options) {}

  Status OnKey(int db, std::string_view key, core::Value value, int64_t,
               const persistence::RdbKeyMeta&) override {
    CHECK(db >= 0 && db < options_.databases);
    std::string content = Walk(value);
    // Written again and read back with the same limits: the same content.
    std::string file;
    persistence::AppendRdbHeader(&file);
    file.push_back(static_cast<char>(persistence::RdbValueType(value)));
    file += "\x01k";
    persistence::AppendRdbValue(&file, value, (key.size() & 1) != 0);
    persistence::AppendRdbEof(&file);
    persistence::AppendRdbChecksum(&file, cinnabar::base::Crc64(0, file));
    persistence::StringRdbInput in(file);
    SingleKeyHandler again;
    Status s = persistence::LoadRdb(in, options_, again);
    if (!s.ok()) {
      std::fprintf(stderr, "reload failed: %s\n", s.message().c_str());
      CHECK(false);
    }
    CHECK(again.keys == 1 && again.content == content);

    Exercise(&value, options_);
    CHECK(Walk(value) == content);
    core::Value copy = core::CloneValue(value);
    CHECK(Walk(copy) == content);
    core::DestroyValue(copy);
    core::DestroyValue(value);
    return {};
  }

 private:
  const persistence::RdbLoadOptions& options_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  persistence::RdbLoadOptions defaults;
  defaults.verify_checksum = false;
  persistence::RdbLoadOptions tiny = defaults;
  tiny.list_limits = {.fill = 2, .compress_depth = 1};  // many nodes, inner ones compressed
  tiny.set_limits = {.max_intset_entries = 2, .max_listpack_entries = 2, .max_listpack_value = 4};
  tiny.hash_limits = {.max_listpack_entries = 1, .max_listpack_value = 4};
  tiny.zset_limits = {.max_listpack_entries = 1, .max_listpack_value = 4};
  for (const persistence::RdbLoadOptions* options : {&defaults, &tiny}) {
    persistence::StringRdbInput in(input);
    FuzzHandler handler(*options);
    Status s = persistence::LoadRdb(in, *options, handler);
    CHECK(s.ok() || !s.message().empty());
  }
  return 0;
}
