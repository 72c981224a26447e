// rename-command on the command table: lookups by the new name, the old one gone, the
// journal's lookup by the command's own name unchanged, subcommands following their container.
#include <gtest/gtest.h>

#include <string_view>

#include "commands/register_all.h"
#include "engine/registry.h"

namespace cinnabar::engine {
namespace {

const CommandEntry* Look(const Registry& r, std::initializer_list<std::string_view> args) {
  bool unknown_sub = false;
  return r.Lookup(std::span<const std::string_view>(args.begin(), args.size()), &unknown_sub);
}

TEST(RegistryRenameTest, NewNameOldNameAndOwnName) {
  Registry r;
  commands::RegisterAll(&r);
  const size_t before = r.commands().size();
  ASSERT_TRUE(r.Rename("SET", "myset"));
  EXPECT_EQ(Look(r, {"set", "k", "v"}), nullptr);
  const CommandEntry* set = Look(r, {"MYSET", "k", "v"});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->name, "set");
  EXPECT_TRUE(set->renamed);
  bool unknown_sub = false;
  const std::string_view own[] = {"SET", "k", "v"};
  EXPECT_EQ(r.LookupOwnName(own, &unknown_sub), set);
  EXPECT_EQ(r.commands().size(), before);  // still listed, by its own name
}

TEST(RegistryRenameTest, RemovedAndContainers) {
  Registry r;
  commands::RegisterAll(&r);
  const size_t before = r.commands().size();
  ASSERT_TRUE(r.Rename("flushall", ""));
  EXPECT_EQ(r.Find("flushall"), nullptr);
  EXPECT_EQ(r.commands().size(), before - 1);
  ASSERT_TRUE(r.Rename("client", "myclient"));
  EXPECT_EQ(r.Find("client|id"), nullptr);
  ASSERT_NE(r.Find("myclient|id"), nullptr);
  EXPECT_EQ(r.Find("myclient|id")->name, "client|id");
  EXPECT_NE(Look(r, {"myclient", "id"}), nullptr);
  EXPECT_FALSE(r.Rename("nosuch", "x"));
  EXPECT_FALSE(r.Rename("client|kill", "x"));  // subcommands are not renamed
}

}  // namespace
}  // namespace cinnabar::engine
