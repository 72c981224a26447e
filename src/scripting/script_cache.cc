#include "scripting/script_cache.h"

#include "base/string_util.h"
#include "scripting/sha1.h"

namespace cinnabar::scripting {
namespace {

// Per-entry bookkeeping counted on top of the body (two strings and the map node).
constexpr size_t kEntryOverhead = 128;

}  // namespace

std::shared_ptr<const CachedScript> ScriptCache::Add(std::string_view body,
                                                     const EvalShebang& shebang) {
  std::string sha = Sha1Hex(body);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) return it->second;
  auto script = std::make_shared<CachedScript>();
  script->sha = sha;
  script->body = std::string(body);
  script->flags = shebang.flags;
  script->code_offset = shebang.body_offset;
  memory_ += body.size() + sha.size() + kEntryOverhead;
  scripts_.emplace(std::move(sha), script);
  return script;
}

std::shared_ptr<const CachedScript> ScriptCache::Find(std::string_view sha) const {
  if (sha.size() != 40) return nullptr;
  std::string key = base::ToLower(sha);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(key);
  return it == scripts_.end() ? nullptr : it->second;
}

void ScriptCache::Flush() {
  std::unordered_map<std::string, std::shared_ptr<const CachedScript>> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old.swap(scripts_);
    memory_ = 0;
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  // `old` is freed here, outside the lock.
}

size_t ScriptCache::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.size();
}

size_t ScriptCache::memory() const {
  std::lock_guard<std::mutex> lock(mu_);
  return memory_;
}

}  // namespace cinnabar::scripting
