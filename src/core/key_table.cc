#include "core/key_table.h"

#include "core/segmented_table_impl.h"
#include "core/value_ops.h"

namespace cinnabar::core {

void KeyTableTraits::Destroy(Entry* e) { DestroyEntry(e); }

template class SegmentedTable<KeyTableTraits>;

}  // namespace cinnabar::core
