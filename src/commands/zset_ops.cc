#include "commands/zset_ops.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/command_context.h"

namespace cinnabar::commands {

using base::OpResult;
using base::OpStatus;
using engine::Database;

core::ZSetLimits ZSetLimitsOf(const engine::CommandContext& ctx) {
  const engine::ServerConfig& c = ctx.config();
  core::ZSetLimits limits;
  limits.max_listpack_entries =
      static_cast<size_t>(std::max<int64_t>(0, c.zset_max_listpack_entries));
  limits.max_listpack_value =
      static_cast<size_t>(std::max<int64_t>(0, c.zset_max_listpack_value));
  return limits;
}

OpResult<Database::Ref> FindZSet(Database& db, std::string_view key, bool read) {
  // The Ref of an absent key keeps its hash, for a following Add.
  Database::Ref ref = read ? db.FindRead(key) : db.Find(key);
  if (ref && ref.entry->type() != core::ObjType::kZSet) return OpStatus::kWrongType;
  return ref;
}

void CommitZSet(Database& db, Database::Ref& ref, const core::ZSetValue& z) {
  db.UpdateObject(ref, z.encoding(), z.pointer());
  if (z.size() == 0) db.Erase(ref);
}

void StoreZSet(Database& db, std::string_view key, const ScoredMembers& members,
               const core::ZSetLimits& limits, StoreSizing sizing) {
  if (members.empty()) {
    db.Delete(key);
    return;
  }
  size_t max_len = 0;
  if (sizing == StoreSizing::kWhole) {
    for (const auto& m : members) max_len = std::max(max_len, m.first.size());
  }
  core::ZSetValue z = core::ZSetValue::Create(members.size(), max_len, limits);
  double unused;
  for (const auto& [member, score] : members) z.Add(member, score, 0, &unused, limits);
  db.Set(key, core::Value::OutOfLine(core::ObjType::kZSet, z.encoding(), z.pointer()), 0);
}

void ReplyScoredMembers(protocol::ReplyBuilder& rb, const ScoredMembers& members,
                        bool withscores) {
  rb.ScoredHeader(members.size(), withscores);
  for (const auto& [member, score] : members) rb.Scored(member, score, withscores);
}

size_t ZPopAndReply(Database& db, Database::Ref& ref, std::string_view key, bool max,
                    uint64_t count, ZPopReply shape, protocol::ReplyBuilder& rb) {
  if (!ref) {
    if (shape == ZPopReply::kKeyAndPairs || shape == ZPopReply::kKeyMemberScore) {
      rb.NullArray();
    } else {
      rb.EmptyArray();
    }
    return 0;
  }
  core::ZSetValue z = ZSetOf(ref);
  size_t n = z.size();
  size_t take = count < n ? static_cast<size_t>(count) : n;
  size_t first = max ? n - take : 0;
  size_t last = max ? n : take;
  using protocol::PairShape;
  PairShape pairs = shape == ZPopReply::kKeyAndPairs ? PairShape::kNested
                    : shape == ZPopReply::kPairs     ? PairShape::kByProtocol
                                                     : PairShape::kFlat;
  switch (shape) {
    case ZPopReply::kFlat:
    case ZPopReply::kPairs:
      rb.PairsHeader(take, pairs);
      break;
    case ZPopReply::kKeyAndPairs:
      rb.ArrayHeader(2);
      rb.Bulk(key);
      rb.PairsHeader(take, pairs);
      break;
    case ZPopReply::kKeyMemberScore:
      rb.ArrayHeader(3);
      rb.Bulk(key);
      break;
  }
  z.ForRange(first, last, max, [&](std::string_view member, double score) {
    rb.Scored(member, score, true, pairs);
  });
  if (take == 0) return 0;  // Redis compat: COUNT 0 changes nothing
  z.DeleteRange(first, last);
  CommitZSet(db, ref, z);
  return take;
}

}  // namespace cinnabar::commands
