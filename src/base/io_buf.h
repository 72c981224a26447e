// A growable byte buffer with a read cursor: bytes are appended at the end and consumed
// from the front. Used for connection input and output. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#include "base/memory.h"

namespace cinnabar::base {

class IoBuf {
 public:
  IoBuf() = default;
  IoBuf(const IoBuf&) = delete;
  IoBuf& operator=(const IoBuf&) = delete;
  IoBuf(IoBuf&& o) noexcept { Swap(o); }
  IoBuf& operator=(IoBuf&& o) noexcept {
    Swap(o);
    return *this;
  }
  ~IoBuf() { Free(buf_); }

  const char* data() const { return buf_ + begin_; }
  char* data() { return buf_ + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  size_t capacity() const { return cap_; }
  std::string_view view() const { return {data(), size()}; }

  // Drops `n` bytes from the front.
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void Clear() { begin_ = end_ = 0; }

  // Returns room for at least `n` more bytes at the end; call Commit with what was written.
  char* PrepareWrite(size_t n) {
    if (cap_ - end_ < n) MakeRoom(n);
    return buf_ + end_;
  }
  size_t writable() const { return cap_ - end_; }
  void Commit(size_t n) { end_ += n; }

  void Append(const void* p, size_t n) {
    if (n == 0) return;  // `p` may be null (an empty buffer's data())
    std::memcpy(PrepareWrite(n), p, n);
    end_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void Append(char c) {
    *PrepareWrite(1) = c;
    ++end_;
  }

  // Frees the storage when the buffer is empty and larger than `keep` bytes.
  void ShrinkIfIdle(size_t keep) {
    if (empty() && cap_ > keep) {
      Free(buf_);
      buf_ = nullptr;
      cap_ = begin_ = end_ = 0;
    }
  }

  void Swap(IoBuf& o) noexcept {
    std::swap(buf_, o.buf_);
    std::swap(cap_, o.cap_);
    std::swap(begin_, o.begin_);
    std::swap(end_, o.end_);
  }

 private:
  void MakeRoom(size_t n) {
    size_t used = size();
    if (begin_ > 0 && cap_ - used >= n && begin_ >= used) {
      std::memcpy(buf_, buf_ + begin_, used);  // non-overlapping: begin_ >= used
      begin_ = 0;
      end_ = used;
      return;
    }
    if (begin_ > 0) {
      std::memmove(buf_, buf_ + begin_, used);
      begin_ = 0;
      end_ = used;
      if (cap_ - end_ >= n) return;
    }
    size_t want = used + n;
    size_t next = cap_ < 1024 ? 1024 : cap_;
    while (next < want) next *= 2;
    buf_ = static_cast<char*>(Reallocate(buf_, next));
    cap_ = UsableSize(buf_);
  }

  char* buf_ = nullptr;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace cinnabar::base
