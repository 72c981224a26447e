#include "engine/key_events.h"

#include "engine/database.h"

namespace cinnabar::engine {

void DirtyCounter::OnFlush(Database& db) { changes_.Add(static_cast<int64_t>(db.size())); }

}  // namespace cinnabar::engine
