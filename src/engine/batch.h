// Batch: consecutive commands of one client, copied out of its input, that run as one unit
// away from the client's inline path. Three ways, by the shards they touch:
//
//   remote  all on one shard that is not free to run them inline (another thread's, or the
//           client's own while a transaction holds it): they run there in order and their
//           replies hop back in one piece
//   spread  each command on one shard, the batch over several (a pipeline run): every shard
//           gets its share, all shares posted in one step (Messenger::PostAll); each shard
//           runs its share in request order, concurrently with the others, and the replies
//           go out in request order once all are done
//   locked  a command over several shards, or the whole keyspace; or a spread batch while
//           one of its shards has a waiter spanning shards (BLPOP a b, BLMOVE across),
//           which concurrent shares could serve out of request order: every shard the
//           batch touches is locked (the lock requests posted in one step, so all shards
//           see them in one order), and once all are held the batch runs in order on the
//           client's thread, serving waiters after each command; then they are released
//
// A transaction (MULTI ... EXEC) is a batch too: its queued commands run locked, as one
// piece (engine/transaction.h), unless they all fall to the client's own free shard.
//
// Which of the last two is decided inside the posting step, where no spanning waiter can
// appear or leave unseen: a blocking command over several shards counts itself on them in
// its own posting step (Shard::SpanningWaiterComing).
//
// Order, as Redis promises it: other clients observe a batch's effects in request order. A
// locked batch runs while no one else can reach its shards. A spread batch's shares enter
// their shards' task queues at one instant, so whatever anyone does after learning of one
// share's effect reaches every other shard behind that shard's share: through the queue, or
// inline after Shard::InlineOk() saw the share had run. Every shard thus places the whole
// batch at the same point among everything else it runs.
//
// Threading: built and started on the client's thread; a remote share runs on its shard's
// thread and its replies come back by a task; a locked batch runs on the client's thread.
#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/io_buf.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "engine/watch.h"

namespace cinnabar::engine {

class Client;
class Engine;
struct CommandEntry;

class Batch : public LockOwner {
 public:
  explicit Batch(Client& c);

  // Appends a command the dispatcher admitted, with the shards its keys live on (ascending,
  // distinct). `all_shards` for a command that needs the whole keyspace. Only the last
  // command of a batch may block.
  void Add(const CommandEntry& cmd, std::span<const std::string_view> args,
           std::span<const unsigned> shards, bool all_shards = false);
  size_t size() const { return items_.size(); }
  size_t bytes() const { return arena_.size(); }
  // Whether every command so far names exactly one shard (the batch can be spread).
  bool single_shard_commands() const { return single_shard_commands_; }
  // Every shard the batch touches, ascending.
  std::span<const unsigned> shards() const { return shards_; }
  // The CommandFlag bits of all its commands together (EXEC's denyoom test).
  uint32_t command_flags() const { return command_flags_; }

  // Makes the batch an EXEC: it runs locked, in one piece, over the shards of its commands
  // and of the keys `watch` names (may be null).
  void MakeTransaction(std::shared_ptr<WatchSet> watch);
  // A keyless transaction that must wait its turn: it locks the client's own shard.
  void AddOwnShard() {
    const unsigned own[] = {home_};
    AddShards(own);
  }
  // Runs the transaction and writes EXEC's reply. `mode` kLocal: every shard it touches is
  // the client's own and free; kLocked: all are held. On the client's thread.
  void RunTransaction(Client& c, protocol::ReplyBuilder& rb, ExecMode mode);
  // EXEC as the client typed it, for MONITOR once the transaction ran.
  void set_exec_name(std::string_view name) { exec_name_ = name; }

  // Runs the batch; the client awaits it. Its replies go to the client in request order and
  // the client reads on when it is done, or waits on if its last command blocked.
  static void Start(std::shared_ptr<Batch> batch);

 private:
  struct Item {
    const CommandEntry* cmd;
    uint32_t first_arg;  // into args_
    uint32_t argc;
    unsigned shard;      // the command's shard, when it names one
    size_t reply_begin = 0;  // a spread batch: its reply in its share's buffer
    size_t reply_end = 0;
  };
  struct Share {
    unsigned shard;
    std::vector<uint32_t> items;  // indexes, in request order
    base::IoBuf reply;
  };
  std::span<const std::string_view> ArgsOf(const Item& it) const {
    return std::span<const std::string_view>(args_).subspan(it.first_arg, it.argc);
  }
  // The arena is complete: point every argument view into it.
  void Seal();
  void AddShards(std::span<const unsigned> shards);

  static void RunRemote(const std::shared_ptr<Batch>& b, unsigned shard);
  // Spread or locked: posts to every shard in one step, deciding which inside it.
  static void PostToShards(const std::shared_ptr<Batch>& b);
  void PrepareShares();
  // On shard `s`'s thread: the batch's task arrived.
  static void Arrive(const std::shared_ptr<Batch>& b, unsigned s);
  static void RunShare(const std::shared_ptr<Batch>& b, Share& share);
  static void FinishSpread(const std::shared_ptr<Batch>& b);
  static void RunHeld(const std::shared_ptr<Batch>& b);
  // Whether `replies` reached reply_cap_ (then the batch is cut).
  bool PastReplyCap(const base::IoBuf& replies);

  Client* const client_;  // touched only on the home thread
  Engine& engine_;
  const unsigned home_;
  const int db_;
  const int resp_;
  std::string arena_;                   // every argument's bytes, back to back
  std::vector<std::string_view> args_;  // sizes only until Seal()
  std::vector<Item> items_;
  uint32_t command_flags_ = 0;
  std::vector<unsigned> shards_;        // every shard touched, ascending
  bool single_shard_commands_ = true;
  bool blocks_ = false;                 // its (only) command may block
  bool locked_ = false;                 // runs locked (decided while posting)
  bool spanning_counted_ = false;       // holds a spanning-waiter count on its shards
  bool transaction_ = false;            // an EXEC (MakeTransaction)
  std::shared_ptr<WatchSet> watch_;     // a transaction's watched keys, or null
  std::string exec_name_;
  std::vector<Share> shares_;           // a spread batch's, by ascending shard
  base::IoBuf reply_;                   // a remote batch's replies, carried home
  // The client's hard output limit when the batch started (0: none). A run whose replies
  // pass it stops there, as Redis stops reading a client it will close: the client is
  // closed when the replies arrive. Only where stopping keeps the run's order: on one
  // shard, or when the commands write nothing.
  size_t reply_cap_ = 0;
  bool writes_ = false;                 // a command of the batch may write
  std::atomic<bool> cut_{false};        // a run stopped at reply_cap_: the client closes
  // Keyspace notifications are on: the run goes locked, in request order, never spread
  // (shares on several threads would report their keys' events in any order). So does a
  // tracking client's: a spread run holds back replies that other threads' invalidations
  // must not overtake (engine/tracking.h).
  bool notifies_ = false;
  unsigned pending_ = 0;                // shares still running or locks still to come
};

}  // namespace cinnabar::engine
