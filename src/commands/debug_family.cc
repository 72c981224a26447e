// DEBUG: HELP, SLEEP, SET-ACTIVE-EXPIRE, RELOAD, DIGEST, DIGEST-VALUE, OBJECT, PROTOCOL,
// LOG, CHANGE-REPL-ID, PAUSE-CRON, REPLYBUFFER, STRINGMATCH-TEST here; the encoding ones
// (HTSTATS, HTSTATS-KEY, LISTPACK, QUICKLIST, QUICKLIST-PACKED-THRESHOLD) in
// debug_encodings.cc. Every subcommand but RELOAD runs with every shard locked, so SLEEP
// stalls the keyspace as it stalls Redis and DIGEST sees one point in time; RELOAD saves
// and loads through persistence/persistence.h, which holds the shards itself.

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "base/logging.h"
#include "base/string_util.h"
#include "commands/args.h"
#include "commands/debug_encodings.h"
#include "commands/families.h"
#include "core/glob.h"
#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/listpack.h"
#include "core/object_type.h"
#include "core/quicklist.h"
#include "core/set_value.h"
#include "core/string_value.h"
#include "core/zset_value.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "persistence/persistence.h"
#include "persistence/rdb_encoder.h"
#include "protocol/errors.h"
#include "scripting/sha1.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using scripting::Sha1Digest;
namespace errors = protocol::errors;

// --- DIGEST: Redis's dataset signature (debug.c's xorDigest / mixDigest) ---

// digest ^= SHA1(bytes): order-independent accumulation.
void XorDigest(Sha1Digest& digest, std::string_view bytes) {
  Sha1Digest h = scripting::Sha1(bytes);
  for (size_t i = 0; i < digest.size(); ++i) digest[i] ^= h[i];
}

// digest = SHA1(digest ^ SHA1(bytes)): order-dependent accumulation.
void MixDigest(Sha1Digest& digest, std::string_view bytes) {
  XorDigest(digest, bytes);
  digest = scripting::Sha1(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

void MixInt32(Sha1Digest& digest, uint32_t v) {
  uint32_t be = htonl(v);
  MixDigest(digest, std::string_view(reinterpret_cast<const char*>(&be), sizeof(be)));
}

// Redis's type numbers (OBJ_STRING ...), which the signature mixes in.
uint32_t RedisTypeNumber(core::ObjType t) {
  switch (t) {
    case core::ObjType::kString: return 0;
    case core::ObjType::kList: return 1;
    case core::ObjType::kSet: return 2;
    case core::ObjType::kZSet: return 3;
    case core::ObjType::kHash: return 4;
    default: return 6;
  }
}

// A value's signature, mixed into `digest` (all zeros for a key on its own).
void ValueDigest(const core::Entry* e, Sha1Digest& digest) {
  MixInt32(digest, RedisTypeNumber(e->type()));
  switch (e->type()) {
    case core::ObjType::kString: {
      core::IntBuffer scratch;
      MixDigest(digest, core::StringBytes(e, &scratch));
      break;
    }
    case core::ObjType::kList: {
      core::ListValue list = core::ListValue::Of(e);
      size_t n = list.Length();
      if (n > 0) list.Range(0, n - 1, false, [&](std::string_view el) { MixDigest(digest, el); });
      break;
    }
    case core::ObjType::kSet:
      core::SetValue(e->encoding(), e->pointer()).ForEach([&](std::string_view m) {
        XorDigest(digest, m);
      });
      break;
    case core::ObjType::kZSet:
      core::ZSetValue(e->encoding(), e->pointer()).ForEach([&](std::string_view m, double score) {
        Sha1Digest element{};
        MixDigest(element, m);
        char buf[64];
        int len = std::snprintf(buf, sizeof(buf), "%.17g", score);
        MixDigest(element, std::string_view(buf, static_cast<size_t>(len)));
        XorDigest(digest, std::string_view(reinterpret_cast<const char*>(element.data()), 20));
      });
      break;
    case core::ObjType::kHash:
      core::HashValue(e->encoding(), e->pointer()).ForEach([&](std::string_view f, std::string_view v) {
        Sha1Digest element{};
        MixDigest(element, f);
        MixDigest(element, v);
        XorDigest(digest, std::string_view(reinterpret_cast<const char*>(element.data()), 20));
      });
      break;
    default:
      break;
  }
  if (e->has_expire()) XorDigest(digest, "!!expire!!");
}

std::string_view DigestBytes(const Sha1Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

// DEBUG DIGEST: every database in order, its number mixed in, then the XOR of its keys'
// signatures (each the key mixed with its value), across every shard.
std::string DatasetDigest(CommandContext& ctx) {
  Sha1Digest total{};
  int dbs = ctx.shard_at(0).db_count();
  for (int d = 0; d < dbs; ++d) {
    Sha1Digest keys{};
    size_t live = 0;
    for (unsigned s = 0; s < ctx.shard_count(); ++s) {
      engine::Database& db = ctx.shard_at(s).db(d);
      db.table().ForEach([&](core::Entry* e) {
        if (db.IsExpired(e)) return;
        ++live;
        Sha1Digest one{};
        MixDigest(one, e->key());
        ValueDigest(e, one);
        XorDigest(keys, DigestBytes(one));
      });
    }
    if (live == 0) continue;
    MixInt32(total, static_cast<uint32_t>(d));
    for (size_t i = 0; i < total.size(); ++i) total[i] ^= keys[i];
  }
  return scripting::HexDigest(total);
}

// --- OBJECT ---

// "Value at:... refcount:... encoding:... serializedlength:... lru:... lru_seconds_idle:..."
// and, for lists, the quicklist's shape, as Redis prints them.
std::string DescribeObject(CommandContext& ctx, engine::Database& db, const core::Entry* e) {
  std::string rdb;
  persistence::AppendRdbValue(&rdb, e->value(), ctx.config().rdbcompression);
  uint32_t idle = core::LruIdleSeconds(db.shard().lru_clock(), e->lru());
  char head[256];
  std::snprintf(head, sizeof(head),
                "Value at:%p refcount:%d encoding:%.*s serializedlength:%zu lru:%u "
                "lru_seconds_idle:%u",
                static_cast<const void*>(e), core::IsSharedInteger(e) ? 2147483647 : 1,
                static_cast<int>(core::EncodingName(e->type(), e->encoding()).size()),
                core::EncodingName(e->type(), e->encoding()).data(), rdb.size(), e->lru(), idle);
  std::string out = head;
  if (e->type() != core::ObjType::kList) return out;
  size_t nodes = 1, elements = 0, bytes = 0;
  int compressed = 0;
  if (e->encoding() == core::kListListpack) {
    const auto* lp = static_cast<const uint8_t*>(e->pointer());
    elements = core::ListValue::Of(e).Length();
    bytes = core::lp::Bytes(lp);
  } else {
    const auto* ql = static_cast<const core::Quicklist*>(e->pointer());
    nodes = ql->node_count();
    elements = ql->count();
    // Redis compat (debugCommand): whether the list compresses at all, and the sizes of
    // its listpacks uncompressed.
    compressed = ql->compress_depth() != 0;
    for (const core::Quicklist::Node* n = ql->head(); n != nullptr; n = n->next) {
      bytes += core::Quicklist::ListpackBytes(n);
    }
  }
  char tail[200];
  std::snprintf(tail, sizeof(tail),
                " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
                "ql_uncompressed_size:%zu",
                nodes, nodes ? static_cast<double>(elements) / static_cast<double>(nodes) : 0.0,
                static_cast<int>(ctx.config().list_max_listpack_size), compressed, bytes);
  return out + tail;
}

// --- RELOAD ---

void Reload(CommandContext& ctx) {
  persistence::ReloadOptions opts;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    if (Is(o, "MERGE")) {
      opts.merge = true;
    } else if (Is(o, "NOFLUSH")) {
      opts.flush = false;
    } else if (Is(o, "NOSAVE")) {
      opts.save = false;
    } else {
      return ctx.ReplyError(errors::kDebugReloadOptions);
    }
  }
  if (!ctx.may_block()) return ctx.ReplyError(errors::NotInMultiYet("debug|reload"));
  engine::Client* c = &ctx.client();
  persistence::Persistence::Of(ctx.engine())
      .Reload(ctx.worker().index(), opts, [c](base::Status st, bool saved) {
        if (c->alive()) {
          protocol::ReplyBuilder rb = c->Reply();
          if (st.ok()) {
            base::LogWarning("DB reloaded by DEBUG RELOAD");
            rb.Ok();
          } else if (!saved) {
            rb.Error("ERR");
          } else {
            rb.Error(errors::kDebugReloadFailed);
          }
        }
        c->EndAwait();
      });
  ctx.Defer();
  c->BeginAwait();
}

// DEBUG PROTOCOL <type>: one reply of each RESP3 type, as RESP2 or RESP3 (what client
// libraries test their parsers with), byte for byte as Redis 7.0 sends them.
void DebugProtocol(CommandContext& ctx) {
  struct Shape {
    std::string_view name;
    std::string_view resp2;
    std::string_view resp3;
  };
  static constexpr Shape kShapes[] = {
      {"string", "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"},
      {"integer", ":12345\r\n", ":12345\r\n"},
      {"double", "$5\r\n3.141\r\n", ",3.141\r\n"},
      {"bignum", "$37\r\n1234567999999999999999999999999999999\r\n",
       "(1234567999999999999999999999999999999\r\n"},
      {"null", "$-1\r\n", "_\r\n"},
      {"array", "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"},
      {"set", "*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n"},
      {"map", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
       "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"},
      {"attrib", "$39\r\nSome real reply following the attribute\r\n",
       "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
       "$39\r\nSome real reply following the attribute\r\n"},
      {"push", "", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
       "$40\r\nSome real reply following the push reply\r\n"},
      {"verbatim", "$25\r\nThis is a verbatim\nstring\r\n",
       "=29\r\ntxt:This is a verbatim\nstring\r\n"},
      {"true", ":1\r\n", "#t\r\n"},
      {"false", ":0\r\n", "#f\r\n"},
  };
  for (const Shape& shape : kShapes) {
    if (!Is(ctx.arg(2), shape.name)) continue;
    const std::string_view bytes = ctx.resp() >= 3 ? shape.resp3 : shape.resp2;
    if (bytes.empty()) return ctx.ReplyError(errors::kDebugProtocolResp2);
    return ctx.reply().Raw(bytes);
  }
  ctx.ReplyError(errors::kDebugProtocolType);
}

// DEBUG STRINGMATCH-TEST: Redis's stress test of its glob matcher, on ours: random
// patterns and strings over glob's special characters, matched both ways; a pattern built
// to blow matching up must still finish (core/glob.h's nesting limit).
void StringMatchTest(CommandContext& ctx) {
  static constexpr std::string_view kAlphabet = "*?[]^-\\ab";
  std::mt19937 gen(std::random_device{}());
  std::uniform_int_distribution<size_t> len(0, 50);
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string pattern, text;
  for (int i = 0; i < 1000; ++i) {
    pattern.clear();
    text.clear();
    for (size_t n = len(gen); n > 0; --n) pattern += kAlphabet[pick(gen)];
    for (size_t n = len(gen); n > 0; --n) text += kAlphabet[pick(gen)];
    core::GlobMatch(pattern, text, false);
    core::GlobMatch(pattern, text, true);
  }
  ctx.reply().SimpleString("Apparently Redis did not crash: test passed");
}

// DEBUG REPLYBUFFER PEAK-RESET-TIME <never|reset|ms> | RESIZING <0|1>: Redis 7.0's tuning
// of the cron that resizes each client's reply buffer to its recent peak. Cinnabar's
// output buffers have no such cron (a connection's buffer is freed once it is idle and
// over 64 KB), so the arguments are checked as Redis checks them and nothing changes.
void ReplyBuffer(CommandContext& ctx) {
  std::string_view what = ctx.arg(2);
  if (Is(what, "PEAK-RESET-TIME")) {
    std::string_view v = ctx.arg(3);
    if (!Is(v, "NEVER") && !Is(v, "RESET") && !ParseInt64Arg(v).ok()) {
      return ctx.ReplyError(errors::kNotInteger);
    }
    return ctx.reply().Ok();
  }
  if (Is(what, "RESIZING")) return ctx.reply().Ok();  // Redis compat: atoi, anything goes
  ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
}

void Debug(CommandContext& ctx) {
  std::string_view sub = ctx.arg(1);
  if (Is(sub, "HELP") && ctx.argc() == 2) {
    // Redis's order; only what Cinnabar has.
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "HTSTATS <dbid>",
        "    Return hash table statistics of the specified database, shard by shard.",
        "HTSTATS-KEY <key>",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not accessed.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the glob-style pattern matcher.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "QUICKLIST <key> [<0|1>]",
        "    Show low level info about the quicklist encoding of <key>.",
        "    The optional argument (0 by default) sets the level of detail",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
        "    Accepted for compatibility: Cinnabar's reply buffers are not resized by a cron.",
        "REPLYBUFFER RESIZING <0|1>",
        "    Accepted for compatibility: Cinnabar's reply buffers are not resized by a cron.",
        "HELP",
        "    Prints this help.",
    };
    return ReplyHelp(ctx.reply(), kLines);
  }
  if (Is(sub, "RELOAD")) return Reload(ctx);
  if (Is(sub, "PROTOCOL") && ctx.argc() == 3) return DebugProtocol(ctx);
  if (Is(sub, "LOG") && ctx.argc() == 3) {
    base::LogWarning("DEBUG LOG: {}", ctx.arg(2));
    return ctx.reply().Ok();
  }
  if (Is(sub, "SLEEP") && ctx.argc() == 3) {
    // Redis compat: atof, so garbage sleeps 0 seconds.
    double secs = std::atof(std::string(ctx.arg(2)).c_str());
    if (secs > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(secs * 1e6)));
    }
    return ctx.reply().Ok();
  }
  if (Is(sub, "SET-ACTIVE-EXPIRE") && ctx.argc() == 3) {
    ctx.engine().active_expire.store(std::atoi(std::string(ctx.arg(2)).c_str()) != 0);
    return ctx.reply().Ok();
  }
  if (Is(sub, "DIGEST") && ctx.argc() == 2) {
    return ctx.reply().SimpleString(DatasetDigest(ctx));
  }
  if (Is(sub, "DIGEST-VALUE") && ctx.argc() >= 2) {
    ctx.reply().ArrayHeader(ctx.argc() - 2);
    for (size_t i = 2; i < ctx.argc(); ++i) {
      Sha1Digest d{};
      engine::Database::Ref ref = ctx.db_for(ctx.arg(i)).FindNoTouch(ctx.arg(i));
      if (ref) ValueDigest(ref.entry, d);
      ctx.reply().SimpleString(scripting::HexDigest(d));
    }
    return;
  }
  if (Is(sub, "CHANGE-REPL-ID") && ctx.argc() == 2) {
    base::LogWarning("Changing replication IDs after receiving DEBUG change-repl-id");
    ctx.engine().ChangeReplId();
    return ctx.reply().Ok();
  }
  if (Is(sub, "PAUSE-CRON") && ctx.argc() == 3) {
    // Redis compat: atoi, so garbage resumes the cron.
    ctx.engine().pause_cron.store(std::atoi(std::string(ctx.arg(2)).c_str()) != 0);
    return ctx.reply().Ok();
  }
  if (Is(sub, "REPLYBUFFER") && ctx.argc() == 4) return ReplyBuffer(ctx);
  if (Is(sub, "STRINGMATCH-TEST") && ctx.argc() == 2) return StringMatchTest(ctx);
  if (Is(sub, "HTSTATS") && ctx.argc() == 3) return DebugHtStats(ctx);
  if (Is(sub, "HTSTATS-KEY") && ctx.argc() == 3) return DebugHtStatsKey(ctx);
  if (Is(sub, "LISTPACK") && ctx.argc() == 3) return DebugListpack(ctx);
  if (Is(sub, "QUICKLIST") && (ctx.argc() == 3 || ctx.argc() == 4)) return DebugQuicklist(ctx);
  if (Is(sub, "QUICKLIST-PACKED-THRESHOLD") && ctx.argc() == 3) return DebugPackedThreshold(ctx);
  if (Is(sub, "OBJECT") && ctx.argc() == 3) {
    engine::Database& db = ctx.db_for(ctx.arg(2));
    engine::Database::Ref ref = db.FindNoTouch(ctx.arg(2));
    if (!ref) return ctx.ReplyError(errors::kNoSuchKey);
    return ctx.reply().SimpleString(DescribeObject(ctx, db, ref.entry));
  }
  ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), sub));
}

// Everything but RELOAD holds every shard.
bool DebugNeedsAllShards(engine::Worker&, std::span<const std::string_view> args) {
  return args.size() < 2 || !Is(args[1], "RELOAD");
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kLoading;
using engine::kNoScript;
using engine::kProtected;
using engine::kStale;

constexpr CommandSpec kDebugCommands[] = {
    {.name = "DEBUG", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale | kProtected,
     .handler = Debug, .needs_all_shards = DebugNeedsAllShards,
     .summary = "A container for debugging commands.", .since = "1.0.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterDebugFamily(engine::Registry* r) { r->AddFamily(0, "server", kDebugCommands); }

}  // namespace cinnabar::commands
