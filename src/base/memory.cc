#include "base/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#if CINNABAR_USE_MIMALLOC
#include <mimalloc.h>
#endif

namespace cinnabar::base {
namespace {

constexpr int kMaxCounters = 256;

struct alignas(64) Counter {
  std::atomic<int64_t> bytes{0};
};

Counter g_counters[kMaxCounters];
std::atomic<int> g_next_counter{1};  // 0 is shared by unregistered threads
thread_local int tl_counter = 0;
std::atomic<int64_t> g_page_bytes{0};  // CountPageBytes

inline void Account(int64_t delta) {
  Counter& c = g_counters[tl_counter];
  if (tl_counter == 0) {
    c.bytes.fetch_add(delta, std::memory_order_relaxed);
  } else {
    // Only this thread writes its own counter: a plain load and store suffice.
    c.bytes.store(c.bytes.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
}

[[noreturn]] void OutOfMemory(size_t size) {
  std::fprintf(stderr, "Out of memory allocating %zu bytes!\n", size);
  std::abort();
}

#if CINNABAR_USE_MIMALLOC
inline void* RawAlloc(size_t n) { return mi_malloc(n); }
inline void* RawRealloc(void* p, size_t n) { return mi_realloc(p, n); }
inline void RawFree(void* p) { mi_free(p); }
inline size_t RawUsable(const void* p) { return mi_usable_size(p); }
#else
inline void* RawAlloc(size_t n) { return std::malloc(n); }
inline void* RawRealloc(void* p, size_t n) { return std::realloc(p, n); }
inline void RawFree(void* p) { std::free(p); }
inline size_t RawUsable(const void* p) { return malloc_usable_size(const_cast<void*>(p)); }
#endif

}  // namespace

void* Allocate(size_t size) {
  void* p = RawAlloc(size == 0 ? 1 : size);
  if (p == nullptr) OutOfMemory(size);
  Account(static_cast<int64_t>(RawUsable(p)));
  return p;
}

void* Reallocate(void* p, size_t size) {
  if (p == nullptr) return Allocate(size);
  int64_t old_size = static_cast<int64_t>(RawUsable(p));
  void* q = RawRealloc(p, size == 0 ? 1 : size);
  if (q == nullptr) OutOfMemory(size);
  Account(static_cast<int64_t>(RawUsable(q)) - old_size);
  return q;
}

void Free(void* p) {
  if (p == nullptr) return;
  Account(-static_cast<int64_t>(RawUsable(p)));
  RawFree(p);
}

size_t UsableSize(const void* p) { return RawUsable(p); }

void CountBlockBytes(int64_t delta) { Account(delta); }

void CountPageBytes(int64_t delta) { g_page_bytes.fetch_add(delta, std::memory_order_relaxed); }

int64_t UsedMemory() {
  int64_t total = 0;
  int n = g_next_counter.load(std::memory_order_relaxed);
  for (int i = 0; i < n && i < kMaxCounters; ++i) {
    total += g_counters[i].bytes.load(std::memory_order_relaxed);
  }
  return total;
}

void RegisterMemoryThread() {
  if (tl_counter != 0) return;
  int slot = g_next_counter.fetch_add(1, std::memory_order_relaxed);
  if (slot < kMaxCounters) tl_counter = slot;
}

const char* AllocatorName() {
#if CINNABAR_USE_MIMALLOC
  static char name[32];
  static bool once = [] {
    int v = mi_version();
    std::snprintf(name, sizeof(name), "mimalloc-%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
    return true;
  }();
  (void)once;
  return name;
#else
  return "libc";
#endif
}

int64_t ResidentSetSize() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages_total = 0, pages_resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(pages_resident) * sysconf(_SC_PAGESIZE);
}

int64_t AnonHugePagesBytes() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  int64_t kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    long long v = 0;
    if (std::sscanf(line, "AnonHugePages: %lld kB", &v) == 1) kb += v;
  }
  std::fclose(f);
  return kb * 1024;
}

int64_t AllocatorCommittedMemory() {
#if CINNABAR_USE_MIMALLOC
  size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  return std::max(static_cast<int64_t>(commit) + g_page_bytes.load(std::memory_order_relaxed),
                  UsedMemory());
#else
  return UsedMemory();
#endif
}

void PurgeThreadMemory() {
#if CINNABAR_USE_MIMALLOC
  mi_collect(true);
#else
  malloc_trim(0);
#endif
}

std::string AllocatorStatsText() {
#if CINNABAR_USE_MIMALLOC
  std::string out;
  mi_stats_print_out([](const char* msg, void* arg) { static_cast<std::string*>(arg)->append(msg); },
                     &out);
  return out;
#else
  return "Stats not supported for the current allocator";
#endif
}

}  // namespace cinnabar::base

// Every C++ allocation goes through the counted path.
void* operator new(size_t n) { return cinnabar::base::Allocate(n); }
void* operator new[](size_t n) { return cinnabar::base::Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return cinnabar::base::Allocate(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return cinnabar::base::Allocate(n);
}
void operator delete(void* p) noexcept { cinnabar::base::Free(p); }
void operator delete[](void* p) noexcept { cinnabar::base::Free(p); }
void operator delete(void* p, size_t) noexcept { cinnabar::base::Free(p); }
void operator delete[](void* p, size_t) noexcept { cinnabar::base::Free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { cinnabar::base::Free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { cinnabar::base::Free(p); }
