#include "commands/list_ops.h"

#include <algorithm>

namespace cinnabar::commands {

using base::OpResult;
using base::OpStatus;
using core::ListValue;
using core::ObjType;
using engine::Database;

void StoreListOrDelete(Database& db, Database::Ref& ref, const ListValue& list) {
  db.UpdateObject(ref, list.encoding(), list.pointer());
  if (list.Length() == 0) db.Erase(ref);
}

OpStatus PopAndReply(Database& db, std::string_view key, core::ListEnd end, size_t count,
                     PopReply shape, const core::ListLimits& limits,
                     protocol::ReplyBuilder& reply) {
  Database::Ref ref = db.Find(key);
  if (!ref) return OpStatus::kNotFound;
  if (ref.entry->type() != ObjType::kList) return OpStatus::kWrongType;
  ListValue list = ListValue::Of(ref.entry);
  size_t n = std::min(count, list.Length());
  switch (shape) {
    case PopReply::kElement:
      break;
    case PopReply::kArray:
      reply.ArrayHeader(n);
      break;
    case PopReply::kKeyAndArray:
      reply.ArrayHeader(2);
      reply.Bulk(key);
      reply.ArrayHeader(n);
      break;
    case PopReply::kKeyAndElement:
      reply.ArrayHeader(2);
      reply.Bulk(key);
      break;
  }
  list.Pop(end, n, limits, [&](std::string_view s) { reply.Bulk(s); });
  StoreListOrDelete(db, ref, list);
  return OpStatus::kOk;
}

OpResult<std::string> PopOne(Database& db, std::string_view key, core::ListEnd end,
                             const core::ListLimits& limits) {
  Database::Ref ref = db.Find(key);
  if (!ref) return OpStatus::kNotFound;
  if (ref.entry->type() != ObjType::kList) return OpStatus::kWrongType;
  ListValue list = ListValue::Of(ref.entry);
  std::string value;
  list.Pop(end, 1, limits, [&](std::string_view s) { value.assign(s); });
  StoreListOrDelete(db, ref, list);
  return value;
}

OpResult<size_t> PushElements(Database& db, std::string_view key,
                              std::span<const std::string_view> elements, core::ListEnd end,
                              bool only_existing, const core::ListLimits& limits) {
  Database::Ref ref = db.Find(key);
  if (ref && ref.entry->type() != ObjType::kList) return OpStatus::kWrongType;
  if (!ref && only_existing) return size_t{0};
  ListValue list = ref ? ListValue::Of(ref.entry) : ListValue::Create();
  for (std::string_view s : elements) list.Push(s, end, limits);
  if (ref) {
    db.UpdateObject(ref, list.encoding(), list.pointer());
  } else {
    db.Add(key, ref.hash, list.value(), 0);
  }
  return list.Length();
}

OpResult<std::string> MoveElement(Database& src_db, std::string_view src, Database& dst_db,
                                  std::string_view dst, core::ListEnd from, core::ListEnd to,
                                  const core::ListLimits& limits) {
  Database::Ref src_ref = src_db.Find(src);
  if (!src_ref) return OpStatus::kNotFound;
  if (src_ref.entry->type() != ObjType::kList) return OpStatus::kWrongType;
  ListValue src_list = ListValue::Of(src_ref.entry);
  std::string value;
  auto take = [&](std::string_view s) { value.assign(s); };

  if (&src_db == &dst_db && src == dst) {
    // Rotation (or a no-op for one element): the list never goes empty on the way.
    src_list.Pop(from, 1, limits, take);
    src_list.Push(value, to, limits);
    src_db.UpdateObject(src_ref, src_list.encoding(), src_list.pointer());
    return value;
  }
  Database::Ref dst_ref = dst_db.Find(dst);
  if (dst_ref && dst_ref.entry->type() != ObjType::kList) return OpStatus::kWrongType;
  src_list.Pop(from, 1, limits, take);
  // Redis compat: the destination's push is reported before the source's pop. Adding the
  // destination key may reorganise the table when both live in one database, so the
  // source is found again before its list is stored back.
  std::string_view one[] = {value};
  (void)PushElements(dst_db, dst, one, to, false, limits);
  src_ref = src_db.Find(src);
  StoreListOrDelete(src_db, src_ref, src_list);
  return value;
}

}  // namespace cinnabar::commands
