#include "engine/client.h"
#include "engine/tracking.h"

#include <algorithm>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/blocking.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/monitor.h"
#include "engine/journal.h"
#include "engine/pipeline_run.h"
#include "engine/transaction.h"
#include "engine/batch.h"
#include "engine/client_info.h"
#include "engine/pubsub.h"
#include "engine/watch.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

// Above this much buffered input with a complete command waiting, the socket is not read
// (the size of a pipeline run, engine/pipeline_run.cc, so a run is never starved).
constexpr size_t kInputPauseBytes = 256 * 1024;
// At most this much of one client's input runs in one loop turn (a pipeline run already
// under way ends first); the rest waits for the next turn, after this one's replies are
// sent and the other clients' input has run: a client loading a pipeline of millions of
// commands must not keep a PING waiting for the whole of what the kernel handed over.
constexpr size_t kTurnInputBudget = 16 * 1024;

}  // namespace

Client::Client(Worker* worker, Transport* transport, uint64_t id, PeerInfo peer)
    : worker_(worker), transport_(transport), id_(id), peer_(std::move(peer)) {
  created_ms = last_interaction_ms = base::UnixTimeMs();
  // Redis compat: a client that connects while no password is set stays authenticated
  // when one is set later.
  Acl& acl = worker_->engine().acl();
  acl_generation_src_ = &acl.generation_counter();
  acl_generation_ = acl.generation();
  user_ = acl.Find("default");
  authenticated = !acl.default_needs_auth();
  worker_->AddClient(this);
  worker_->engine().connected_clients.fetch_add(1, std::memory_order_relaxed);
}

Client::~Client() = default;

bool Client::subscribed() const { return subs != nullptr && !subs->empty(); }

ClientClass Client::output_class() const {
  return subscribed() ? ClientClass::kPubSub : ClientClass::kNormal;
}

void Client::PushMessage(std::string_view resp2_message) {
  if (transport_ == nullptr || over_output_limit_) return;
  base::IoBuf& out = transport_->output();
  out.Append(resp >= 3 ? '>' : '*');
  out.Append(resp2_message.substr(1));
  transport_->Flush();
  EnforceOutputLimit();
}

void Client::PushRaw(std::string_view bytes) {
  if (transport_ == nullptr || over_output_limit_) return;
  transport_->output().Append(bytes);
  transport_->Flush();
  EnforceOutputLimit();
}

bool Client::EnforceOutputLimit() {
  if (over_output_limit_) return false;
  if (transport_ == nullptr) return true;
  const OutputLimit* chosen = &worker_->config().output_limit(output_class());
  // A monitor is a normal client to Redis, unlimited by default; here it is never let grow
  // without bound: with no normal limit, the replica class's applies (docs/compatibility.md).
  if (monitor && chosen->hard == 0 && chosen->soft == 0) {
    chosen = &worker_->config().output_limit(ClientClass::kReplica);
  }
  const OutputLimit& limit = *chosen;
  if (limit.hard == 0 && limit.soft == 0) return true;
  uint64_t used = transport_->pending_output();
  if ((limit.hard > 0 && used >= limit.hard) || (limit.soft > 0 && used >= limit.soft)) {
    // What counts is what the kernel will not take: output waiting only for the end of
    // this loop turn (several messages delivered in one turn) is offered to it first.
    transport_->SendNow();
    used = transport_->pending_output();
  }
  bool over = limit.hard > 0 && used >= limit.hard;
  if (!over && limit.soft > 0 && used >= limit.soft) {
    int64_t now = base::UnixTimeMs();
    if (over_soft_limit_since_ms_ == 0) {
      over_soft_limit_since_ms_ = now;
    } else {
      over = now - over_soft_limit_since_ms_ > limit.soft_seconds * 1000;
    }
  } else if (!over) {
    over_soft_limit_since_ms_ = 0;
  }
  if (!over) return true;
  CloseOverOutputLimit();
  return false;
}

void Client::CloseOverOutputLimit() {
  if (over_output_limit_ || transport_ == nullptr) return;
  over_output_limit_ = true;
  base::LogWarning("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                   DescribeClient(*this, base::UnixTimeMs()));
  Kill();
}

bool Client::AuthRequired() const {
  return !authenticated && worker_->engine().acl().default_needs_auth();
}

void Client::RefreshUser() {
  Acl& acl = worker_->engine().acl();
  acl_generation_ = acl.generation();
  if (user_ != nullptr) {
    user_ = acl.Find(user_->name());
    if (user_ == nullptr) Kill();  // its user was deleted (ACL DELUSER, ACL LOAD)
  }
}

void Client::SetUser(std::shared_ptr<const AclUser> user) {
  acl_generation_ = worker_->engine().acl().generation();
  user_ = std::move(user);
}

protocol::ReplyBuilder Client::Reply() {
  if (transport_ == nullptr || replies_dropped) {
    scratch_.Clear();
    return protocol::ReplyBuilder(&scratch_, resp, worker_);
  }
  return protocol::ReplyBuilder(&transport_->output(), resp, worker_);
}

void Client::OnInput(size_t bytes) {
  WorkerStats& stats = worker_->stats();
  stats.net_input_bytes.Add(static_cast<int64_t>(bytes));
  stats.reads_processed.Inc();
  size_t pending = transport_->input().size();
  if (pending > query_peak) query_peak = pending;
  if (static_cast<int64_t>(pending) > worker_->config().client_query_buffer_limit) {
    base::LogWarning("Closing client that reached max query buffer length: id={} addr={} "
                     "(qbuf initial bytes: {} bytes)",
                     id_, peer_.addr, pending);
    Kill();
    return;
  }
  ProcessInput();
}

void Client::ProcessInput() {
  if (in_process_ || transport_ == nullptr) return;
  in_process_ = true;
  Ref();
  bool need_more = false;  // the input ends inside a command: only more bytes help
  bool continues = false;  // the turn's budget is spent: the rest runs next turn
  // Replies that came back from other threads count too.
  if (transport_ != nullptr && transport_->turn() != budget_turn_) {
    budget_turn_ = transport_->turn();
    budget_used_ = 0;
  }
  while (transport_ != nullptr && !awaiting_ && !close_after_reply_ && EnforceOutputLimit()) {
    base::IoBuf& in = transport_->input();
    if (in.empty()) break;
    if (budget_used_ >= kTurnInputBudget) {
      transport_->ContinueNextTurn();
      continues = true;
      break;
    }
    protocol::ParserLimits limits{worker_->config().proto_max_bulk_len, AuthRequired()};
    protocol::RespParser::Result r = parser_.Parse(in.view(), limits);
    if (r == protocol::RespParser::Result::kNeedMore) {
      need_more = true;
      break;
    }
    if (r == protocol::RespParser::Result::kSkip) {
      in.Consume(parser_.consumed());
      continue;
    }
    if (r == protocol::RespParser::Result::kError) {
      base::LogVerbose("Protocol error ({}) from client: id={} addr={}", parser_.error(), id_,
                       peer_.addr);
      Reply().Error(parser_.error());
      in.Clear();
      CloseAfterReply();
      break;
    }
    size_t consumed = parser_.consumed();
    last_interaction_ms = base::UnixTimeMs();
    PipelineAhead ahead{in.view().substr(consumed), &limits};
    if (!Dispatch(*this, parser_.args(), &ahead)) break;  // held by CLIENT PAUSE: read again
    if (transport_ != nullptr) transport_->input().Consume(consumed + ahead.taken);
    budget_used_ += consumed + ahead.taken;
  }
  in_process_ = false;
  if (transport_ != nullptr && peer_closed_ && !awaiting_ && !close_after_reply_ && !continues) {
    CloseAfterReply();
  }
  if (transport_ != nullptr) {
    // Keep a large idle query buffer from pinning memory (Redis's clientsCron does this).
    if (!awaiting_) transport_->input().ShrinkIfIdle(32 * 1024);
    // Complete commands that wait (for a reply from another shard, a blocked pop) keep
    // coming from the socket only up to a bound: the input buffer is used memory too.
    transport_->PauseInput(!need_more && transport_->input().size() >= kInputPauseBytes);
    FlushReplies();
  }
  Unref();
}

void Client::MarkWrote() {
  wrote_ = true;
  // Not a byte goes until FlushReplies has looked at the journal (a reply sent early by an
  // output limit or a push would be an acknowledgement before the fsync).
  if (transport_ != nullptr && worker_->engine().journal().sync_acks()) {
    transport_->HoldOutput(true);
  }
}

void Client::FlushReplies() {
  if (transport_ == nullptr) return;
  Journal& journal = worker_->engine().journal();
  if (wrote_) {
    // Every write whose reply is in the output was appended by now (a local one before its
    // reply, a remote one before its reply came back): the journal's end covers them all.
    wrote_ = false;
    if (journal.sync_acks()) sync_target_ = std::max(sync_target_, journal.appended());
  }
  if (journal.durable() < sync_target_) {
    transport_->HoldOutput(true);
    worker_->HoldUntilDurable(this, sync_target_);
    return;
  }
  transport_->HoldOutput(false);
  transport_->Flush();
}

void Client::ReleaseHeldOutput() {
  // Replies of writes that came in since the hold began need their own look.
  FlushReplies();
}

void Client::OnPeerClosed() {
  peer_closed_ = true;
  // Redis compat: a blocked client whose peer hangs up is freed at once.
  if (blocked()) {
    Kill();
    return;
  }
  ProcessInput();
}

void Client::BeginAwait() {
  awaiting_ = true;
  Ref();
}

void Client::EndAwait() {
  awaiting_ = false;
  if (transport_ != nullptr) {
    worker_->Defer([this] {
      ProcessInput();
      Unref();
    });
  } else {
    Unref();
  }
}

void Client::CloseAfterReply() {
  close_after_reply_ = true;
  if (transport_ != nullptr) transport_->CloseAfterFlush();
}

void Client::Kill() {
  if (transport_ != nullptr) transport_->Close();
}

void Client::OnClosed() {
  if (transport_ == nullptr) return;
  transport_ = nullptr;
  worker_->RemoveClient(this);
  worker_->engine().connected_clients.fetch_sub(1, std::memory_order_relaxed);
  DropBlocked(*this);
  DiscardMulti(*this);
  UnsubscribeAll(*this);
  StopMonitoring(*this);
  DisableTracking(*this);
  Unref();
}

void Client::Unref() {
  if (--refs_ == 0) delete this;
}

}  // namespace cinnabar::engine
