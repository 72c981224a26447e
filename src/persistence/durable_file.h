// File I/O that survives a crash, for the AOF and its manifest: whole files replaced
// atomically (written to a temp name, fsynced, renamed over the target, the directory
// fsynced), and an append-only file handle whose write and fsync failures are sticky.
// Errors are Status texts with the path and strerror(errno).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cinnabar::persistence {

// Replaces dir/name with `contents` so that a crash leaves either the old file or the new
// one: writes dir/temp-<name> (created 0644, truncated), fsyncs it, renames it over
// dir/name and fsyncs `dir` (Redis's writeAofManifestFile). On failure the temp file is
// removed and dir/name is unchanged (unless only the directory fsync failed).
base::Status WriteFileAtomically(std::string_view dir, std::string_view name,
                                 std::string_view contents);

// fsyncs the directory itself, so entries created, renamed or removed in it are durable.
base::Status FsyncDir(std::string_view dir);

// The whole file (for the manifest, which is small).
base::StatusOr<std::string> ReadFileToString(const std::string& path);

// The file's size (Redis's getAppendOnlyFileSize); the status names ENOENT apart through
// `missing`, if given: set to true when the file does not exist.
base::StatusOr<int64_t> FileSize(const std::string& path, bool* missing = nullptr);

// An AOF file open for appending (O_WRONLY|O_APPEND|O_CREAT, 0644, close-on-exec). Move-only;
// closes on destruction. Not thread-safe: one owner at a time.
//
// Error tiers (STYLE.md): a failed Write or Fsync is sticky. Every later Write and Fsync
// returns that first error without touching the file, as the kernel may have dropped the
// dirty pages a failed fsync covered; the owner reports it and moves on to a new file (a
// rewrite), never retries on this one. A failed Write first cuts the file back to its size
// before that write (Redis's ftruncate after a short write), so the file never ends in half
// a command it was told to drop; if that cut fails too, the error says so.
class AppendOnlyFile {
 public:
  // Opens (creating if missing) `path` for appending; with `truncate`, empties it first
  // (Redis opens a new incr file with O_TRUNC, an existing one without).
  static base::StatusOr<AppendOnlyFile> Open(std::string path, bool truncate = false);

  AppendOnlyFile(AppendOnlyFile&& other) noexcept;
  AppendOnlyFile& operator=(AppendOnlyFile&& other) noexcept;
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;
  ~AppendOnlyFile();

  // Writes all of `data` at the end, retrying short writes and EINTR. An error sticks: every
  // later call returns it.
  base::Status Write(std::string_view data);
  // One append that may be tried again (the AOF's writes, Redis's flushAppendOnlyFile): on
  // an error a partial write is cut off again so the file ends where it did, and nothing
  // sticks. `kept` is what of `data` stayed in the file: all of it, or after an error 0, or
  // the partial write when the cut failed; `err` the errno that stopped the rest (0: none).
  struct Appended {
    size_t kept = 0;
    int err = 0;
    size_t cut = 0;  // bytes of a partial write that were cut off again
  };
  Appended TryAppend(std::string_view data);
  // fdatasync (Redis's redis_fsync on Linux): the data written so far is on disk.
  base::Status Fsync();
  // fdatasync that may be tried again: the errno, 0 when it worked. Nothing sticks.
  int TryFsync();
  // Cuts the file to `offset` bytes (aof-load-truncated, or a caller's own recovery). Works
  // after a sticky error too, and does not clear it.
  base::Status Truncate(int64_t offset);
  // Closes the descriptor; the result of close(2). Later calls return OK.
  base::Status Close();

  // Bytes in the file: its size when opened plus what was written since (less a cut).
  int64_t Size() const { return size_; }
  // The sticky error (OK while none).
  const base::Status& error() const { return error_; }
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  AppendOnlyFile(std::string path, int fd, int64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0;
  base::Status error_;
};

}  // namespace cinnabar::persistence
