// The slow log's ring (newest first, trimmed to slowlog-max-len) and proc-title-template's
// expansion (Redis's sdstemplate rules).
#include "engine/slowlog.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/config.h"

namespace cinnabar::engine {
namespace {

SlowlogEntry Entry(uint64_t id) {
  SlowlogEntry e;
  e.id = id;
  e.args = {"SET", "k" + std::to_string(id)};
  return e;
}

TEST(SlowlogTest, KeepsTheNewestFirstAndTrimsToTheLimit) {
  Slowlog log;
  for (uint64_t id = 1; id <= 5; ++id) log.Push(Entry(id), 3);
  ASSERT_EQ(log.size(), 3u);
  auto newest = log.Newest(10);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].id, 5u);
  EXPECT_EQ(newest[2].id, 3u);
  EXPECT_EQ(log.Newest(1).front().args[1], "k5");
}

TEST(SlowlogTest, ALimitOfZeroKeepsNothingAndResetEmpties) {
  Slowlog log;
  log.Push(Entry(1), 0);
  EXPECT_EQ(log.size(), 0u);
  log.Push(Entry(2), 8);
  log.Push(Entry(3), 8);
  log.Reset();
  EXPECT_EQ(log.size(), 0u);
  EXPECT_TRUE(log.Newest(5).empty());
}

TEST(ProcTitleTest, ExpandsVariablesAndEscapedBraces) {
  ProcTitleVars vars;
  vars.title = "cinnabar-server";
  vars.listen_addr = "127.0.0.1:6379";
  std::string out;
  ASSERT_TRUE(ExpandProcTitle("{title} {listen-addr} {server-mode}", vars, &out));
  EXPECT_EQ(out, "cinnabar-server 127.0.0.1:6379");
  ASSERT_TRUE(ExpandProcTitle("{{literal} {port}", vars, &out));
  EXPECT_EQ(out, "{literal}");
}

TEST(ProcTitleTest, RejectsUnknownVariablesAndOpenBraces) {
  std::string out;
  EXPECT_FALSE(ExpandProcTitle("{nope}", ProcTitleVars{}, &out));
  EXPECT_FALSE(ExpandProcTitle("{title", ProcTitleVars{}, &out));
}

}  // namespace
}  // namespace cinnabar::engine
