// INFO [section ...]: the sections of commands/info_sections.h, printed as Redis prints them.

#include <string>
#include <vector>

#include "commands/families.h"
#include "commands/info_sections.h"
#include "engine/command_context.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;

// INFO [section [section ...]]
void Info(CommandContext& ctx) {
  std::vector<std::string_view> args;
  for (size_t i = 1; i < ctx.argc(); ++i) args.push_back(ctx.arg(i));
  std::string out;
  for (const base::InfoSection& s : GatherInfo(ctx.engine(), ctx.config(), InfoSelection(args))) {
    if (!out.empty()) out += "\r\n";
    s.AppendTo(&out);
  }
  ctx.reply().Verbatim(out);
}

using engine::CommandSpec;

constexpr CommandSpec kInfoCommands[] = {
    {.name = "INFO", .arity = -1, .flags = engine::kLoading | engine::kStale | engine::kAllShards,
     .handler = Info, .acl = engine::kAclDangerous,
     .summary = "Returns information and statistics about the server.", .since = "1.0.0",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
};

}  // namespace

void RegisterInfoFamily(engine::Registry* r) { r->AddFamily(0, "server", kInfoCommands); }

}  // namespace cinnabar::commands
