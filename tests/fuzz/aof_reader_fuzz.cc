// libFuzzer target for the AOF command reader (persistence/aof_reader.h).
//
// Input layout: byte 0 picks the fd reader's read size (1, 2, 3, 7, 16, 64, 1024 or 64 KB,
// bits 0-2) and whether reading starts after the first bytes of the file (bit 3: the start
// offset is byte 1, as after an RDB preamble); the rest is the file. The file is read three
// ways, from `bytes` and from a memfd through pread in reads of that size, and checked
// against a model of the format written here over the whole buffer at once:
//   - the same commands, timestamps (with their offsets), result and offsets (valid_up_to,
//     error_offset, the MULTI state, truncate_offset) from all three;
//   - each command's bytes are exactly what AppendAofCommand writes for its arguments, and
//     its views lie inside the input;
//   - cut anywhere, a file that reads to its end (kEnd or kTruncated) gives a prefix of its
//     commands and never kBadFormat; a kBadFormat file read up to error_offset is not bad,
//     and one byte more is.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "persistence/aof_reader.h"

namespace {

using cinnabar::persistence::AofReader;
using cinnabar::persistence::AofReadResult;
using cinnabar::persistence::AofTimestamp;
namespace p = cinnabar::persistence;

constexpr const char* kFuzzTarget = "aof_reader_fuzz";

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::vector<int64_t> ends;  // valid_up_to after each command
  std::vector<AofTimestamp> timestamps;
  AofReadResult result = AofReadResult::kEnd;
  int64_t valid_up_to = 0;
  int64_t error_offset = 0;
  bool in_multi = false;
  int64_t multi_offset = 0;
  bool partial_tail = false;

  bool operator==(const Outcome&) const = default;
};

// --- The model.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Redis's string2ll rules for the timestamp: optional '-', digits without a leading zero.
bool ModelTimestamp(std::string_view line, int64_t* out) {
  if (line.size() < 6 || line.substr(0, 4) != "#TS:" || line.substr(line.size() - 2) != "\r\n") {
    return false;
  }
  std::string v(line.substr(4, line.size() - 6));
  size_t d = v.starts_with('-') ? 1 : 0;
  if (v.size() == d || !std::all_of(v.begin() + d, v.end(), IsDigit)) return false;
  if (v[d] == '0' && (v.size() > d + 1 || d == 1)) return false;  // "01", "-0"
  errno = 0;
  long long x = std::strtoll(v.c_str(), nullptr, 10);
  if (errno != 0) return false;
  *out = x;
  return true;
}

enum class Step { kOk, kTruncated, kBad };

struct Model {
  std::string_view in;
  Outcome out;
  size_t bad_at = 0;

  // "<digits>\r\n" at `i`: the value and where it ends, or why not.
  Step Number(size_t i, int64_t min, int64_t max, int64_t* value, size_t* next) {
    size_t j = i;
    int64_t v = 0;
    while (j < in.size() && IsDigit(in[j])) {
      if (j == i && in[j] == '0' && min > 0) return Bad(j);
      if (j == i + 1 && in[i] == '0') return Bad(j);
      int d = in[j] - '0';
      if (v > (max - d) / 10) return Bad(j);
      v = v * 10 + d;
      ++j;
    }
    if (j == in.size()) return Step::kTruncated;
    if (j == i || in[j] != '\r') return Bad(j);
    if (j + 1 == in.size()) return Step::kTruncated;
    if (in[j + 1] != '\n') return Bad(j + 1);
    *value = v;
    *next = j + 2;
    return Step::kOk;
  }
  Step Bad(size_t at) {
    bad_at = at;
    return Step::kBad;
  }

  void Run(size_t start) {
    size_t pos = start;
    out.valid_up_to = out.multi_offset = static_cast<int64_t>(start);
    if (start >= in.size()) {
      out.error_offset = static_cast<int64_t>(start);
      return;
    }
    while (true) {
      if (pos == in.size()) {
        out.result = out.in_multi ? AofReadResult::kTruncated : AofReadResult::kEnd;
        out.error_offset = static_cast<int64_t>(pos);
        return;
      }
      if (in[pos] == '#') {
        size_t limit = std::min(in.size(), pos + p::kAofAnnotationMaxLine);
        size_t nl = in.substr(0, limit).find('\n', pos);
        size_t end;
        if (nl != std::string_view::npos) {
          end = nl + 1;
        } else if (limit == pos + p::kAofAnnotationMaxLine) {
          end = limit;
        } else {
          Finish(Step::kTruncated);
          return;
        }
        int64_t ts;
        if (ModelTimestamp(in.substr(pos, end - pos), &ts)) {
          out.timestamps.push_back({.offset = static_cast<int64_t>(pos), .unix_seconds = ts});
        }
        pos = end;
        continue;
      }
      if (in[pos] != '*') return Finish(Bad(pos));
      int64_t argc;
      size_t q;
      Step s = Number(pos + 1, 1, INT32_MAX, &argc, &q);
      if (s != Step::kOk) return Finish(s);
      std::vector<std::string> args;
      for (int64_t k = 0; k < argc; ++k) {
        if (q == in.size()) return Finish(Step::kTruncated);
        if (in[q] != '$') return Finish(Bad(q));
        int64_t len;
        s = Number(q + 1, 0, INT64_MAX / 4, &len, &q);
        if (s != Step::kOk) return Finish(s);
        size_t end = q + static_cast<size_t>(len);
        if (in.size() <= end) return Finish(Step::kTruncated);
        if (in[end] != '\r') return Finish(Bad(end));
        if (in.size() == end + 1) return Finish(Step::kTruncated);
        if (in[end + 1] != '\n') return Finish(Bad(end + 1));
        args.emplace_back(in.substr(q, static_cast<size_t>(len)));
        q = end + 2;
      }
      std::string name = args[0];
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "multi") {
        out.in_multi = true;
        out.multi_offset = static_cast<int64_t>(pos);
      } else if (name == "exec") {
        out.in_multi = false;
      }
      out.commands.push_back(std::move(args));
      pos = q;
      out.valid_up_to = static_cast<int64_t>(pos);
      out.ends.push_back(out.valid_up_to);
    }
  }

  void Finish(Step s) {
    if (s == Step::kTruncated) {
      out.result = AofReadResult::kTruncated;
      out.partial_tail = true;
      out.error_offset = static_cast<int64_t>(in.size());
    } else {
      out.result = AofReadResult::kBadFormat;
      out.error_offset = static_cast<int64_t>(bad_at);
    }
  }
};

Outcome RunModel(std::string_view in, size_t start) {
  Model m{.in = in, .out = {}};
  m.Run(start);
  return m.out;
}

// --- The code under test.

Outcome Drain(AofReader reader, std::string_view input, bool views_in_input) {
  Outcome out;
  std::vector<std::string_view> args;
  int64_t prev_end = reader.valid_up_to();
  while (true) {
    AofReadResult r = reader.Next(&args);
    out.timestamps.insert(out.timestamps.end(), reader.timestamps().begin(),
                          reader.timestamps().end());
    if (r != AofReadResult::kCommand) {
      CHECK(args.empty());
      CHECK(reader.Next(&args) == r && reader.timestamps().empty());
      out.result = r;
      break;
    }
    CHECK(!args.empty());
    // The command is the canonical form of its arguments, at the end of what was read.
    std::string encoded;
    p::AppendAofCommand(&encoded, args);
    int64_t end = reader.valid_up_to();
    CHECK(end - prev_end >= static_cast<int64_t>(encoded.size()));
    CHECK(input.substr(static_cast<size_t>(end) - encoded.size(), encoded.size()) == encoded);
    for (std::string_view a : args) {
      if (views_in_input) {
        CHECK(a.data() >= input.data() && a.data() + a.size() <= input.data() + input.size());
      }
    }
    out.commands.emplace_back(args.begin(), args.end());
    out.ends.push_back(end);
    prev_end = end;
  }
  out.valid_up_to = reader.valid_up_to();
  out.error_offset = reader.error_offset();
  out.in_multi = reader.in_multi();
  out.multi_offset = reader.multi_offset();
  out.partial_tail = reader.partial_tail();
  CHECK(reader.read_error().ok());
  if (out.result == AofReadResult::kTruncated) {
    CHECK(out.partial_tail || out.in_multi);
    CHECK(reader.truncate_offset() ==
          (out.partial_tail ? out.valid_up_to : out.multi_offset));
  }
  return out;
}

class MemFd {
 public:
  explicit MemFd(std::string_view bytes) : fd_(memfd_create("aof_reader_fuzz", MFD_CLOEXEC)) {
    CHECK(fd_ >= 0);
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      CHECK(n > 0);
      done += static_cast<size_t>(n);
    }
  }
  ~MemFd() { ::close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

Outcome ReadBytes(std::string_view file, size_t start) {
  return Drain(AofReader::FromBytes(file, static_cast<int64_t>(start)), file, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr size_t kChunks[] = {1, 2, 3, 7, 16, 64, 1024, 64 * 1024};
  const size_t chunk = kChunks[data[0] & 7];
  std::string_view file(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t start = (data[0] & 8) ? data[1] : 0;

  Outcome want = RunModel(file, start);
  Outcome got = ReadBytes(file, start);
  CHECK(got == want);
  {
    MemFd mem(file);
    Outcome fd_got =
        Drain(AofReader::FromFd(mem.fd(), static_cast<int64_t>(start), chunk), file, false);
    CHECK(fd_got == want);
  }

  if (start > file.size()) return 0;
  if (want.result == AofReadResult::kBadFormat) {
    // error_offset is the first byte that breaks the format.
    CHECK(want.error_offset >= want.valid_up_to);
    size_t at = static_cast<size_t>(want.error_offset);
    Outcome before = ReadBytes(file.substr(0, at), start);
    CHECK(before.result == AofReadResult::kEnd || before.result == AofReadResult::kTruncated);
    CHECK(ReadBytes(file.substr(0, at + 1), start).result == AofReadResult::kBadFormat);
  } else {
    // Cut a readable file anywhere: a prefix of its commands, never a bad format.
    size_t cut = start + (data[1] * 131u + size) % (file.size() - start + 1);
    Outcome part = ReadBytes(file.substr(0, cut), start);
    CHECK(part.result != AofReadResult::kBadFormat);
    CHECK(part.commands.size() <= want.commands.size());
    CHECK(std::equal(part.commands.begin(), part.commands.end(), want.commands.begin()));
    size_t whole = 0;
    while (whole < want.ends.size() && want.ends[whole] <= static_cast<int64_t>(cut)) ++whole;
    CHECK(part.commands.size() == whole);
  }
  return 0;
}
