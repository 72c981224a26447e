// Keyspace notification hooks (engine/notify.h) for the commands whose event depends on
// the key or the arguments; the others declare a plain `.notice` in their family. Shared
// here because blocking and non-blocking variants (LMOVE and BLMOVE, ZMPOP and BZMPOP)
// report alike.
#pragma once

#include "engine/command_context.h"
#include "engine/notify.h"

namespace cinnabar::commands {

using engine::KeyEvent;
using engine::NoticeSink;

// SET: "set", and "expire" with EX/PX/EXAT/PXAT. SETEX, PSETEX: both always.
void NoticeSet(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
void NoticeSetEx(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// GETEX: "expire", "persist", or "del" for a time already past.
void NoticeGetEx(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// RENAME/RENAMENX: "rename_from" and "rename_to" once the new key is in place.
void NoticeRename(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// COPY: "copy_to" on the new key.
void NoticeCopy(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// MOVE: "move_from" in the source database and "move_to" in the target one.
void NoticeMove(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// LMOVE, BLMOVE, RPOPLPUSH, BRPOPLPUSH: the pop on the source, the push on the destination.
void NoticeListMove(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// LMPOP, BLMPOP: "lpop" or "rpop" by the side word.
void NoticeListMPop(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// SMOVE: "srem" on the source, "sadd" on the destination.
void NoticeSMove(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// ZADD: "zadd", or "zincr" with INCR.
void NoticeZAdd(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);
// ZMPOP, BZMPOP: "zpopmin" or "zpopmax" by the side word.
void NoticeZMPop(const engine::CommandContext& ctx, KeyEvent event, NoticeSink& out);

}  // namespace cinnabar::commands
