// Task: a move-only `void()` callable, the unit of work threads send one another.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace cinnabar::base {

class Task {
 public:
  Task() = default;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Task>>>
  Task(F&& f) : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(f))) {}  // NOLINT

  Task(Task&&) noexcept = default;
  Task& operator=(Task&&) noexcept = default;

  explicit operator bool() const { return impl_ != nullptr; }
  void operator()() { impl_->Run(); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Run() = 0;
  };
  template <typename F>
  struct Impl final : Base {
    explicit Impl(F&& f) : fn(std::move(f)) {}
    explicit Impl(const F& f) : fn(f) {}
    void Run() override { fn(); }
    F fn;
  };
  std::unique_ptr<Base> impl_;
};

// A multi-producer, single-consumer queue of tasks. Push returns true when the queue was
// empty, which tells the producer that the consumer may need a wake-up.
class TaskQueue {
 public:
  bool Push(Task t) {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(t));
    return tasks_.size() == 1;
  }
  // Pushes tasks[i] onto queue_at(i) for every i, as one step: whatever else is pushed onto
  // any of these queues lands before all of them or after all of them, so every consumer
  // sees the same order of such steps. `while_held` runs inside the step, before any of the
  // tasks can be taken (what it decides is ordered like the tasks). Then calls
  // `became_nonempty(i)` for each queue that was empty.
  // REQUIRES: the queues are distinct and every caller lists them in one global order (the
  // mutexes are taken in that order).
  template <typename QueueAt, typename Held, typename Fn>
  static void PushAll(QueueAt queue_at, std::span<Task> tasks, Held while_held,
                      Fn became_nonempty) {
    const size_t n = tasks.size();
    for (size_t i = 0; i < n; ++i) queue_at(i).mu_.lock();
    while_held();
    bool was_empty[kMaxInline];
    for (size_t i = 0; i < n; ++i) {
      TaskQueue& q = queue_at(i);
      if (i < kMaxInline) was_empty[i] = q.tasks_.empty();
      q.tasks_.push_back(std::move(tasks[i]));
    }
    for (size_t i = n; i-- > 0;) queue_at(i).mu_.unlock();
    for (size_t i = 0; i < n; ++i) {
      if (i >= kMaxInline || was_empty[i]) became_nonempty(i);
    }
  }

  // Moves every queued task into `out` (which the caller has emptied).
  void Drain(std::vector<Task>* out) {
    std::lock_guard lock(mu_);
    out->swap(tasks_);
  }

 private:
  static constexpr size_t kMaxInline = 64;  // PushAll wakes queues past this many regardless
  std::mutex mu_;
  std::vector<Task> tasks_;
};

}  // namespace cinnabar::base
