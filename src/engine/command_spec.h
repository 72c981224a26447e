// CommandSpec: the one declaration of a command. Routing, COMMAND, ACL categories, MULTI
// and scripting all read it; nothing about a command is guessed from its name.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/key_spec.h"

namespace cinnabar::engine {

class CommandContext;
class NoticeSink;
class Worker;
enum class KeyEvent : uint8_t;
using Handler = void (*)(CommandContext&);

// Flags as COMMAND INFO shows them, plus routing flags of our own (not shown).
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubSub = 1u << 4,
  kNoScript = 1u << 5,
  kBlocking = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kSkipMonitor = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kFast = 1u << 11,
  kNoAuth = 1u << 12,
  kMayReplicate = 1u << 13,
  kNoMulti = 1u << 14,
  kAllowBusy = 1u << 15,
  kProtected = 1u << 16,  // refused unless enable-debug-command allows it
  kNoMandatoryKeys = 1u << 17,
  kNoAsyncLoading = 1u << 18,  // shown only (we have no async loading)
  // Ours, not shown:
  kNoFamilyAcl = 1u << 23,  // a container without its family's ACL category (CLIENT, OBJECT)
  // Routing, ours:
  kAllShards = 1u << 24,  // touches the whole keyspace: runs with every shard locked
  kRunsInMulti = 1u << 25,  // runs at once inside MULTI instead of queueing (EXEC, WATCH...)
  kAlone = 1u << 26,        // starts no pipeline run and joins none (it edits client state)
  kReplyLater = 1u << 27,   // replies after its handler returns (gathers from every thread)
  kEndsMulti = 1u << 28,    // EXEC: refused, it answers EXECABORT and ends MULTI
  kSubscribedOk = 1u << 29,  // allowed in a RESP2 client's pub/sub context (PING, SUBSCRIBE)
  kNotKey = 1u << 30,  // its key positions name shard channels (Redis's not_key): shown by
                       // COMMAND, never routed on
};

// Whether running a command may change data, so that its reply waits for the journal to
// cover it (engine/journal.h, sync_acks): Redis's write and may_replicate commands, and EXEC.
constexpr bool MayWrite(uint32_t flags) {
  return (flags & (kWrite | kMayReplicate | kEndsMulti)) != 0;
}

// ACL categories (Redis's names, in Redis's bit order).
enum AclCategory : uint64_t {
  kAclKeyspace = 1ull << 0,
  kAclRead = 1ull << 1,
  kAclWrite = 1ull << 2,
  kAclSet = 1ull << 3,
  kAclSortedSet = 1ull << 4,
  kAclList = 1ull << 5,
  kAclHash = 1ull << 6,
  kAclString = 1ull << 7,
  kAclBitmap = 1ull << 8,
  kAclHyperLogLog = 1ull << 9,
  kAclGeo = 1ull << 10,
  kAclStream = 1ull << 11,
  kAclPubSub = 1ull << 12,
  kAclAdmin = 1ull << 13,
  kAclFast = 1ull << 14,
  kAclSlow = 1ull << 15,
  kAclBlocking = 1ull << 16,
  kAclDangerous = 1ull << 17,
  kAclConnection = 1ull << 18,
  kAclTransaction = 1ull << 19,
  kAclScripting = 1ull << 20,
};

// Redis's legacy key position triple. `last` < 0 counts from the end (-1 = last argument).
struct KeyRange {
  int first = 0;
  int last = 0;
  int step = 0;
};

// For commands whose keys are not a fixed range (a numkeys argument, ...): appends the
// argument indexes of the keys to `out`. Returns false when the arguments are malformed
// (the handler reports the exact error).
using KeyFinder = bool (*)(std::span<const std::string_view> args, std::vector<int>* out);

// For commands that need the whole keyspace only sometimes (a script that touches keys it
// did not declare): whether this call does. On the thread of `w`, the caller's.
using AllShardsTest = bool (*)(Worker& w, std::span<const std::string_view> args);

// Keyspace notifications (engine/notify.h): the event a command's writes report. `type` is a
// NotifyClass (engine/notify_flags.h). A key the command deletes reports "del" instead.
struct Notice {
  uint32_t type = 0;
  std::string_view event{};  // empty: the command reports nothing
};
// For commands whose event depends on the key or the arguments (LMOVE's pop and push,
// RENAME's from and to, SET ... EX's extra "expire"): reports one key event to `out`.
using NoticeHook = void (*)(const CommandContext& ctx, KeyEvent event, NoticeSink& out);

// Secrets in the arguments (AUTH's password): whether argument `i` of `args` is one, so
// that SLOWLOG and MONITOR show "(redacted)" instead.
using RedactTest = bool (*)(std::span<const std::string_view> args, size_t i);

// The arguments that name pub/sub channels (ACL's &patterns): first..last (last < 0 counts
// from the end); `patterns` when they are patterns (PSUBSCRIBE's), matched literally.
struct ChannelArgs {
  int first = 0;
  int last = 0;
  bool patterns = false;
};

struct CommandSpec {
  std::string_view name;  // upper case: "GET"; for a subcommand just "SETNAME"
  int arity = 0;          // Redis's: N exact, -N at least N
  uint32_t flags = 0;
  KeyRange keys{};
  Handler handler = nullptr;
  Notice notice{};                   // keyspace notifications: what its writes report
  NoticeHook notice_hook = nullptr;  // ... or a hook that decides per key
  uint64_t acl = 0;  // categories beyond those the flags and the family imply
  KeyFinder find_keys = nullptr;
  AllShardsTest needs_all_shards = nullptr;
  std::span<const CommandSpec> subcommands{};
  RedactTest redacts = nullptr;
  ChannelArgs channels{};
  // COMMAND DOCS
  std::string_view summary{};
  std::string_view since{};
  std::string_view complexity{};
  // Key specifications (engine/key_spec.h), in Redis's order; every command with keys has
  // them. ACL and COMMAND GETKEYSANDFLAGS resolve them (engine/command_keys.h).
  std::span<const KeySpec> key_specs{};
  KeyFlagsFinder key_flags = nullptr;  // for kKeyVariableFlags specs
  // COMMAND INFO tips, space-separated: "request_policy:all_shards response_policy:agg_sum".
  std::string_view tips{};
};

}  // namespace cinnabar::engine
