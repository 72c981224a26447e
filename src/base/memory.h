// Allocation with exact accounting. Every C++ allocation in the process (operator new is
// replaced in memory.cc) and every buffer allocated through Allocate() is counted by its
// usable size, so UsedMemory() is what INFO reports as used_memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cinnabar::base {

// Returns at least `size` bytes, aligned for any scalar type. Never returns null: an
// allocation failure aborts the process, as Redis's zmalloc does.
void* Allocate(size_t size);
// Grows or shrinks an allocation from Allocate(); `p` may be null.
void* Reallocate(void* p, size_t size);
// Frees `p` (null is a no-op). May be called on any thread.
void Free(void* p);
// The number of bytes the allocator really reserved for `p`.
size_t UsableSize(const void* p);

// Bytes currently allocated by the process through the two paths above.
int64_t UsedMemory();
// For allocators that cut their own blocks from pages mapped from the OS
// (core/entry_arena.h): the blocks handed out count as used memory, the pages as
// committed memory (AllocatorCommittedMemory).
void CountBlockBytes(int64_t delta);
void CountPageBytes(int64_t delta);
// Gives the calling thread a private counter so that its allocations take no atomic
// read-modify-write. Call once at the start of every long-lived thread.
void RegisterMemoryThread();
// The allocator's name and version, as INFO's mem_allocator prints it.
const char* AllocatorName();
// Resident set size of the process in bytes, read from /proc.
int64_t ResidentSetSize();
// Bytes of the process's memory backed by transparent huge pages (AnonHugePages in
// /proc/self/smaps_rollup); 0 when none or unknown.
int64_t AnonHugePagesBytes();
// Bytes the allocator holds in pages it has committed (jemalloc's "active"): at least
// UsedMemory() with mimalloc; UsedMemory() itself with libc, which does not say.
int64_t AllocatorCommittedMemory();
// Returns the calling thread's free pages to the OS (mimalloc: mi_collect(true); libc:
// malloc_trim). Call on every thread that allocates to purge the whole process.
void PurgeThreadMemory();
// The allocator's statistics report as text (MEMORY MALLOC-STATS).
std::string AllocatorStatsText();

}  // namespace cinnabar::base
