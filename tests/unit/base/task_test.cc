#include "base/task.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace cinnabar::base {
namespace {

TEST(TaskQueue, PushReportsWhenTheQueueWasEmpty) {
  TaskQueue q;
  EXPECT_TRUE(q.Push([] {}));
  EXPECT_FALSE(q.Push([] {}));
  std::vector<Task> out;
  q.Drain(&out);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_TRUE(q.Push([] {}));
}

TEST(TaskQueue, PushAllTellsWhichQueuesWereEmpty) {
  TaskQueue a, b;
  b.Push([] {});
  std::array<TaskQueue*, 2> queues{&a, &b};
  std::array<Task, 2> tasks{Task([] {}), Task([] {})};
  std::vector<size_t> woken;
  bool held = false;
  TaskQueue::PushAll([&](size_t i) -> TaskQueue& { return *queues[i]; }, tasks,
                     [&] { held = true; }, [&](size_t i) { woken.push_back(i); });
  EXPECT_TRUE(held);
  EXPECT_EQ(woken, std::vector<size_t>{0});
}

// Steps pushed onto several queues at once land in the same order on every queue, however
// many producers race (what keeps one order of lock requests and pipeline shares on every
// shard).
TEST(TaskQueue, PushAllStepsLandInOneOrderOnEveryQueue) {
  constexpr int kProducers = 4;
  constexpr int kSteps = 5000;
  TaskQueue q0, q1, q2;
  std::vector<int> log0, log1, log2;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kSteps; ++i) {
        int id = p * kSteps + i;
        // Producers overlap on different subsets, always listed in one order.
        std::vector<TaskQueue*> queues;
        std::vector<Task> tasks;
        if (p != 1) {
          queues.push_back(&q0);
          tasks.emplace_back([&log0, id] { log0.push_back(id); });
        }
        queues.push_back(&q1);
        tasks.emplace_back([&log1, id] { log1.push_back(id); });
        if (p != 2) {
          queues.push_back(&q2);
          tasks.emplace_back([&log2, id] { log2.push_back(id); });
        }
        TaskQueue::PushAll([&](size_t i) -> TaskQueue& { return *queues[i]; }, tasks, [] {},
                           [](size_t) {});
      }
    });
  }
  for (std::thread& t : producers) t.join();
  std::vector<Task> tasks;
  for (TaskQueue* q : {&q0, &q1, &q2}) {
    q->Drain(&tasks);
    for (Task& t : tasks) t();
    tasks.clear();
  }
  // The relative order of any two steps is the same on every queue both reached: walking
  // one queue's log, the other queue's positions of the same steps only grow.
  auto positions = [](const std::vector<int>& log) {
    std::vector<int> pos(kProducers * kSteps, -1);
    for (size_t i = 0; i < log.size(); ++i) pos[static_cast<size_t>(log[i])] = static_cast<int>(i);
    return pos;
  };
  auto same_order = [](const std::vector<int>& log, const std::vector<int>& other_pos) {
    int last = -1;
    for (int id : log) {
      int p = other_pos[static_cast<size_t>(id)];
      if (p < 0) continue;
      if (p < last) return false;
      last = p;
    }
    return true;
  };
  EXPECT_EQ(log1.size(), static_cast<size_t>(kProducers * kSteps));
  EXPECT_TRUE(same_order(log0, positions(log1)));
  EXPECT_TRUE(same_order(log2, positions(log1)));
  EXPECT_TRUE(same_order(log0, positions(log2)));
}

}  // namespace
}  // namespace cinnabar::base
