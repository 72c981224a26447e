#include "engine/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cinnabar::engine {
namespace {

// A sink that keeps what it was given.
class Recorder : public JournalSink {
 public:
  void OnRecords(std::string_view bytes, uint64_t end_offset) override {
    text += bytes;
    ends.push_back(end_offset);
  }
  void OnLoopTurnEnd() override {
    turns.fetch_add(1);
    if (hold_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    turns_done.fetch_add(1);
  }
  std::string text;
  std::vector<uint64_t> ends;
  std::atomic<int> turns{0};
  std::atomic<int> turns_done{0};
  int hold_ms = 0;
};

JournalBatch Batch(std::initializer_list<std::pair<int, std::vector<std::string_view>>> cmds) {
  JournalBatch b;
  for (const auto& [db, args] : cmds) b.Add(db, args);
  return b;
}

TEST(Journal, OffJournalRecordsNothingUntilASinkIsAdded) {
  Journal j;
  EXPECT_FALSE(j.enabled());
  Recorder r;
  EXPECT_EQ(j.AddSink(&r), 0u);
  EXPECT_TRUE(j.enabled());
  j.RemoveSink(&r);
  EXPECT_FALSE(j.enabled());
}

TEST(Journal, SelectsTheDatabaseWhenItChangesAndCountsOffsets) {
  Journal j;
  Recorder r;
  j.AddSink(&r);
  j.Append(Batch({{0, {"SET", "a", "1"}}}));
  j.Append(Batch({{0, {"DEL", "a"}}}));
  j.Append(Batch({{3, {"INCR", "n"}}}));
  const std::string want =
      "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
      "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
      "*2\r\n$3\r\nDEL\r\n$1\r\na\r\n"
      "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
      "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
  EXPECT_EQ(r.text, want);
  EXPECT_EQ(j.appended(), want.size());
  ASSERT_EQ(r.ends.size(), 3u);
  EXPECT_EQ(r.ends.back(), want.size());
  EXPECT_LT(r.ends[0], r.ends[1]);
}

TEST(Journal, ABatchOfSeveralIsOneTransaction) {
  Journal j;
  Recorder r;
  j.AddSink(&r);
  j.Append(Batch({{1, {"SET", "a", "1"}}, {2, {"SET", "b", "2"}}}));
  EXPECT_EQ(r.text,
            "*1\r\n$5\r\nMULTI\r\n"
            "*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
            "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
            "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"
            "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
            "*1\r\n$4\r\nEXEC\r\n");
  ASSERT_EQ(r.ends.size(), 1u);  // one call: it reaches the sink whole
}

TEST(Journal, ANewSinkStartsWithASelect) {
  Journal j;
  Recorder first;
  j.AddSink(&first);
  j.Append(Batch({{0, {"SET", "a", "1"}}}));
  Recorder second;
  const uint64_t start = j.AddSink(&second);
  EXPECT_EQ(start, j.appended());
  j.Append(Batch({{0, {"SET", "b", "2"}}}));
  EXPECT_EQ(second.text.rfind("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n", 0), 0u);
  EXPECT_EQ(second.ends.back(), j.appended());
}

TEST(Journal, DurableOnlyMovesForwardAndTellsTheListener) {
  Journal j;
  std::vector<uint64_t> told;
  j.SetDurableListener([&](uint64_t offset) { told.push_back(offset); });
  j.MarkDurable(10);
  j.MarkDurable(5);
  EXPECT_EQ(j.durable(), 10u);
  EXPECT_EQ(told, (std::vector<uint64_t>{10, 5}));
  Recorder r;
  j.AddSink(&r);
  j.Append(Batch({{0, {"SET", "a", "1"}}}));
  j.set_sync_acks(true);
  EXPECT_TRUE(j.sync_acks());
  // Turned off: nobody waits for what was appended.
  j.set_sync_acks(false);
  EXPECT_EQ(j.durable(), j.appended());
}

TEST(Journal, LoopTurnsReachTheSinkUntilItIsRemoved) {
  Journal j;
  j.AtLoopTurnEnd();  // no sink: nothing to call
  Recorder r;
  j.AddSink(&r);
  j.AtLoopTurnEnd();
  j.AtLoopTurnEnd();
  EXPECT_EQ(r.turns.load(), 2);
  j.RemoveSink(&r);
  j.AtLoopTurnEnd();
  EXPECT_EQ(r.turns.load(), 2);
}

TEST(Journal, RemoveSinkWaitsForALoopTurnUnderWay) {
  Journal j;
  Recorder r;
  r.hold_ms = 100;
  j.AddSink(&r);
  std::thread loop([&] { j.AtLoopTurnEnd(); });
  while (r.turns.load() == 0) std::this_thread::yield();
  j.RemoveSink(&r);
  // Once RemoveSink returns, no call into the sink is under way.
  EXPECT_EQ(r.turns_done.load(), 1);
  loop.join();
}

}  // namespace
}  // namespace cinnabar::engine
