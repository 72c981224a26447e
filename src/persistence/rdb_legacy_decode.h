// The packed encodings older Redis versions wrote, which Redis 7.0 still loads and
// converts: the ziplist (lists until 3.2, quicklist nodes until 6.2, small hashes and sorted
// sets until 6.2) and the zipmap (small hashes until 2.4).
//
// Each decoder checks the blob as Redis's deep integrity check does (header sizes, every
// entry's encoding and bounds, a ziplist's prevlen chain, tail offset and count, a zipmap's
// count) and shows the elements in order as it goes; it returns false at the first fault,
// after which the caller discards whatever it built from the elements seen. Integers are
// shown as their decimal text. Nothing outside the blob is read.
#pragma once

#include <string_view>

#include "base/function_ref.h"

namespace cinnabar::persistence {

bool DecodeZiplist(std::string_view zl, base::FunctionRef<void(std::string_view)> visit);

// A zipmap's field, value pairs. An empty zipmap is malformed (as in Redis).
bool DecodeZipmap(std::string_view zm,
                  base::FunctionRef<void(std::string_view, std::string_view)> visit);

}  // namespace cinnabar::persistence
