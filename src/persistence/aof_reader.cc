#include "persistence/aof_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/string_util.h"

namespace cinnabar::persistence {
namespace {

constexpr int64_t kMaxArgc = INT32_MAX;  // Redis keeps argc in an int
// Far beyond any file; keeps offset arithmetic clear of overflow.
constexpr int64_t kMaxBulkLen = INT64_MAX / 4;

constexpr std::string_view kTimestampPrefix = "#TS:";

base::Status ReadError(int err, int64_t offset) {
  return base::Status::Error("Unrecoverable error reading the append only file: " +
                             std::string(std::strerror(err)) + " (at offset " +
                             std::to_string(offset) + ")");
}

// The value of a complete "#TS:<n>\r\n" line, if it is one.
bool ParseTimestamp(std::string_view line, int64_t* out) {
  if (!line.starts_with(kTimestampPrefix) || !line.ends_with("\r\n")) return false;
  line.remove_prefix(kTimestampPrefix.size());
  line.remove_suffix(2);
  return base::ParseInt64(line, out);
}

}  // namespace

AofReader AofReader::FromBytes(std::string_view bytes, int64_t start) {
  AofReader r;
  start = std::max<int64_t>(start, 0);
  r.data_ = bytes.data();
  r.begin_ = std::min(static_cast<size_t>(start), bytes.size());
  r.len_ = bytes.size();
  r.win_offset_ = start;  // past the end: nothing to read there
  r.eof_ = true;
  r.valid_up_to_ = r.multi_offset_ = r.win_offset_;
  return r;
}

AofReader AofReader::FromFd(int fd, int64_t start, size_t read_chunk) {
  AofReader r;
  r.fd_ = fd;
  r.read_chunk_ = std::max<size_t>(read_chunk, 1);
  r.win_offset_ = std::max<int64_t>(start, 0);
  r.valid_up_to_ = r.multi_offset_ = r.win_offset_;
  return r;
}

// Makes the first `n` bytes of the window available if the input has them.
bool AofReader::Ensure(size_t n) {
  if (len_ - begin_ >= n) return true;
  if (fd_ < 0 || eof_ || !read_error_.ok()) return false;
  return FillFd(n);
}

bool AofReader::FillFd(size_t n) {
  size_t have = len_ - begin_;
  if (begin_ + n > cap_ || (cap_ > 4 * read_chunk_ && n <= read_chunk_ && have <= read_chunk_)) {
    // Make room: move the window to the front of a buffer that fits `n` and a chunk ahead
    // (the views of the last command are no longer needed). A buffer grown for a big
    // argument goes back to its usual size.
    size_t want = std::max(n, read_chunk_);
    if (want > cap_ || cap_ > 4 * read_chunk_) {
      auto bigger = std::make_unique<char[]>(want);
      if (have > 0) std::memcpy(bigger.get(), data_ + begin_, have);
      buf_ = std::move(bigger);
      cap_ = want;
    } else if (have > 0) {
      std::memmove(buf_.get(), data_ + begin_, have);
    }
    data_ = buf_.get();
    begin_ = 0;
    len_ = have;
  }
  while (len_ - begin_ < n) {
    int64_t at = win_offset_ + static_cast<int64_t>(len_ - begin_);
    ssize_t got = ::pread(fd_, buf_.get() + len_, cap_ - len_, at);
    if (got < 0) {
      if (errno == EINTR) continue;
      read_error_ = ReadError(errno, at);
      return false;
    }
    if (got == 0) {
      eof_ = true;
      return false;
    }
    len_ += static_cast<size_t>(got);
  }
  return true;
}

// Bytes of input from the window's start to the end of the file; -1 on a stat error.
int64_t AofReader::RemainingInput() {
  if (fd_ < 0 || eof_) return static_cast<int64_t>(len_ - begin_);
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    read_error_ = ReadError(errno, win_offset_);
    return -1;
  }
  return std::max<int64_t>(st.st_size - win_offset_, static_cast<int64_t>(len_ - begin_));
}

void AofReader::Consume(size_t n) {
  begin_ += n;
  win_offset_ += static_cast<int64_t>(n);
}

// Reads "<digits>\r\n" at *p (just after the '*' or '$'), moving *p past it.
AofReader::Step AofReader::ReadNumber(size_t* p, int64_t min, int64_t max, int64_t* out) {
  const size_t first = *p;
  size_t i = first;
  int64_t v = 0;
  while (true) {
    if (!Ensure(i + 1)) return read_error_.ok() ? Step::kTruncated : Step::kReadError;
    char c = At(i);
    if (c == '\r' && i > first) break;
    bool bad = c < '0' || c > '9' || (i > first && At(first) == '0') ||  // a leading zero
               (i == first && c == '0' && min > 0);  // "0" when the least is 1
    if (!bad) {
      int digit = c - '0';
      bad = v > (max - digit) / 10;
      if (!bad) v = v * 10 + digit;
    }
    if (bad) {
      error_offset_ = win_offset_ + static_cast<int64_t>(i);
      return Step::kBad;
    }
    ++i;
  }
  if (!Ensure(i + 2)) return read_error_.ok() ? Step::kTruncated : Step::kReadError;
  if (At(i + 1) != '\n') {
    error_offset_ = win_offset_ + static_cast<int64_t>(i + 1);
    return Step::kBad;
  }
  *p = i + 2;
  *out = v;
  return Step::kOk;
}

// Checks the `len` bytes of an argument at `p` and the "\r\n" after them.
AofReader::Step AofReader::ReadBulk(size_t p, int64_t len) {
  size_t data_end = p + static_cast<size_t>(len);
  size_t need = data_end + 2;
  if (len_ - begin_ < need && need > std::max(cap_, read_chunk_)) {
    // Growing the buffer: only for bytes the file really has.
    int64_t remaining = RemainingInput();
    if (remaining < 0) return Step::kReadError;
    if (static_cast<uint64_t>(remaining) <= data_end) {
      error_offset_ = win_offset_ + remaining;
      return Step::kTruncated;
    }
  }
  bool complete = Ensure(need);
  if (!read_error_.ok()) return Step::kReadError;
  size_t have = len_ - begin_;
  if (have > data_end && At(data_end) != '\r') {
    error_offset_ = win_offset_ + static_cast<int64_t>(data_end);
    return Step::kBad;
  }
  if (have > data_end + 1 && At(data_end + 1) != '\n') {
    error_offset_ = win_offset_ + static_cast<int64_t>(data_end + 1);
    return Step::kBad;
  }
  return complete ? Step::kOk : Step::kTruncated;
}

// Skips the '#' line at the window's start, noting a timestamp.
AofReader::Step AofReader::SkipAnnotation() {
  Ensure(kAofAnnotationMaxLine);
  if (!read_error_.ok()) return Step::kReadError;
  std::string_view w = Window();
  size_t scan = std::min(w.size(), kAofAnnotationMaxLine);
  size_t nl = w.substr(0, scan).find('\n');
  size_t line_len;
  if (nl != std::string_view::npos) {
    line_len = nl + 1;
  } else if (scan == kAofAnnotationMaxLine) {
    // Redis compat: fgets stops after 1023 bytes; what follows is read as the next line.
    line_len = scan;
  } else {
    // Deviation: Redis skips a last '#' line the file ends in without its '\n' and loads
    // the file as complete, so the next command appended joins that line and makes the
    // file unreadable. A torn annotation is a torn tail here, cut like a torn command.
    return Step::kTruncated;
  }
  int64_t ts;
  if (ParseTimestamp(w.substr(0, line_len), &ts)) {
    timestamps_.push_back({.offset = win_offset_, .unix_seconds = ts});
  }
  Consume(line_len);
  return Step::kOk;
}

AofReadResult AofReader::Finish(AofReadResult result) {
  finished_ = true;
  result_ = result;
  spans_.clear();
  return result;
}

AofReadResult AofReader::Fail(Step step, size_t at) {
  switch (step) {
    case Step::kOk:
      break;
    case Step::kTruncated:
      partial_tail_ = true;
      // (A length past the end of the file set error_offset_ without reading that far.)
      if (eof_) error_offset_ = win_offset_ + static_cast<int64_t>(len_ - begin_);
      return Finish(AofReadResult::kTruncated);
    case Step::kBad:
      if (at != SIZE_MAX) error_offset_ = win_offset_ + static_cast<int64_t>(at);
      return Finish(AofReadResult::kBadFormat);
    case Step::kReadError:
      return Finish(AofReadResult::kReadError);
  }
  return Finish(AofReadResult::kReadError);
}

AofReadResult AofReader::AtEndOfInput() {
  if (!read_error_.ok()) return Finish(AofReadResult::kReadError);
  error_offset_ = win_offset_;
  // Redis compat: a file that ends inside MULTI ... EXEC is handled as a short read, even
  // though every command in it is whole.
  return Finish(in_multi_ ? AofReadResult::kTruncated : AofReadResult::kEnd);
}

AofReadResult AofReader::Next(std::vector<std::string_view>* args) {
  args->clear();
  timestamps_.clear();
  if (finished_) return result_;

  while (true) {
    if (!Ensure(1)) return AtEndOfInput();
    if (At(0) != '#') break;
    Step step = SkipAnnotation();
    if (step != Step::kOk) return Fail(step, SIZE_MAX);
  }
  if (At(0) != '*') return Fail(Step::kBad, 0);

  size_t p = 1;
  int64_t argc;
  Step step = ReadNumber(&p, 1, kMaxArgc, &argc);
  if (step != Step::kOk) return Fail(step, SIZE_MAX);
  spans_.clear();
  for (int64_t i = 0; i < argc; ++i) {
    if (!Ensure(p + 1)) return Fail(read_error_.ok() ? Step::kTruncated : Step::kReadError, 0);
    if (At(p) != '$') return Fail(Step::kBad, p);
    ++p;
    int64_t len;
    step = ReadNumber(&p, 0, kMaxBulkLen, &len);
    if (step == Step::kOk) step = ReadBulk(p, len);
    if (step != Step::kOk) return Fail(step, SIZE_MAX);
    spans_.push_back({.offset = p, .size = static_cast<size_t>(len)});
    p += static_cast<size_t>(len) + 2;
  }

  args->reserve(spans_.size());
  for (const Span& s : spans_) args->emplace_back(data_ + begin_ + s.offset, s.size);
  const int64_t command_offset = win_offset_;
  Consume(p);
  valid_up_to_ = win_offset_;
  // MULTI and EXEC are found by name, as Redis's command lookup finds them.
  if (base::EqualsIgnoreCase((*args)[0], "multi")) {
    in_multi_ = true;
    multi_offset_ = command_offset;
  } else if (base::EqualsIgnoreCase((*args)[0], "exec")) {
    in_multi_ = false;
  }
  return AofReadResult::kCommand;
}

bool HasRdbPreamble(std::string_view head) { return head.starts_with("REDIS"); }

base::StatusOr<bool> FileHasRdbPreamble(int fd) {
  char sig[5];
  size_t got = 0;
  while (got < sizeof(sig)) {
    ssize_t n = ::pread(fd, sig + got, sizeof(sig) - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ReadError(errno, static_cast<int64_t>(got));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return HasRdbPreamble(std::string_view(sig, got));
}

void AppendAofCommand(std::string* out, std::span<const std::string_view> args) {
  char num[base::kInt64Chars];
  out->push_back('*');
  out->append(num, base::FormatInt64(static_cast<int64_t>(args.size()), num));
  out->append("\r\n");
  for (std::string_view a : args) {
    out->push_back('$');
    out->append(num, base::FormatInt64(static_cast<int64_t>(a.size()), num));
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

void AppendAofTimestamp(std::string* out, int64_t unix_seconds) {
  out->append(kTimestampPrefix);
  out->append(base::Int64ToString(unix_seconds));
  out->append("\r\n");
}

}  // namespace cinnabar::persistence
