#include "commands/script_runtime.h"

#include "engine/command_context.h"
#include "engine/engine.h"
#include "protocol/errors.h"
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

void KillBusyScript(engine::CommandContext& ctx, int kind) {
  namespace errors = protocol::errors;
  int busy = ctx.engine().busy_script.load(std::memory_order_acquire);
  if (busy == engine::Engine::kNotBusy) return ctx.ReplyError(errors::kNotBusy);
  RunningScript& running = Runtime(ctx.engine()).running();
  if (running.wrote.load(std::memory_order_acquire)) return ctx.ReplyError(errors::kUnkillable);
  // Redis compat: the other kind's KILL is refused as any command is while a script is busy.
  if (busy != kind) {
    return ctx.ReplyError(busy == engine::Engine::kBusyFunction ? errors::kBusyFunction
                                                                 : errors::kBusyScript);
  }
  running.kill.store(true, std::memory_order_release);
  ctx.reply().Ok();
}

void StopBusyScript(engine::Engine& eng) {
  if (eng.busy_script.load(std::memory_order_acquire) == engine::Engine::kNotBusy) return;
  RunningScript& running = Runtime(eng).running();
  running.shutdown.store(true, std::memory_order_release);
  running.kill.store(true, std::memory_order_release);
}

ScriptRuntime& Runtime(engine::Engine& eng) {
  return static_cast<ScriptRuntime&>(eng.extensions().Shared(
      engine::ExtensionSlot::kScripting, [] { return std::make_unique<ScriptRuntime>(); }));
}

ScriptMemory MeasureScriptMemory(engine::Engine& eng) {
  ScriptMemory m;
  ScriptRuntime& runtime = Runtime(eng);
  m.scripts_eval = runtime.scripts().memory();
  m.cached_scripts = runtime.scripts().count();
  m.functions = runtime.functions().memory();
  m.function_count = runtime.functions().function_count();
  m.library_count = runtime.functions().library_count();
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    // A thread that never ran a script has no interpreters yet.
    engine::Extension* e = eng.worker(i).extensions().Peek(engine::ExtensionSlot::kScripting);
    if (e == nullptr) continue;
    scripting::LuaEngine& lua = static_cast<ThreadScripting*>(e)->lua();
    m.eval_vm += lua.eval_memory();
    m.functions_vm += lua.functions_memory();
  }
  return m;
}

ThreadScripting& ThreadState(engine::Worker& w) {
  ScriptRuntime& runtime = Runtime(w.engine());
  return static_cast<ThreadScripting&>(w.extensions().Local(
      engine::ExtensionSlot::kScripting,
      [&runtime] { return std::make_unique<ThreadScripting>(runtime); }));
}

}  // namespace cinnabar::commands
