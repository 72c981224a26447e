// Where an RDB loader reads from: a byte stream read front to back in pieces of any size.
// Two sources: a file descriptor (a file, a socket, a pipe) read through a buffer, and bytes
// already in memory (DUMP payloads, tests, the fuzzer).
// Not thread-safe: one reader at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/status.h"

namespace cinnabar::persistence {

class RdbInput {
 public:
  virtual ~RdbInput() = default;
  // Copies the next `n` bytes to `dst`. Returns false when fewer than `n` bytes are left
  // (they are consumed) or the source failed; status() then says which.
  virtual bool Read(char* dst, size_t n) = 0;
  // The error that failed a Read (OK when the input simply ended).
  virtual base::Status status() const { return base::Status::Ok(); }
};

// Reads `data`, which must outlive the input.
class StringRdbInput : public RdbInput {
 public:
  explicit StringRdbInput(std::string_view data) : data_(data) {}
  bool Read(char* dst, size_t n) override;

 private:
  std::string_view data_;
};

// Reads `fd` (not owned, left open) through a buffer of `buffer_size` bytes, retrying
// interrupted reads. A read error stops the input for good.
class FdRdbInput : public RdbInput {
 public:
  static constexpr size_t kDefaultBuffer = 64 * 1024;
  explicit FdRdbInput(int fd, size_t buffer_size = kDefaultBuffer);
  bool Read(char* dst, size_t n) override;
  base::Status status() const override { return status_; }

 private:
  // Reads what the kernel gives (at most `cap` bytes) into `dst`: >0 bytes, 0 at end of
  // file, -1 on error (status_ set).
  ptrdiff_t ReadSome(char* dst, size_t cap);

  int fd_;
  std::unique_ptr<char[]> buf_;
  size_t cap_;
  size_t pos_ = 0;  // next unread byte in buf_
  size_t end_ = 0;  // bytes held in buf_
  base::Status status_;
};

}  // namespace cinnabar::persistence
