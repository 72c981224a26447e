#include "engine/database.h"

#include <string>
#include <utility>

#include "core/value_ops.h"
#include "engine/shard.h"

namespace cinnabar::engine {

using core::Entry;
using core::KeyTable;
using core::Value;

bool Database::IsExpired(const Entry* e) const {
  // Redis compat: a key expires once the clock is strictly past its time.
  return e->has_expire() && shard_->now_ms() > e->expire_ms() && !shard_->expiry_paused();
}

Database::Ref Database::Find(std::string_view key) {
  Ref ref;
  ref.hash = KeyTable::Hash(key);
  Entry* e = table_.Find(key, ref.hash, &ref.where);
  if (e == nullptr) return ref;
  if (SnapshotGuard* g = shard_->snapshot_guard()) {
    g->BeforeAccess(*this, ref.hash, ref.where, *e);
  }
  if (IsExpired(e)) {
    ExpireNow(ref.where);
    return ref;
  }
  shard_->Touch(e);
  ref.entry = e;
  return ref;
}

Database::Ref Database::FindNoTouch(std::string_view key) {
  Ref ref;
  ref.hash = KeyTable::Hash(key);
  Entry* e = table_.Find(key, ref.hash, &ref.where);
  if (e == nullptr) return ref;
  if (SnapshotGuard* g = shard_->snapshot_guard()) {
    g->BeforeAccess(*this, ref.hash, ref.where, *e);
  }
  if (IsExpired(e)) {
    ExpireNow(ref.where);
    return ref;
  }
  ref.entry = e;
  return ref;
}

Database::Ref Database::FindRead(std::string_view key) { return CountRead(key, Find(key)); }

Database::Ref Database::FindReadNoTouch(std::string_view key) {
  return CountRead(key, FindNoTouch(key));
}

Database::Ref Database::CountRead(std::string_view key, Ref ref) {
  if (ref) {
    shard_->stats().keyspace_hits.Inc();
  } else {
    shard_->stats().keyspace_misses.Inc();
    shard_->events().PublishMiss(*this, key);
  }
  return ref;
}

base::OpResult<Database::Ref> Database::FindOfType(std::string_view key, core::ObjType type,
                                                   bool read) {
  Ref ref = read ? FindRead(key) : Find(key);
  if (!ref) return base::OpStatus::kNotFound;
  if (ref.entry->type() != type) return base::OpStatus::kWrongType;
  return ref;
}

bool Database::ExistsNoTouch(std::string_view key) {
  Entry* e = table_.Find(key, KeyTable::Hash(key), nullptr);
  return e != nullptr && !IsExpired(e);
}

Value Database::Stored(const Value& value) const {
  if (value.type != core::ObjType::kString || value.encoding != core::kStrInt || value.unshared ||
      !shard_->access_policy().no_shared_integers.load(std::memory_order_relaxed)) {
    return value;
  }
  Value own = value;
  own.unshared = true;
  return own;
}

Entry* Database::Add(std::string_view key, uint64_t hash, const Value& value,
                     int64_t expire_ms) {
  return AddAsIs(key, hash, Stored(value), expire_ms);
}

Entry* Database::AddAsIs(std::string_view key, uint64_t hash, const Value& value,
                         int64_t expire_ms) {
  SnapshotGuard* g = shard_->snapshot_guard();
  const bool marked = g != nullptr && g->MarkAdded(*this, hash);
  Entry* e = Entry::Create(key, expire_ms, value, shard_->NewAccessBits(), arena_.get());
  table_.Insert(hash, e, marked);
  Publish(KeyEvent::kAdded, e->key());
  return e;
}

Database::~Database() = default;

void Database::AddWaiter(std::string_view key, std::shared_ptr<Waiter> w) {
  if (!waiters_) waiters_ = std::make_unique<WaiterMap>();
  waiters_->Add(key, std::move(w));
}

void Database::RemoveWaiter(std::string_view key, const Waiter* w) {
  if (!waiters_) return;
  waiters_->Remove(key, w);
  DropWaitersIfEmpty();
}

void Database::SignalWaitedKeys() {
  if (!waiters_) return;
  waiters_->ForEachKey([this](const std::string& key) {
    if (ExistsNoTouch(key)) shard_->MarkReady(index_, key);
  });
}

void Database::Update(Ref& ref, const Value& new_value, int64_t expire_ms) {
  const Value value = Stored(new_value);
  Entry* e = ref.entry;
  Value old = e->value();
  int64_t expire = expire_ms == kKeepTtl ? e->expire_ms() : expire_ms;
  if (e->has_expire() != (expire != 0)) {
    // The entry changes shape: build the new one in a single allocation.
    Entry* fresh = Entry::Create(e->key(), expire, value, e->lru(), arena_.get());
    Entry::FreeShell(e);
    e = fresh;
  } else {
    e = Entry::ReplaceValue(Entry::ReplaceExpire(e, expire), value);
  }
  table_.Replace(ref.where, e);
  ref.entry = e;
  if (!old.inline_value() && old.pointer != value.pointer) core::DestroyValue(old);
  Publish(KeyEvent::kModified, e->key());
}

void Database::Set(std::string_view key, const Value& value, int64_t expire_ms) {
  Ref ref = Find(key);
  if (ref) {
    Update(ref, value, expire_ms);
  } else {
    Add(key, ref.hash, value, expire_ms == kKeepTtl ? 0 : expire_ms);
  }
}

void Database::SetExpire(Ref& ref, int64_t expire_ms) {
  Entry* e = Entry::ReplaceExpire(ref.entry, expire_ms);
  table_.Replace(ref.where, e);
  ref.entry = e;
  Publish(KeyEvent::kModified, e->key());
}

void Database::SetPointer(Ref& ref, void* pointer) {
  ref.entry->set_pointer(pointer);
  Publish(KeyEvent::kModified, ref.entry->key());
}

void Database::CommitStringEdit(Ref& ref, const core::StringEdit& edit) {
  if (edit.in_place) {
    SetPointer(ref, edit.value.pointer);
  } else {
    Update(ref, edit.value, kKeepTtl);
  }
}

void Database::UpdateObject(Ref& ref, uint8_t encoding, void* pointer) {
  RecordEncoding(ref, encoding, pointer);
  Publish(KeyEvent::kModified, ref.entry->key());
}

void Database::RecordEncoding(Ref& ref, uint8_t encoding, void* pointer) {
  ref.entry->set_encoding(encoding);
  ref.entry->set_pointer(pointer);
}

void Database::Erase(Ref& ref) {
  Entry* e = table_.Remove(ref.where);
  Publish(KeyEvent::kDeleted, e->key());
  core::DestroyEntry(e);
  ref.entry = nullptr;
}

void Database::MoveTo(Ref& ref, Database& dst, std::string_view new_key, uint64_t new_hash) {
  // Out of the table first: adding may reorganise it (when dst is this database). Inline
  // values are copied by Add; an out-of-line value changes owner.
  Entry* e = table_.Remove(ref.where);
  Publish(KeyEvent::kDeleted, e->key());
  // Redis compat: the object moves, keeping its sharing and its access time or LFU counter.
  Entry* moved = dst.AddAsIs(new_key, new_hash, e->value(), e->expire_ms());
  moved->set_lru(e->lru());
  Entry::FreeShell(e);
  ref.entry = nullptr;
}

void Database::Clear() {
  if (SnapshotGuard* g = shard_->snapshot_guard()) g->BeforeBulkChange(*this);
  if (table_.size() > 0) shard_->events().PublishFlush(*this);
  table_.Clear();
  ResetCursors();
}

Database::TakenTable Database::TakeTable() {
  if (SnapshotGuard* g = shard_->snapshot_guard()) g->BeforeBulkChange(*this);
  if (table_.size() > 0) shard_->events().PublishFlush(*this);
  TakenTable old{std::move(arena_), std::move(table_)};
  arena_ = std::make_unique<core::EntryArena>();
  ResetCursors();
  return old;
}

void Database::ResetCursors() {
  // Redis compat (emptyDb): a flushed database reports avg_ttl 0 at once.
  expire_cursor = 0;
  maintain_cursor = 0;
  avg_ttl = 0;
}

void Database::SwapContents(Database& other) {
  if (SnapshotGuard* g = shard_->snapshot_guard()) {
    g->BeforeBulkChange(*this);
    g->BeforeBulkChange(other);
  }
  std::swap(table_, other.table_);
  std::swap(arena_, other.arena_);
  std::swap(expire_cursor, other.expire_cursor);
  std::swap(maintain_cursor, other.maintain_cursor);
  // Redis compat (dbSwapDatabases): the average TTL moves with the keys.
  std::swap(avg_ttl, other.avg_ttl);
  shard_->events().PublishSwap(*this, other);
}

bool Database::Delete(std::string_view key) {
  Ref ref = Find(key);
  if (!ref) return false;
  Erase(ref);
  return true;
}

Entry* Database::RandomKey() {
  // Redis compat: expired keys met on the way are deleted; give up after a bounded number
  // of tries when (nearly) every key is volatile and expired.
  for (int tries = 0; tries < 100 && table_.size() > 0; ++tries) {
    Entry* e = table_.Random([this] { return shard_->Random(); });
    if (e == nullptr) return nullptr;
    if (!IsExpired(e)) return e;
    std::string key(e->key());
    (void)Find(key);  // deletes it
  }
  return nullptr;
}

void Database::ExpireNow(const KeyTable::Handle& where) {
  // Redis compat: the deletion is the "expire-del" latency event (a large value takes long).
  const int64_t start = shard_->latency().Start();
  Entry* e = table_.Remove(where);
  Publish(KeyEvent::kExpired, e->key());
  core::DestroyEntry(e);
  shard_->latency().End("expire-del", start);
  shard_->stats().expired_keys.Inc();
}

void Database::Evict(const KeyTable::Handle& where) {
  const int64_t start = shard_->latency().Start();
  Entry* e = table_.Remove(where);
  Publish(KeyEvent::kEvicted, e->key());
  core::DestroyEntry(e);
  shard_->latency().End("eviction-del", start);
  shard_->stats().evicted_keys.Inc();
}

bool Database::ExpiredNow(std::string_view key) {
  Entry* e = table_.Find(key, KeyTable::Hash(key), nullptr);
  return e != nullptr && IsExpired(e);
}

void Database::Publish(KeyEvent event, std::string_view key) {
  shard_->events().Publish(event, *this, key);
}

}  // namespace cinnabar::engine
