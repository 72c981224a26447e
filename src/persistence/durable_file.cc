#include "persistence/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "persistence/aof_manifest.h"

namespace cinnabar::persistence {
namespace {

base::Status Errno(std::string_view what, std::string_view path, int err) {
  std::string context(what);
  context += ' ';
  context += path;
  return base::Status::FromErrno(context, err);
}

// Writes all of `data` to `fd`, retrying EINTR and short writes. Returns the bytes written
// and, on failure, the errno (ENOSPC for a write that made no progress).
size_t WriteAll(int fd, std::string_view data, int* err) {
  size_t done = 0;
  *err = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return done;
    }
    if (n == 0) {
      *err = ENOSPC;
      return done;
    }
    done += static_cast<size_t>(n);
  }
  return done;
}

int CloseRetryless(int fd) {
  // Linux closes the descriptor even when close fails with EINTR: never retry.
  return ::close(fd) == 0 ? 0 : errno;
}

}  // namespace

base::Status FsyncDir(std::string_view dir) {
  std::string path(dir.empty() ? "." : dir);
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open directory", path, errno);
  base::Status status;
  if (::fsync(fd) != 0) status = Errno("fsync directory", path, errno);
  CloseRetryless(fd);
  return status;
}

base::Status WriteFileAtomically(std::string_view dir, std::string_view name,
                                 std::string_view contents) {
  std::string target = MakePath(dir, name);
  std::string temp = MakePath(dir, std::string("temp-") + std::string(name));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open", temp, errno);
  int err = 0;
  base::Status status;
  if (WriteAll(fd, contents, &err) != contents.size()) {
    status = Errno("write", temp, err);
  } else if (::fdatasync(fd) != 0) {
    status = Errno("fsync", temp, errno);
  }
  int close_err = CloseRetryless(fd);
  if (status.ok() && close_err != 0) status = Errno("close", temp, close_err);
  if (status.ok() && ::rename(temp.c_str(), target.c_str()) != 0) {
    status = Errno("rename " + temp + " to", target, errno);
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  return FsyncDir(dir);
}

base::StatusOr<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path, errno);
  std::string out;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      base::Status status = Errno("read", path, errno);
      CloseRetryless(fd);
      return status;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  CloseRetryless(fd);
  return out;
}

base::StatusOr<int64_t> FileSize(const std::string& path, bool* missing) {
  struct stat st;
  if (missing) *missing = false;
  if (::stat(path.c_str(), &st) != 0) {
    if (missing) *missing = errno == ENOENT;
    return Errno("stat", path, errno);
  }
  return static_cast<int64_t>(st.st_size);
}

base::StatusOr<AppendOnlyFile> AppendOnlyFile::Open(std::string path, bool truncate) {
  int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return Errno("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    base::Status status = Errno("stat", path, errno);
    CloseRetryless(fd);
    return status;
  }
  return AppendOnlyFile(std::move(path), fd, static_cast<int64_t>(st.st_size));
}

AppendOnlyFile::AppendOnlyFile(AppendOnlyFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      error_(std::move(other.error_)) {}

AppendOnlyFile& AppendOnlyFile::operator=(AppendOnlyFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) CloseRetryless(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    error_ = std::move(other.error_);
  }
  return *this;
}

AppendOnlyFile::~AppendOnlyFile() {
  if (fd_ >= 0) CloseRetryless(fd_);
}

AppendOnlyFile::Appended AppendOnlyFile::TryAppend(std::string_view data) {
  if (fd_ < 0) return {0, EBADF};
  int err = 0;
  size_t written = WriteAll(fd_, data, &err);
  if (err == 0 || written == 0) {
    size_ += static_cast<int64_t>(written);
    return {written, err};
  }
  if (::ftruncate(fd_, size_) == 0) return {0, err, written};
  // The partial bytes stay: the caller goes on after them.
  size_ += static_cast<int64_t>(written);
  return {written, err};
}

base::Status AppendOnlyFile::Write(std::string_view data) {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return base::Status::Error("write " + path_ + ": the file is closed");
  Appended r = TryAppend(data);
  if (r.err == 0) return base::Status::Ok();
  std::string message = Errno("write", path_, r.err).message();
  if (r.cut > 0) {
    message += " (short write: " + std::to_string(r.cut) + " of " +
               std::to_string(data.size()) + " bytes)";
  } else if (r.kept > 0) {
    message += " (short write: " + std::to_string(r.kept) + " of " +
               std::to_string(data.size()) + " bytes; could not remove the short write)";
  }
  error_ = base::Status::Error(std::move(message));
  return error_;
}

base::Status AppendOnlyFile::Fsync() {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return base::Status::Error("fsync " + path_ + ": the file is closed");
  if (::fdatasync(fd_) != 0) error_ = Errno("fsync", path_, errno);
  return error_;
}

int AppendOnlyFile::TryFsync() {
  if (fd_ < 0) return EBADF;
  return ::fdatasync(fd_) == 0 ? 0 : errno;
}

base::Status AppendOnlyFile::Truncate(int64_t offset) {
  if (fd_ < 0) return base::Status::Error("truncate " + path_ + ": the file is closed");
  if (offset < 0) return base::Status::Error("truncate " + path_ + ": negative offset");
  if (::ftruncate(fd_, offset) != 0) return Errno("truncate", path_, errno);
  size_ = offset;
  return base::Status::Ok();
}

base::Status AppendOnlyFile::Close() {
  if (fd_ < 0) return base::Status::Ok();
  int err = CloseRetryless(std::exchange(fd_, -1));
  return err == 0 ? base::Status::Ok() : Errno("close", path_, err);
}

}  // namespace cinnabar::persistence
