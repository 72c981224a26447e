#include "engine/journal.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "engine/command_context.h"
#include "engine/database.h"

namespace cinnabar::engine {
namespace {

// This thread's open records: one batch per outermost scope, reused.
thread_local JournalBatch tls_batch;
thread_local bool tls_scope_open = false;
thread_local JournalFrame* tls_frame = nullptr;

void AppendBulk(std::string* out, std::string_view s) {
  out->push_back('$');
  out->append(std::to_string(s.size()));
  out->append("\r\n");
  out->append(s);
  out->append("\r\n");
}

void AppendCommand(std::string* out, std::span<const std::string_view> args) {
  out->push_back('*');
  out->append(std::to_string(args.size()));
  out->append("\r\n");
  for (std::string_view a : args) AppendBulk(out, a);
}

}  // namespace

void JournalBatch::Add(int db, std::span<const std::string_view> args) {
  records.push_back({db, bytes.size()});
  AppendCommand(&bytes, args);
}

uint64_t Journal::AddSink(JournalSink* sink) {
  std::lock_guard lock(mu_);
  sinks_.push_back(sink);
  turn_sink_.store(sink);
  db_ = -1;  // the sink's first record selects its database
  enabled_.store(true, std::memory_order_relaxed);
  return appended_.load(std::memory_order_relaxed);
}

void Journal::RemoveSink(JournalSink* sink) {
  {
    std::lock_guard lock(mu_);
    sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
    enabled_.store(!sinks_.empty(), std::memory_order_relaxed);
    turn_sink_.store(sinks_.empty() ? nullptr : sinks_.back());
  }
  // Sequentially consistent with AtLoopTurnEnd: a call either saw the new pointer or is
  // counted here.
  while (turn_calls_.load() != 0) std::this_thread::yield();
}

void Journal::AtLoopTurnEnd() {
  if (turn_sink_.load(std::memory_order_relaxed) == nullptr) return;
  turn_calls_.fetch_add(1);
  if (JournalSink* s = turn_sink_.load()) s->OnLoopTurnEnd();
  turn_calls_.fetch_sub(1);
}

void Journal::Append(const JournalBatch& batch) {
  if (batch.records.empty()) return;
  std::lock_guard lock(mu_);
  out_.clear();
  const bool wrap = batch.records.size() > 1;
  if (wrap) out_.append("*1\r\n$5\r\nMULTI\r\n");
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const JournalBatch::Record& r = batch.records[i];
    if (r.db != db_) {
      std::string index = std::to_string(r.db);
      std::string_view select[] = {"SELECT", index};
      AppendCommand(&out_, select);
      db_ = r.db;
    }
    size_t end = i + 1 < batch.records.size() ? batch.records[i + 1].begin : batch.bytes.size();
    out_.append(batch.bytes, r.begin, end - r.begin);
  }
  if (wrap) out_.append("*1\r\n$4\r\nEXEC\r\n");
  uint64_t end = appended_.load(std::memory_order_relaxed) + out_.size();
  for (JournalSink* s : sinks_) s->OnRecords(out_, end);
  appended_.store(end, std::memory_order_release);
}

void Journal::set_sync_acks(bool on) {
  sync_acks_.store(on, std::memory_order_release);
  // Turned off: nobody waits any more for what was appended so far.
  if (!on) MarkDurable(appended());
}

void Journal::MarkDurable(uint64_t offset) {
  uint64_t seen = durable_.load(std::memory_order_relaxed);
  while (seen < offset &&
         !durable_.compare_exchange_weak(seen, offset, std::memory_order_acq_rel)) {
  }
  if (durable_listener_) durable_listener_(offset);
}

JournalScope::JournalScope(Journal& journal) {
  if (!journal.enabled() || tls_scope_open) return;
  tls_scope_open = true;
  journal_ = &journal;
}

JournalScope::~JournalScope() {
  if (journal_ == nullptr) return;
  tls_scope_open = false;
  if (!tls_batch.records.empty()) {
    journal_->Append(tls_batch);
    tls_batch.Clear();
  }
}

JournalFrame::JournalFrame(Journal& journal, CommandContext& ctx) : scope_(journal) {
  if (!journal.enabled()) return;
  ctx_ = &ctx;
  outer_ = tls_frame;
  tls_frame = this;
}

JournalFrame::~JournalFrame() {
  if (ctx_ == nullptr) return;
  if (effects_ > 0 || forced_) {
    const CommandEntry& cmd = ctx_->command();
    const CommandEntry& top = cmd.parent != nullptr ? *cmd.parent : cmd;
    if (!replaced_ && top.renamed) {
      // A renamed command is recorded by its own name, so the file replays anywhere.
      std::vector<std::string_view> args(ctx_->args().begin(), ctx_->args().end());
      args[0] = top.spec->name;
      tls_batch.Add(ctx_->db_index(), args);
    } else if (!replaced_) {
      tls_batch.Add(ctx_->db_index(), ctx_->args());
    } else {
      for (JournalBatch::Record r : forms_.records) {
        r.begin += tls_batch.bytes.size();
        tls_batch.records.push_back(r);
      }
      tls_batch.bytes += forms_.bytes;
    }
  }
  tls_frame = outer_;
}

JournalFrame* JournalFrame::Current() { return tls_frame; }

void JournalFrame::RecordAs(std::span<const std::string_view> args, int db) {
  replaced_ = true;
  forms_.Add(db, args);
}

void JournalObserver::OnKeyEvent(KeyEvent event, Database& db, std::string_view key) {
  if (!journal_->enabled()) return;
  if (event == KeyEvent::kExpired || event == KeyEvent::kEvicted) {
    std::string_view del[] = {"DEL", key};
    if (tls_scope_open) {
      tls_batch.Add(db.index(), del);
    } else {
      JournalBatch one;
      one.Add(db.index(), del);
      journal_->Append(one);
    }
    return;
  }
  if (tls_frame != nullptr) tls_frame->CountEffect();
}

void JournalObserver::OnFlush(Database&) {
  if (tls_frame != nullptr) tls_frame->CountEffect();
}

void JournalObserver::OnSwap(Database&, Database&) {
  if (tls_frame != nullptr) tls_frame->CountEffect();
}

}  // namespace cinnabar::engine
