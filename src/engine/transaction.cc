#include "engine/transaction.h"

#include <memory>
#include <vector>

#include "engine/batch.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/watch.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::engine {

namespace errors = protocol::errors;

void BeginMulti(Client& c) { c.multi = std::make_shared<Batch>(c); }

size_t QueuedCount(const Client& c) { return c.multi == nullptr ? 0 : c.multi->size(); }

void QueueInMulti(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args) {
  Engine& eng = c.worker().engine();
  const bool all_shards = NeedsAllShards(c.worker(), cmd, args);
  std::vector<unsigned> shards;
  // Malformed key arguments queue as keyless: the handler rejects them inside EXEC, before
  // touching any data, as Redis does.
  if (!all_shards && cmd.routes_on_keys() && !KeyShards(eng, cmd, args, &shards)) shards.clear();
  c.multi->Add(cmd, args, shards, all_shards);
  c.Reply().SimpleString("QUEUED");
}

void DiscardMulti(Client& c) {
  c.multi.reset();
  c.multi_failed = false;
  UnwatchAll(c);
}

void UnwatchAll(Client& c) {
  if (c.watch != nullptr) ReleaseWatches(c.worker().engine(), std::move(c.watch));
  c.watch.reset();
}

void ExecMulti(CommandContext& ctx) {
  Client& c = ctx.client();
  if (c.multi == nullptr) return ctx.ReplyError(errors::kExecWithoutMulti);
  std::shared_ptr<Batch> batch = std::move(c.multi);
  const bool failed = c.multi_failed;
  c.multi_failed = false;
  if (failed) {
    UnwatchAll(c);
    return ctx.ReplyError(errors::kExecAbort);
  }
  batch->MakeTransaction(std::move(c.watch));
  c.watch.reset();
  Worker& w = c.worker();
  std::span<const unsigned> shards = batch->shards();
  const bool here = shards.empty() || (shards.size() == 1 && shards[0] == w.index());
  if (here && w.shard().InlineOk()) return batch->RunTransaction(c, ctx.reply(), ExecMode::kLocal);
  // Not free now: a keyless transaction waits for this thread's shard like any other.
  if (shards.empty()) batch->AddOwnShard();
  ctx.Defer();
  batch->set_exec_name(ctx.arg(0));
  Batch::Start(std::move(batch));
}

void WatchKeys(CommandContext& ctx, std::span<const std::string_view> keys) {
  Client* c = ctx.origin();
  // The client awaits this command, so its thread does not touch these fields meanwhile.
  if (c->multi != nullptr) return ctx.ReplyError(errors::kWatchInMulti);
  if (c->watch == nullptr) c->watch = std::make_shared<WatchSet>();
  for (std::string_view key : keys) WatchKey(ctx.db_for(key), key, c->watch);
  ctx.reply().Ok();
}

}  // namespace cinnabar::engine
