// Client: one connection's session: its protocol state (parser, RESP version), who it is
// (id, name, database, authentication) and the input loop that runs its commands in order.
//
// Threading: a client lives on the thread that accepted its connection and is touched only
// there. A command that runs elsewhere (a hop, a transaction) holds a reference and hands
// its reply back to this thread; meanwhile the client reads no further commands.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/io_buf.h"
#include "engine/config.h"
#include "engine/tracking_state.h"
#include "protocol/reply_builder.h"
#include "protocol/resp_parser.h"

namespace cinnabar::engine {

class Batch;
class Waiter;
struct Subscriptions;
class Worker;
struct WatchSet;
struct CommandEntry;
class AclUser;

// The connection under a client, implemented by server/ on top of io/.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual base::IoBuf& input() = 0;
  virtual base::IoBuf& output() = 0;
  // Sends output() at the end of the current loop turn.
  virtual void Flush() = 0;
  // Closes once output() has been sent. Never closes synchronously.
  virtual void CloseAfterFlush() = 0;
  // Closes soon, dropping unsent output. Never closes synchronously.
  virtual void Close() = 0;
  // Output not yet sent: output() and whatever the connection has handed to the kernel
  // but not yet seen go.
  virtual size_t pending_output() const = 0;
  // Hands what the kernel takes of output() to it now (see Client::EnforceOutputLimit).
  virtual void SendNow() = 0;
  // While held, output() is not sent at all (replies waiting for the journal).
  virtual void HoldOutput(bool held) = 0;
  // While paused, the socket is not read (buffered input that cannot run yet).
  virtual void PauseInput(bool paused) = 0;
  // The loop turn under way (io::EventLoop::turn).
  virtual uint64_t turn() const = 0;
  // Calls Client::OnContinue in the next loop turn, after this turn's replies have gone.
  virtual void ContinueNextTurn() = 0;
};

struct PeerInfo {
  std::string addr;   // "ip:port" as CLIENT LIST prints it
  std::string laddr;  // local "ip:port"
  int fd = -1;
  bool loopback = false;
};

class Client {
 public:
  Client(Worker* worker, Transport* transport, uint64_t id, PeerInfo peer);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // --- From the transport ---
  // New bytes are in transport()->input().
  void OnInput(size_t bytes);
  // The peer will send nothing more (EOF; it may still read). Commands already received
  // run and their replies are sent, then the connection closes.
  void OnPeerClosed();
  // The connection is gone. The client is freed once nothing refers to it any more.
  void OnClosed();
  // The turn the transport was asked for: input left by the last turn's budget runs.
  void OnContinue() { ProcessInput(); }

  // --- For the dispatcher ---
  // An asynchronous command starts: input waits until EndAwait.
  void BeginAwait();
  // It finished (its reply is written): read on, at the end of this loop turn.
  void EndAwait();
  void Ref() { ++refs_; }
  void Unref();
  bool alive() const { return transport_ != nullptr; }
  // The reply builder for this client's output (a scratch buffer once closed).
  protocol::ReplyBuilder Reply();
  // Closes after the pending replies are sent (QUIT, protocol errors, CLIENT KILL self).
  void CloseAfterReply();
  // Closes now (CLIENT KILL from another client, idle timeout).
  void Kill();
  // A pub/sub message (engine/pubsub.h) in RESP2 form, '*' first: sent as it is, or as a
  // RESP3 push. Enforces the output limit.
  void PushMessage(std::string_view resp2_message);
  // Bytes sent as they are (a MONITOR line). Enforces the output limit.
  void PushRaw(std::string_view bytes);
  // Closes the client, logging why, when its unsent output is over its class's
  // client-output-buffer-limit: at once past the hard limit, or once it has stayed past the
  // soft limit for longer than the limit's seconds (Redis's rules). False if it did.
  bool EnforceOutputLimit();
  // Closes the client for being over its output limit, logging it (once).
  void CloseOverOutputLimit();
  // --- Acknowledged once durable (engine/journal.h, appendfsync always) ---
  // A reply of something that may have written is in the output (placed by this thread, or
  // come back from another): the output waits until the journal is durable as far as it
  // stands at the next FlushReplies. Every path that places such a reply calls it.
  void MarkWrote();
  // Sends the output at the end of this loop turn, or holds it until durable.
  void FlushReplies();
  // The journal is durable far enough: sends what was held.
  void ReleaseHeldOutput();
  ClientClass output_class() const;

  Worker& worker() { return *worker_; }
  Transport* transport() { return transport_; }
  bool AuthRequired() const;
  // The user the client is logged in as (engine/acl.h), looked up again when the users
  // changed; null once that user was deleted. Inline: every command asks.
  const AclUser* acl_user() {
    if (acl_generation_src_->load(std::memory_order_acquire) != acl_generation_) RefreshUser();
    return user_.get();
  }
  void SetUser(std::shared_ptr<const AclUser> user);
  // The user as last looked up, without looking again: for a command that runs on another
  // thread for this client (a script), while the client awaits it.
  const AclUser* user_as_known() const { return user_.get(); }

  // --- Session state ---
  uint64_t id() const { return id_; }
  const PeerInfo& peer() const { return peer_; }
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  bool no_evict = false;  // CLIENT NO-EVICT: maxmemory-clients leaves it alone
  bool monitor = false;   // MONITOR (engine/monitor.h)
  bool held_by_pause = false;  // CLIENT PAUSE holds its command (engine/client_pause.h)
  // CLIENT REPLY: OFF drops every reply; SKIP the next command's. `replies_dropped` holds
  // for the command running now (set as it is dispatched), so a reply that comes back
  // later from another thread, or a served blocking pop, is dropped alike.
  bool reply_off = false;
  bool skip_next_reply = false;
  bool replies_dropped = false;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  const CommandEntry* last_command = nullptr;
  uint64_t commands_run = 0;
  size_t query_peak = 0;
  bool awaiting() const { return awaiting_; }
  // Set while a blocking command waits (engine/blocking.h).
  std::shared_ptr<Waiter> blocked_waiter;
  bool blocked() const { return blocked_waiter != nullptr; }
  bool closing() const { return close_after_reply_; }
  // MULTI ... EXEC (engine/transaction.h): the queued commands, while in MULTI.
  std::shared_ptr<Batch> multi;
  bool in_multi() const { return multi != nullptr; }
  bool multi_failed = false;  // a command was refused while queueing: EXEC aborts
  std::shared_ptr<WatchSet> watch;  // WATCHed keys, or null
  // Pub/Sub (engine/pubsub.h): the client's subscriptions, or null.
  std::unique_ptr<Subscriptions> subs;
  // CLIENT TRACKING (engine/tracking.h).
  TrackingState tracking;
  // Redis's pub/sub context: a RESP2 client with subscriptions may run only the commands
  // flagged kSubscribedOk.
  bool subscribed() const;

 private:
  void ProcessInput();

  Worker* worker_;
  Transport* transport_;
  uint64_t id_;
  PeerInfo peer_;
  protocol::RespParser parser_;
  base::IoBuf scratch_;  // replies to a closed connection go here and are dropped
  int refs_ = 1;         // the transport's
  bool awaiting_ = false;
  bool wrote_ = false;        // since the last reply that was let go
  void RefreshUser();
  std::shared_ptr<const AclUser> user_;
  const std::atomic<uint64_t>* acl_generation_src_;  // Acl::generation's counter
  uint64_t acl_generation_ = 0;
  uint64_t sync_target_ = 0;    // journal offset the output waits for (sync_acks)
  bool close_after_reply_ = false;
  bool in_process_ = false;
  bool peer_closed_ = false;
  // Input bytes run in loop turn budget_turn_ (see ProcessInput).
  uint64_t budget_turn_ = 0;
  size_t budget_used_ = 0;
  bool over_output_limit_ = false;
  int64_t over_soft_limit_since_ms_ = 0;  // 0: not over the soft limit
};

}  // namespace cinnabar::engine
