// EntryArena: where one database's small entries live (one per database of a shard). The allocator's size classes below 64
// bytes are 16 apart (a 36-byte entry would take 48); the arena has a class every 4 bytes
// up to kMaxBlock, cut from 64 KiB pages, so an entry costs its size rounded up to 4.
//
// Pages come from 2 MiB chunks mapped from the OS. A page whose blocks are all free goes
// back to the OS (unless it is its class's last page with room), a chunk whose pages all
// went back is unmapped. used_memory counts the blocks handed out, as it counts the
// allocator's; the free blocks of a page show as fragmentation, as a jemalloc page's do.
//
// Not thread-safe: used by whoever holds the shard, or by the one thread that frees a table
// taken out whole with its arena (FLUSHALL ASYNC). Free finds a block's page, and the page
// its arena, from the block's address: an entry carries no pointer back.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cinnabar::core {

class EntryArena {
 public:
  static constexpr size_t kMaxBlock = 128;

  EntryArena() = default;
  // REQUIRES every block freed.
  ~EntryArena();
  EntryArena(const EntryArena&) = delete;
  EntryArena& operator=(const EntryArena&) = delete;

  // A 4-byte-aligned block of `size` bytes rounded up to 4. REQUIRES 0 < size <= kMaxBlock.
  void* Allocate(size_t size);
  // Frees a block that any arena's Allocate returned.
  static void Free(void* p);
  // The bytes of the block at `p` (its class, at least what was asked for).
  static size_t BlockSize(const void* p);
  // The arena whose block `p` is.
  static EntryArena* Owner(const void* p);

  // Pages holding blocks (or kept for the next ones).
  size_t pages() const { return pages_; }

 private:
  struct Page;
  struct Chunk;
  static constexpr size_t kClasses = kMaxBlock / 4 + 1;

  Page* NewPage(uint32_t block);
  void ReleasePage(Page* page);
  void Link(Page* page);
  void Unlink(Page* page);
  Chunk* ChunkWithRoom();

  Page* with_room_[kClasses] = {};  // per class: pages with a free block, doubly linked
  Chunk* chunks_ = nullptr;         // chunks with an unused page, doubly linked
  size_t pages_ = 0;
};

}  // namespace cinnabar::core
