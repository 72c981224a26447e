#include "scripting/function_registry.h"

#include <cctype>

namespace cinnabar::scripting {
namespace {

constexpr size_t kEntryOverhead = 128;

size_t LibraryMemory(const Library& lib) {
  size_t n = kEntryOverhead + lib.name.size() + lib.code.size();
  for (const FunctionInfo& f : lib.functions) {
    n += kEntryOverhead + f.name.size() + (f.description ? f.description->size() : 0);
  }
  return n;
}

// Redis compat: function names match case-insensitively (library names do not).
std::string FunctionKey(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

std::string FunctionRegistry::Add(std::shared_ptr<const Library> library, bool replace) {
  std::lock_guard<std::mutex> lock(mu_);
  auto existing = libraries_.find(library->name);
  if (existing != libraries_.end() && !replace) {
    return "ERR Library '" + library->name + "' already exists";
  }
  for (const FunctionInfo& f : library->functions) {
    auto it = functions_.find(FunctionKey(f.name));
    if (it != functions_.end() && it->second->name != library->name) {
      return "ERR Function " + f.name + " already exists";
    }
  }
  if (existing != libraries_.end()) {
    for (const FunctionInfo& f : existing->second->functions) functions_.erase(FunctionKey(f.name));
    memory_ -= LibraryMemory(*existing->second);
    libraries_.erase(existing);
  }
  for (const FunctionInfo& f : library->functions) functions_[FunctionKey(f.name)] = library;
  memory_ += LibraryMemory(*library);
  libraries_.emplace(library->name, std::move(library));
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

bool FunctionRegistry::Delete(std::string_view name) {
  std::shared_ptr<const Library> removed;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = libraries_.find(name);
  if (it == libraries_.end()) return false;
  removed = it->second;
  for (const FunctionInfo& f : removed->functions) functions_.erase(FunctionKey(f.name));
  memory_ -= LibraryMemory(*removed);
  libraries_.erase(it);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void FunctionRegistry::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  libraries_.clear();
  functions_.clear();
  memory_ = 0;
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

bool FunctionRegistry::HasLibrary(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return libraries_.find(name) != libraries_.end();
}

std::shared_ptr<const Library> FunctionRegistry::FindLibrary(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = libraries_.find(name);
  return it == libraries_.end() ? nullptr : it->second;
}

FunctionRef FunctionRegistry::FindFunction(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(FunctionKey(name));
  if (it == functions_.end()) return {};
  for (const FunctionInfo& f : it->second->functions) {
    if (FunctionKey(f.name) == FunctionKey(name)) return FunctionRef{it->second, &f};
  }
  return {};
}

std::vector<std::shared_ptr<const Library>> FunctionRegistry::Libraries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const Library>> out;
  out.reserve(libraries_.size());
  for (const auto& [name, lib] : libraries_) out.push_back(lib);
  return out;
}

size_t FunctionRegistry::library_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return libraries_.size();
}

size_t FunctionRegistry::function_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return functions_.size();
}

size_t FunctionRegistry::memory() const {
  std::lock_guard<std::mutex> lock(mu_);
  return memory_;
}

}  // namespace cinnabar::scripting
