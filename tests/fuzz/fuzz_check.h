// The fuzz targets' invariant check: CHECK(cond) names the target (`kFuzzTarget`, which the
// including file declares), the line and the condition, then aborts so that libFuzzer keeps
// the input.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace cinnabar::fuzz {

[[noreturn]] inline void Die(const char* target, const char* what, int line) {
  std::fprintf(stderr, "%s: invariant violated (line %d): %s\n", target, line, what);
  std::abort();
}

}  // namespace cinnabar::fuzz

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) ::cinnabar::fuzz::Die(kFuzzTarget, #cond, __LINE__); \
  } while (0)
