#include "core/entry_arena.h"

#include <sys/mman.h>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/memory.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace cinnabar::core {
namespace {

constexpr size_t kPageBytes = size_t{64} << 10;
constexpr size_t kChunkBytes = size_t{2} << 20;
constexpr uint32_t kPagesPerChunk = kChunkBytes / kPageBytes;
static_assert(kPagesPerChunk == 32, "the chunk's page mask is 32 bits");
constexpr uint32_t kFirstBlock = 64;  // after the page header

[[noreturn]] void MapFailed() {
  std::fprintf(stderr, "Out of memory mapping %zu bytes for entries!\n", kChunkBytes);
  std::abort();
}

// kChunkBytes of zeroed memory aligned to kChunkBytes.
uint8_t* MapChunk() {
  void* p = mmap(nullptr, 2 * kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) MapFailed();
  auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kChunkBytes - 1) & ~(kChunkBytes - 1);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = start + 2 * kChunkBytes;
  if (end > aligned + kChunkBytes) {
    munmap(reinterpret_cast<void*>(aligned + kChunkBytes), end - aligned - kChunkBytes);
  }
  return reinterpret_cast<uint8_t*>(aligned);
}

}  // namespace

struct EntryArena::Chunk {
  uint8_t* base;
  uint32_t used = 0;  // bit i: page i is in use
  Chunk* prev = nullptr;
  Chunk* next = nullptr;
  bool listed = false;  // in the arena's chunks with an unused page
};

// At the start of each page; the blocks follow from kFirstBlock.
struct EntryArena::Page {
  EntryArena* arena;
  Chunk* chunk;
  Page* prev;
  Page* next;
  uint32_t block;  // bytes per block
  uint32_t live;   // blocks handed out
  uint32_t bump;   // offset of the first block never handed out
  uint32_t free;   // offset of the first freed block (its first 4 bytes: the next), or 0
  bool listed;     // in the arena's pages with room for its class

  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this); }
  bool full() const { return free == 0 && bump + block > kPageBytes; }
  static Page* Of(const void* p) {
    static_assert(sizeof(Page) <= kFirstBlock);
    return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(p) & ~(kPageBytes - 1));
  }
};


EntryArena::~EntryArena() {
  for (Page*& head : with_room_) {
    while (head != nullptr) {
      Page* page = head;
      assert(page->live == 0);
      ReleasePage(page);
    }
  }
  assert(pages_ == 0);
  while (chunks_ != nullptr) {
    Chunk* c = chunks_;
    chunks_ = c->next;
    ARENA_UNPOISON(c->base, kChunkBytes);
    munmap(c->base, kChunkBytes);
    delete c;
  }
}

void* EntryArena::Allocate(size_t size) {
  assert(size > 0 && size <= kMaxBlock);
  const uint32_t block = static_cast<uint32_t>((size + 3) & ~size_t{3});
  Page*& head = with_room_[block / 4];
  Page* page = head != nullptr ? head : NewPage(block);
  uint8_t* p;
  if (page->free != 0) {
    p = page->bytes() + page->free;
    ARENA_UNPOISON(p, block);
    std::memcpy(&page->free, p, sizeof(uint32_t));
  } else {
    p = page->bytes() + page->bump;
    ARENA_UNPOISON(p, block);
    page->bump += block;
  }
  ++page->live;
  if (page->full()) Unlink(page);
  base::CountBlockBytes(block);
  return p;
}

void EntryArena::Free(void* p) {
  Page* page = Page::Of(p);
  EntryArena* arena = page->arena;
  const auto offset = static_cast<uint32_t>(static_cast<uint8_t*>(p) - page->bytes());
  std::memcpy(p, &page->free, sizeof(uint32_t));
  ARENA_POISON(p, page->block);
  page->free = offset;
  --page->live;
  base::CountBlockBytes(-static_cast<int64_t>(page->block));
  if (!page->listed) arena->Link(page);
  // An empty page goes back unless it is the only room its class has left (a key set and
  // deleted over and over must not map and unmap a page each time).
  if (page->live == 0 && (page->prev != nullptr || page->next != nullptr)) {
    arena->ReleasePage(page);
  }
}

size_t EntryArena::BlockSize(const void* p) { return Page::Of(p)->block; }

EntryArena* EntryArena::Owner(const void* p) { return Page::Of(p)->arena; }

EntryArena::Chunk* EntryArena::ChunkWithRoom() {
  if (chunks_ != nullptr) return chunks_;
  auto* c = new Chunk{.base = MapChunk()};
  ARENA_POISON(c->base, kChunkBytes);
  c->listed = true;
  chunks_ = c;
  return c;
}

EntryArena::Page* EntryArena::NewPage(uint32_t block) {
  Chunk* c = ChunkWithRoom();
  const auto index = static_cast<uint32_t>(__builtin_ctz(~c->used));
  c->used |= uint32_t{1} << index;
  if (c->used == ~uint32_t{0}) {
    // No unused page left: off the list.
    chunks_ = c->next;
    if (chunks_ != nullptr) chunks_->prev = nullptr;
    c->next = nullptr;
    c->listed = false;
  }
  uint8_t* at = c->base + size_t{index} * kPageBytes;
  ARENA_UNPOISON(at, kFirstBlock);
  auto* page = reinterpret_cast<Page*>(at);
  *page = Page{.arena = this, .chunk = c, .prev = nullptr, .next = nullptr, .block = block,
               .live = 0, .bump = kFirstBlock, .free = 0, .listed = false};
  Link(page);
  ++pages_;
  base::CountPageBytes(static_cast<int64_t>(kPageBytes));
  return page;
}

void EntryArena::ReleasePage(Page* page) {
  if (page->listed) Unlink(page);
  Chunk* c = page->chunk;
  const auto index = static_cast<uint32_t>((page->bytes() - c->base) / kPageBytes);
  --pages_;
  base::CountPageBytes(-static_cast<int64_t>(kPageBytes));
  ARENA_UNPOISON(page, kPageBytes);
  madvise(page, kPageBytes, MADV_DONTNEED);  // reads back as zeroes when reused
  ARENA_POISON(page, kPageBytes);
  c->used &= ~(uint32_t{1} << index);
  if (!c->listed) {
    c->prev = nullptr;
    c->next = chunks_;
    if (chunks_ != nullptr) chunks_->prev = c;
    chunks_ = c;
    c->listed = true;
  }
  // An unused chunk is unmapped unless it is the last one with room.
  if (c->used == 0 && (c->prev != nullptr || c->next != nullptr)) {
    if (c->prev != nullptr) c->prev->next = c->next;
    if (c->next != nullptr) c->next->prev = c->prev;
    if (chunks_ == c) chunks_ = c->next;
    ARENA_UNPOISON(c->base, kChunkBytes);
    munmap(c->base, kChunkBytes);
    delete c;
  }
}

void EntryArena::Link(Page* page) {
  Page*& head = with_room_[page->block / 4];
  page->prev = nullptr;
  page->next = head;
  if (head != nullptr) head->prev = page;
  head = page;
  page->listed = true;
}

void EntryArena::Unlink(Page* page) {
  Page*& head = with_room_[page->block / 4];
  if (page->prev != nullptr) page->prev->next = page->next;
  if (page->next != nullptr) page->next->prev = page->prev;
  if (head == page) head = page->next;
  page->prev = page->next = nullptr;
  page->listed = false;
}

}  // namespace cinnabar::core
