#include "persistence/rdb_input.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cinnabar::persistence {

bool StringRdbInput::Read(char* dst, size_t n) {
  if (n > data_.size()) {
    data_ = {};
    return false;
  }
  if (n > 0) std::memcpy(dst, data_.data(), n);
  data_.remove_prefix(n);
  return true;
}

FdRdbInput::FdRdbInput(int fd, size_t buffer_size)
    : fd_(fd),
      buf_(new char[std::max<size_t>(buffer_size, 1)]),
      cap_(std::max<size_t>(buffer_size, 1)) {}

ptrdiff_t FdRdbInput::ReadSome(char* dst, size_t cap) {
  if (!status_.ok()) return -1;
  while (true) {
    ssize_t n = ::read(fd_, dst, cap);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    status_ = base::Status::FromErrno("Error reading the RDB file", errno);
    return -1;
  }
}

bool FdRdbInput::Read(char* dst, size_t n) {
  while (n > 0) {
    if (pos_ == end_) {
      // A big read goes straight to its destination; small ones refill the buffer.
      if (n >= cap_) {
        ptrdiff_t got = ReadSome(dst, n);
        if (got <= 0) return false;
        dst += got;
        n -= static_cast<size_t>(got);
        continue;
      }
      ptrdiff_t got = ReadSome(buf_.get(), cap_);
      if (got <= 0) return false;
      pos_ = 0;
      end_ = static_cast<size_t>(got);
    }
    size_t take = std::min(n, end_ - pos_);
    std::memcpy(dst, buf_.get() + pos_, take);
    pos_ += take;
    dst += take;
    n -= take;
  }
  return true;
}

}  // namespace cinnabar::persistence
