#include "engine/command_context.h"

#include <algorithm>
#include <atomic>

#include "engine/blocking.h"
#include "engine/engine.h"
#include "engine/journal.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::engine {
namespace {
thread_local CommandContext* running_command = nullptr;
}  // namespace

CommandContext::CommandContext(const CommandEntry& cmd, std::span<const std::string_view> args,
                               protocol::ReplyBuilder* reply, Worker* worker, Client* client,
                               Shard* shard, int db_index, ExecMode mode, int64_t now_ms)
    : cmd_(cmd), args_(args), reply_(reply), worker_(worker), client_(client), shard_(shard),
      db_index_(db_index), mode_(mode), now_ms_(now_ms), origin_(client),
      home_(worker->index()), outer_(running_command) {
  running_command = this;
}

CommandContext::~CommandContext() { running_command = outer_; }

CommandContext* CommandContext::Running() { return running_command; }

void CommandContext::SelectDb(int index) {
  db_index_ = index;
  if (client_ != nullptr && !(call_flags_ & kCallInScript)) client_->db = index;
}

Database& CommandContext::db() { return shard().db(db_index_); }

Database& CommandContext::db_for(std::string_view key) { return db_for(key, db_index_); }

Database& CommandContext::db_for(std::string_view key, int index) {
  if (mode_ != ExecMode::kLocked) return shard().db(index);
  return engine().shard(engine().ShardOf(key)).db(index);
}

unsigned CommandContext::shard_count() const { return worker_->engine().shard_count(); }

bool CommandContext::CanReach(std::string_view key) const {
  unsigned s = worker_->engine().ShardOf(key);
  if (mode_ != ExecMode::kLocked) return s == shard_->index();
  return std::binary_search(held_.begin(), held_.end(), s);
}

bool CommandContext::HoldsAll() const {
  unsigned n = worker_->engine().shard_count();
  return n == 1 || (mode_ == ExecMode::kLocked && held_.size() == n);
}

Shard& CommandContext::shard_at(unsigned i) { return worker_->engine().shard(i); }

Engine& CommandContext::engine() { return worker_->engine(); }

void CommandContext::RecordAs(std::span<const std::string_view> args) const {
  if (JournalFrame* f = JournalFrame::Current()) f->RecordAs(args, db_index_);
}

void CommandContext::RecordAsIn(int db, std::span<const std::string_view> args) const {
  if (JournalFrame* f = JournalFrame::Current()) f->RecordAs(args, db);
}

void CommandContext::RecordSelf() const {
  if (JournalFrame* f = JournalFrame::Current()) f->RecordSelf();
}

bool CommandContext::journaling() const { return JournalFrame::Current() != nullptr; }

const ServerConfig& CommandContext::config() const { return worker_->config(); }

void CommandContext::ReplyError(base::OpStatus status) {
  reply_->Error(protocol::errors::OpStatusText(status));
}

void CommandContext::ApplyOnWorkers(std::function<void(Worker&)> apply) {
  if (call_flags_ & kCallInMulti) {
    Engine& eng = engine();
    apply(*worker_);
    auto shared = std::make_shared<std::function<void(Worker&)>>(std::move(apply));
    for (unsigned i = 0; i < eng.shard_count(); ++i) {
      if (i != worker_->index()) eng.Post(i, [&eng, i, shared] { (*shared)(eng.worker(i)); });
    }
    return reply_->Ok();
  }
  GatherFromWorkers<int>(
      [apply = std::move(apply)](Worker& w) {
        apply(w);
        return 0;
      },
      [](Client&, protocol::ReplyBuilder& rb, std::vector<int>&) { rb.Ok(); });
}

void CommandContext::StartGather(std::function<void(unsigned, Worker&)> per_thread,
                                 std::function<void(Client&, protocol::ReplyBuilder&)> finish) {
  if (call_flags_ & kCallInMulti) {
    // EXEC cannot wait for other threads' answers (docs/compatibility.md).
    return reply_->Error(protocol::errors::NotInMultiYet(cmd_.name));
  }
  deferred_ = true;
  Client* c = client_;
  Engine& eng = engine();
  const unsigned home = worker_->index();
  const unsigned n = eng.shard_count();
  c->BeginAwait();
  auto remaining = std::make_shared<std::atomic<unsigned>>(n);
  auto shared_per_thread = std::make_shared<std::function<void(unsigned, Worker&)>>(
      std::move(per_thread));
  auto shared_finish =
      std::make_shared<std::function<void(Client&, protocol::ReplyBuilder&)>>(std::move(finish));
  const bool writes = MayWrite(cmd_.spec->flags);
  for (unsigned i = 0; i < n; ++i) {
    eng.Post(i, [&eng, i, home, c, writes, remaining, shared_per_thread, shared_finish] {
      (*shared_per_thread)(i, eng.worker(i));
      if (remaining->fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      eng.Post(home, [c, writes, shared_finish] {
        if (c->alive()) {
          protocol::ReplyBuilder rb = c->Reply();
          (*shared_finish)(*c, rb);
        }
        if (writes) c->MarkWrote();  // what the threads wrote is journaled by now
        c->EndAwait();
      });
    });
  }
}

}  // namespace cinnabar::engine
