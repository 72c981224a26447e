// The command stream of an AOF file (a base written as commands, an incr file, or the tail
// after an RDB preamble), read command by command as Redis 7.0's loadSingleAppendOnlyFile
// reads it, and the writer's side of the same format.
//
// The format: each command is "*<argc>\r\n" then, per argument, "$<len>\r\n<bytes>\r\n";
// lines that start with '#' are annotations, skipped ("#TS:<unix seconds>\r\n" when
// aof-timestamp-enabled is on). A file may start with an RDB preamble ("REDIS...", see
// HasRdbPreamble): the RDB loader reads that part and the reader starts where it ended.
//
// What the reader accepts is the canonical form Redis writes: counts and lengths in plain
// decimal (no sign, no leading zero, no blank), every argument followed by "\r\n". The tail
// is judged exactly: bytes that could still become a valid command are a truncated tail
// (kTruncated), bytes that never could are kBadFormat, at the first byte that breaks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cinnabar::persistence {

enum class AofReadResult {
  kCommand,    // `args` holds the next command
  kEnd,        // clean end of the input, outside any MULTI
  kTruncated,  // the input ends inside a command or an annotation, or inside MULTI ... EXEC
  kBadFormat,  // "Bad file format reading the append only file" (error_offset says where)
  kReadError,  // the fd could not be read (read_error says why)
};

// A "#TS:<unix seconds>\r\n" annotation: its value and the offset where its line starts
// (where redis-check-aof --truncate-to-timestamp cuts the file).
struct AofTimestamp {
  int64_t offset = 0;
  int64_t unix_seconds = 0;

  bool operator==(const AofTimestamp&) const = default;
};

// An annotation line is at most this long, '\n' included (Redis's AOF_ANNOTATION_LINE_MAX_LEN
// buffer less its NUL); the rest of a longer one is read as the next line.
constexpr size_t kAofAnnotationMaxLine = 1023;
// How much the fd reader asks for at once.
constexpr size_t kAofReadChunk = 64 * 1024;

// Reads one AOF input front to back. Offsets are positions in the whole file (or in the
// whole `bytes` given), whatever `start` was. Not thread-safe; move-only.
class AofReader {
 public:
  // Reads bytes[start..]. `bytes` must outlive the reader; nothing is copied.
  static AofReader FromBytes(std::string_view bytes, int64_t start = 0);
  // Reads the file behind `fd` from offset `start` with pread (the descriptor's own offset
  // is neither used nor moved; the fd stays the caller's to close). Holds one command and
  // up to `read_chunk` bytes read ahead at a time; the buffer grows to fit a big argument
  // (only as far as the file really holds it: a length past the end of the file is a
  // truncated tail, read no further) and shrinks again after it.
  static AofReader FromFd(int fd, int64_t start = 0, size_t read_chunk = kAofReadChunk);

  AofReader(AofReader&&) noexcept = default;
  AofReader& operator=(AofReader&&) noexcept = default;

  // Reads the next command into `*args`: views valid until the next call (or a move). Once
  // a result other than kCommand is returned, every later call returns it again.
  AofReadResult Next(std::vector<std::string_view>* args);

  // Offset of the end of the last complete command (`start` before the first one): Redis's
  // valid_up_to, where aof-load-truncated cuts a torn tail.
  int64_t valid_up_to() const { return valid_up_to_; }
  // A MULTI was read and its EXEC was not (yet), and the offset where that MULTI starts
  // (the last one read, as Redis counts): Redis's valid_before_multi.
  bool in_multi() const { return in_multi_; }
  int64_t multi_offset() const { return multi_offset_; }
  // kTruncated: the input ended inside a command or an annotation (false: it ended cleanly
  // but inside MULTI ... EXEC).
  bool partial_tail() const { return partial_tail_; }
  // Where Redis 7.0 cuts the file for aof-load-truncated: at a clean end inside MULTI, before
  // that MULTI; after a torn tail, at valid_up_to (even inside a MULTI: Redis keeps the
  // MULTI and the commands after it, which the next load reverts). The caller decides.
  int64_t truncate_offset() const {
    return in_multi_ && !partial_tail_ ? multi_offset_ : valid_up_to_;
  }
  // kBadFormat: the offset of the first byte that breaks the format; kTruncated: the end of
  // the input.
  int64_t error_offset() const { return error_offset_; }
  // The "#TS:" annotations the last Next call skipped, in order. Other '#' lines (and a
  // "#TS:" line whose value is not a plain decimal) are skipped without a report.
  const std::vector<AofTimestamp>& timestamps() const { return timestamps_; }
  // kReadError: why.
  const base::Status& read_error() const { return read_error_; }
  // Bytes the reader's buffer holds now (the fd reader; 0 for bytes).
  size_t buffer_capacity() const { return cap_; }

 private:
  AofReader() = default;

  enum class Step { kOk, kTruncated, kBad, kReadError };

  std::string_view Window() const { return {data_ + begin_, len_ - begin_}; }
  char At(size_t i) const { return data_[begin_ + i]; }
  bool Ensure(size_t n);
  bool FillFd(size_t n);
  int64_t RemainingInput();
  void Consume(size_t n);
  Step ReadNumber(size_t* p, int64_t min, int64_t max, int64_t* out);
  Step ReadBulk(size_t p, int64_t len);
  Step SkipAnnotation();
  AofReadResult Finish(AofReadResult result);
  AofReadResult Fail(Step step, size_t at);
  AofReadResult AtEndOfInput();

  // The input: data_[begin_, len_) are the bytes from offset win_offset_ on.
  const char* data_ = nullptr;
  size_t begin_ = 0;
  size_t len_ = 0;
  int64_t win_offset_ = 0;
  // The fd reader's own buffer and state.
  int fd_ = -1;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t read_chunk_ = kAofReadChunk;
  bool eof_ = false;

  struct Span {
    size_t offset;
    size_t size;
  };
  std::vector<Span> spans_;
  std::vector<AofTimestamp> timestamps_;
  int64_t valid_up_to_ = 0;
  bool in_multi_ = false;
  int64_t multi_offset_ = 0;
  bool partial_tail_ = false;
  int64_t error_offset_ = 0;
  bool finished_ = false;
  AofReadResult result_ = AofReadResult::kEnd;
  base::Status read_error_;
};

// Whether a file's first bytes are an RDB preamble ("REDIS", as Redis's loader checks: five
// bytes suffice). An RDB-format base or an old-style preamble AOF: load that part with the
// RDB loader, then read commands from where it ended (a base may end right there).
bool HasRdbPreamble(std::string_view head);
// The same for the file behind `fd` (pread at offset 0).
base::StatusOr<bool> FileHasRdbPreamble(int fd);

// --- The writer's side.

// Appends one command in the AOF's form (Redis's catAppendOnlyGenericCommand).
// REQUIRES: !args.empty().
void AppendAofCommand(std::string* out, std::span<const std::string_view> args);
// Appends the "#TS:<unix_seconds>\r\n" annotation (aof-timestamp-enabled).
void AppendAofTimestamp(std::string* out, int64_t unix_seconds);

}  // namespace cinnabar::persistence
