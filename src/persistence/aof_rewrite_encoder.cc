#include "persistence/aof_rewrite_encoder.h"

#include <cstdio>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/set_value.h"
#include "core/string_value.h"
#include "core/zset_value.h"
#include "persistence/aof_reader.h"

namespace cinnabar::persistence {
namespace {

// Redis's AOF_REWRITE_ITEMS_PER_CMD.
constexpr size_t kItemsPerCommand = 64;

// Collects a command's arguments (copies: the views a value hands out live only during
// its visit) and writes it out every kItemsPerCommand items.
class Batcher {
 public:
  Batcher(std::string* out, std::string_view command, std::string_view key) : out_(out) {
    head_ = {std::string(command), std::string(key)};
  }
  ~Batcher() { Flush(); }

  void Add(std::string_view a) { items_.emplace_back(a); }
  void EndItem() {
    if (++count_ == kItemsPerCommand) Flush();
  }

 private:
  void Flush() {
    if (count_ == 0) return;
    std::vector<std::string_view> args(head_.begin(), head_.end());
    for (const std::string& s : items_) args.push_back(s);
    AppendAofCommand(out_, args);
    items_.clear();
    count_ = 0;
  }

  std::string* out_;
  std::vector<std::string> head_, items_;
  size_t count_ = 0;
};

}  // namespace

void AppendAofSelect(std::string* out, int db) {
  std::string n = std::to_string(db);
  const std::string_view args[] = {"SELECT", n};
  AppendAofCommand(out, args);
}

void AppendAofFunction(std::string* out, std::string_view code) {
  const std::string_view args[] = {"FUNCTION", "LOAD", code};
  AppendAofCommand(out, args);
}

void AppendAofKey(std::string* out, const core::Entry& e) {
  std::string_view key = e.key();
  switch (e.type()) {
    case core::ObjType::kString: {
      core::IntBuffer scratch;
      const std::string_view args[] = {"SET", key, core::StringBytes(&e, &scratch)};
      AppendAofCommand(out, args);
      break;
    }
    case core::ObjType::kList: {
      core::ListValue list = core::ListValue::Of(&e);
      size_t n = list.Length();
      Batcher b(out, "RPUSH", key);
      if (n > 0) {
        list.Range(0, n - 1, false, [&](std::string_view el) {
          b.Add(el);
          b.EndItem();
        });
      }
      break;
    }
    case core::ObjType::kSet: {
      Batcher b(out, "SADD", key);
      core::SetValue(e.encoding(), e.pointer()).ForEach([&](std::string_view m) {
        b.Add(m);
        b.EndItem();
      });
      break;
    }
    case core::ObjType::kZSet: {
      Batcher b(out, "ZADD", key);
      core::ZSetValue(e.encoding(), e.pointer()).ForEach([&](std::string_view m, double score) {
        b.Add(base::FormatDouble(score));
        b.Add(m);
        b.EndItem();
      });
      break;
    }
    case core::ObjType::kHash: {
      Batcher b(out, "HMSET", key);
      core::HashValue(e.encoding(), e.pointer()).ForEach([&](std::string_view f, std::string_view v) {
        b.Add(f);
        b.Add(v);
        b.EndItem();
      });
      break;
    }
    default:
      break;
  }
  if (e.has_expire()) {
    std::string at = std::to_string(e.expire_ms());
    const std::string_view args[] = {"PEXPIREAT", key, at};
    AppendAofCommand(out, args);
  }
}

}  // namespace cinnabar::persistence
