// Extensions: state that a layer above the engine keeps for the whole process or for one
// thread (scripting's script cache and Lua interpreters), reached through the Engine and
// the Worker so that it needs no global variables. Each is made on first use.
//
// Threading: a process extension is made once (under a lock) and must be thread-safe
// itself; a thread extension belongs to its worker's thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>

#include "base/function_ref.h"

namespace cinnabar::engine {

class Extension {
 public:
  virtual ~Extension() = default;
};

enum class ExtensionSlot : size_t { kScripting, kPersistence, kCount };

using MakeExtension = base::FunctionRef<std::unique_ptr<Extension>()>;

// The process-wide slots (Engine) and one thread's slots (Worker).
class ExtensionSlots {
 public:
  ~ExtensionSlots() {
    for (auto& p : slots_) delete p.load(std::memory_order_relaxed);
  }
  // Any thread: the process extension in `slot`, made by `make` on first use.
  Extension& Shared(ExtensionSlot slot, MakeExtension make) {
    auto& p = slots_[static_cast<size_t>(slot)];
    if (Extension* e = p.load(std::memory_order_acquire)) return *e;
    std::lock_guard<std::mutex> lock(mu_);
    if (Extension* e = p.load(std::memory_order_relaxed)) return *e;
    Extension* e = make().release();
    p.store(e, std::memory_order_release);
    return *e;
  }
  // The owning thread only: the same without the lock.
  Extension& Local(ExtensionSlot slot, MakeExtension make) {
    auto& p = slots_[static_cast<size_t>(slot)];
    if (Extension* e = p.load(std::memory_order_relaxed)) return *e;
    Extension* e = make().release();
    p.store(e, std::memory_order_release);  // for Peek on other threads
    return *e;
  }
  // Any thread: the extension in `slot` if it was made, else null. What it reads of a
  // thread extension must be safe to read from another thread.
  Extension* Peek(ExtensionSlot slot) const {
    return slots_[static_cast<size_t>(slot)].load(std::memory_order_acquire);
  }

 private:
  std::mutex mu_;
  std::array<std::atomic<Extension*>, static_cast<size_t>(ExtensionSlot::kCount)> slots_{};
};

}  // namespace cinnabar::engine
