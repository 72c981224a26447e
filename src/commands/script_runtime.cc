#include "commands/script_runtime.h"

#include "engine/engine.h"
#include "engine/worker.h"

namespace cinnabar::commands {

bool ScriptRuntime::KeepsToDeclaredKeys(std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return keeps_.count(std::string(id)) != 0;
}

void ScriptRuntime::Learned(std::string_view id, bool keeps) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key(id);
  bool changed = false;
  if (!keeps) {
    strays_.insert(key);
    changed = keeps_.erase(key) > 0;
  } else if (strays_.count(key) == 0) {
    changed = keeps_.insert(key).second;
  }
  if (changed) generation_.fetch_add(1, std::memory_order_acq_rel);
}

void ScriptRuntime::ForgetRouting() {
  std::lock_guard<std::mutex> lock(mu_);
  keeps_.clear();
  strays_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

bool ThreadScripting::KeepsToDeclaredKeys(std::string_view id) {
  uint64_t gen = runtime_.routing_generation();
  if (gen != routing_generation_) {
    routing_.clear();
    routing_generation_ = gen;
  }
  auto it = routing_.find(std::string(id));
  if (it != routing_.end()) return it->second;
  bool keeps = runtime_.KeepsToDeclaredKeys(id);
  if (routing_.size() > 10000) routing_.clear();  // bounded: ids of one-off EVAL bodies
  routing_.emplace(std::string(id), keeps);
  return keeps;
}

ScriptRuntime& Runtime(engine::Engine& eng) {
  return static_cast<ScriptRuntime&>(eng.extensions().Shared(
      engine::ExtensionSlot::kScripting, [] { return std::make_unique<ScriptRuntime>(); }));
}

ThreadScripting& ThreadState(engine::Worker& w) {
  ScriptRuntime& runtime = Runtime(w.engine());
  return static_cast<ThreadScripting&>(w.extensions().Local(
      engine::ExtensionSlot::kScripting,
      [&runtime] { return std::make_unique<ThreadScripting>(runtime); }));
}

}  // namespace cinnabar::commands
