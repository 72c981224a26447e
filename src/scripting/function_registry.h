// FunctionRegistry: the process-wide set of FUNCTION libraries (FUNCTION LOAD, DELETE,
// FLUSH, LIST, DUMP/RESTORE data, FCALL lookup).
//
// Threading: every method is thread-safe. Libraries are immutable and shared: what Find*
// returns stays valid while held, whatever happens to the registry. Each thread's
// LuaEngine compiles libraries lazily and drops what it compiled when generation()
// changes. Checking a library's code (running it to collect its functions) is
// LuaEngine::FunctionLoad's job; the registry only stores the result.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cinnabar::scripting {

struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  uint32_t flags = 0;  // ScriptFlag bits
};

struct Library {
  std::string name;
  std::string engine = "LUA";
  std::string code;  // as loaded, shebang included
  size_t code_offset = 0;
  std::vector<FunctionInfo> functions;  // in registration order
};

// A function found by name: the library that holds it (kept alive) and its entry.
struct FunctionRef {
  std::shared_ptr<const Library> library;
  const FunctionInfo* function = nullptr;
  explicit operator bool() const { return function != nullptr; }
};

class FunctionRegistry {
 public:
  // Adds `library` (its functions already collected). Fails with Redis's text when the
  // library exists and !replace ("ERR Library 'x' already exists"), or when one of its
  // functions belongs to another library ("ERR Function f already exists").
  // Returns the empty string on success.
  std::string Add(std::shared_ptr<const Library> library, bool replace);
  // Removes a library; false when there is none of that name.
  bool Delete(std::string_view name);
  void Flush();

  bool HasLibrary(std::string_view name) const;
  std::shared_ptr<const Library> FindLibrary(std::string_view name) const;
  FunctionRef FindFunction(std::string_view name) const;
  // Every library, in name order (FUNCTION LIST filters them itself; FUNCTION DUMP
  // serializes their code).
  std::vector<std::shared_ptr<const Library>> Libraries() const;

  size_t library_count() const;
  size_t function_count() const;
  // Bytes the libraries' code and metadata take, with an overhead per entry.
  size_t memory() const;
  // Bumped by every change.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Library>, std::less<>> libraries_;
  std::unordered_map<std::string, std::shared_ptr<const Library>> functions_;  // by name
  size_t memory_ = 0;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace cinnabar::scripting
