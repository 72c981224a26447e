// CONFIG GET | SET | RESETSTAT | REWRITE | HELP.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "commands/args.h"
#include "commands/families.h"
#include "engine/command_context.h"
#include "engine/config_rewrite.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::Client;
using engine::CommandContext;
using engine::Worker;
namespace errors = protocol::errors;

// CONFIG GET parameter [parameter ...]
void ConfigGet(CommandContext& ctx) {
  ctx.reply().BulkMap(ctx.engine().config_store().Get(ctx.args().subspan(2)));
}

// CONFIG SET parameter value [parameter value ...]: all or nothing; every thread has the
// new values before the reply.
void ConfigSet(CommandContext& ctx) {
  // Redis compat: a name without a value is a syntax error, not an arity error.
  if (ctx.argc() % 2 != 0) return ctx.ReplyError(errors::kSyntax);
  engine::Engine& eng = ctx.engine();
  engine::DebugCommandPolicy policy = ctx.config().enable_protected_configs;
  bool allow_protected = policy == engine::DebugCommandPolicy::kYes ||
                         (policy == engine::DebugCommandPolicy::kLocal &&
                          ctx.client().peer().loopback);
  base::Status st = eng.config_store().Set(
      ctx.args().subspan(2),
      [&eng](const engine::ServerConfig& old, const engine::ServerConfig& next,
             std::string_view* culprit) { return eng.hooks().ApplyConfig(old, next, culprit); },
      allow_protected);
  if (!st.ok()) return ctx.ReplyError(st.message());
  std::shared_ptr<const engine::ServerConfig> snapshot = eng.config_store().snapshot();
  // Redis compat: this command's own timing (slowlog, latency tracking) is judged by the
  // values it set, so its thread takes them at once.
  ctx.worker().SetConfig(snapshot);
  ctx.ApplyOnWorkers([snapshot](Worker& w) { w.SetConfig(snapshot); });
}

// CONFIG RESETSTAT
void ConfigResetStat(CommandContext& ctx) {
  ctx.ApplyOnWorkers([](Worker& w) { w.ResetStats(); });
}

// CONFIG REWRITE: the configuration file, rewritten to hold the values in force
// (engine/config_rewrite.h), through a temporary file renamed over it.
void ConfigRewrite(CommandContext& ctx) {
  std::shared_ptr<const engine::ServerConfig> cfg = ctx.engine().config_store().snapshot();
  const std::string& path = cfg->config_file;
  if (path.empty()) return ctx.ReplyError(errors::kConfigNoFile);
  std::string old_text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in && errno != ENOENT) return ctx.ReplyError(errors::ConfigRewriteFailed(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    old_text = ss.str();
  }
  const std::string text = engine::RewriteConfig(old_text, *cfg);
  const std::string tmp = path + ".tmp-" + std::to_string(base::UnixTimeMs());
  int fd = open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return ctx.ReplyError(errors::ConfigRewriteFailed(errno));
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) (void)fchmod(fd, st.st_mode & 07777);  // keeps its mode
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      close(fd);
      unlink(tmp.c_str());
      return ctx.ReplyError(errors::ConfigRewriteFailed(err));
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return ctx.ReplyError(errors::ConfigRewriteFailed(err));
  }
  base::LogNotice("CONFIG REWRITE executed with success.");
  ctx.reply().Ok();
}

// CONFIG HELP
void ConfigHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kLoading;
using engine::kNoScript;
using engine::kStale;

// CONFIG SET name value ...: the values of the directives that hold secrets.
bool ConfigSetRedacts(std::span<const std::string_view> args, size_t i) {
  return i >= 3 && (i - 3) % 2 == 0 && base::EqualsIgnoreCase(args[i - 1], "requirepass");
}

constexpr CommandSpec kConfigSubcommands[] = {
    {.name = "GET", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ConfigGet, .summary = "Returns the effective values of configuration parameters.",
     .since = "2.0.0", .complexity = "O(N) when N is the number of configuration parameters "
                                     "provided"},
    {.name = "SET", .arity = -4, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ConfigSet, .redacts = ConfigSetRedacts,
     .summary = "Sets configuration parameters in-flight.",
     .since = "2.0.0", .complexity = "O(N) when N is the number of configuration parameters "
                                     "provided",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "RESETSTAT", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ConfigResetStat, .summary = "Resets the server's statistics.", .since = "2.0.0",
     .complexity = "O(1)"},
    {.name = "REWRITE", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ConfigRewrite, .summary = "Persists the effective configuration to file.",
     .since = "2.8.0", .complexity = "O(1)"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = ConfigHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "5.0.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kConfigCommands[] = {
    {.name = "CONFIG", .arity = -2, .subcommands = kConfigSubcommands,
     .summary = "A container for server configuration commands.", .since = "2.0.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterConfigFamily(engine::Registry* r) { r->AddFamily(0, "server", kConfigCommands); }

}  // namespace cinnabar::commands
