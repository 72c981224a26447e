// ScriptCache: the process-wide cache of EVAL script bodies by SHA1 (SCRIPT LOAD, EVAL,
// EVALSHA, SCRIPT EXISTS / FLUSH, INFO's number_of_cached_scripts and
// used_memory_scripts_eval).
//
// Threading: every method is thread-safe. Entries are immutable and shared: a script
// found here stays valid for as long as the caller holds it, even across Flush. Each
// thread's LuaEngine compiles bodies lazily and watches generation() to drop what it
// compiled when the cache is flushed, so it never runs a flushed script by SHA.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scripting/script_flags.h"

namespace cinnabar::scripting {

struct CachedScript {
  std::string sha;   // 40 lowercase hex characters
  std::string body;  // as the client sent it, shebang included
  ScriptFlags flags;
  size_t code_offset = 0;  // where the Lua code starts in `body`
};

class ScriptCache {
 public:
  // Adds `body` (already checked: shebang parsed, code compiles) unless it is there, and
  // returns the cached entry.
  std::shared_ptr<const CachedScript> Add(std::string_view body, const EvalShebang& shebang);
  // The script with SHA1 `sha` (40 hex characters, any case), or null.
  std::shared_ptr<const CachedScript> Find(std::string_view sha) const;
  bool Exists(std::string_view sha) const { return Find(sha) != nullptr; }
  // Drops every script (SCRIPT FLUSH) and bumps generation().
  void Flush();

  size_t count() const;
  // Bytes the cached bodies take, with a per-entry overhead, for used_memory_scripts_eval.
  size_t memory() const;
  // Bumped by Flush.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const CachedScript>> scripts_;
  size_t memory_ = 0;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace cinnabar::scripting
