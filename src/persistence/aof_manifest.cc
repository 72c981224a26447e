#include "persistence/aof_manifest.h"

#include <cctype>
#include <climits>
#include <cstdio>

#include "base/string_util.h"
#include "protocol/split_args.h"

namespace cinnabar::persistence {
namespace {

constexpr std::string_view kBaseSuffix = ".base";
constexpr std::string_view kIncrSuffix = ".incr";
constexpr std::string_view kRdbSuffix = ".rdb";
constexpr std::string_view kAofSuffix = ".aof";
constexpr std::string_view kManifestSuffix = ".manifest";
constexpr std::string_view kTempPrefix = "temp-";

// Redis's error texts (aofLoadManifestFromFile).
constexpr std::string_view kErrEmpty = "Found an empty AOF manifest";
constexpr std::string_view kErrTooLong = "The AOF manifest file contains too long line";
constexpr std::string_view kErrFormat = "Invalid AOF manifest file format";
constexpr std::string_view kErrPath = "File can't be a path, just a filename";
constexpr std::string_view kErrDuplicateBase = "Found duplicate base file information";
constexpr std::string_view kErrNonMonotonic = "Found a non-monotonic sequence number";
constexpr std::string_view kErrUnknownType = "Unknown AOF file type";

// The bytes a C function would see: up to the first NUL.
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

// sdstrim(line, " \t\r\n").
std::string_view Trim(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r\n";
  size_t b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kBlanks) - b + 1);
}

// Redis compat: the seq is read with atoll (glibc's strtoll): leading blanks, a sign, then
// digits up to the first other byte; out of range saturates. "5abc" is 5, "abc" is 0.
int64_t Atoll(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  // Accumulate as a negative number, whose range is the larger.
  int64_t v = 0;
  bool overflow = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    int digit = s[i] - '0';
    if (v < (INT64_MIN + digit) / 10) {
      overflow = true;
    } else {
      v = v * 10 - digit;
    }
  }
  if (overflow) return negative ? INT64_MIN : INT64_MAX;
  if (negative) return v;
  return v == INT64_MIN ? INT64_MAX : -v;
}

bool IsBaseName(std::string_view name) {
  return name.find('/') == std::string_view::npos && name.find('\\') == std::string_view::npos;
}

// Reads one manifest line's file into `*file`; returns the error that ends the parse, or
// an empty text.
std::string_view ParseFileLine(std::string_view line, std::vector<std::string>* argv,
                               AofFile* file) {
  // Redis compat: 'argc < 6' leaves room for keys a later version may add; an odd count
  // (a key without its value) is refused.
  if (!protocol::SplitArgs(line, argv) || argv->size() < 6 || argv->size() % 2 != 0) {
    return kErrFormat;
  }
  std::optional<std::string> name;
  int64_t seq = 0;
  char type = '\0';
  for (size_t i = 0; i < argv->size(); i += 2) {
    std::string_view key = CString((*argv)[i]);
    std::string_view value = (*argv)[i + 1];
    if (base::EqualsIgnoreCase(key, "file")) {
      // Redis compat: the name is copied as a C string, so it ends at a NUL byte.
      name = std::string(CString(value));
      if (!IsBaseName(*name)) return kErrPath;
    } else if (base::EqualsIgnoreCase(key, "seq")) {
      seq = Atoll(CString(value));
    } else if (base::EqualsIgnoreCase(key, "type")) {
      type = value.empty() ? '\0' : value[0];  // Redis compat: only the first byte counts
    }
  }
  // Redis compat: seq 0 counts as missing; a negative seq is taken as given.
  if (!name || seq == 0 || type == '\0') return kErrFormat;
  *file = {.name = std::move(*name), .seq = seq, .type = static_cast<AofFileType>(type)};
  return {};
}

// Adds `file` to `*m`, or says why it cannot be added.
std::string_view AddParsedFile(AofFile file, int64_t* max_incr_seq, AofManifest* m) {
  switch (file.type) {
    case AofFileType::kBase:
      if (m->base) return kErrDuplicateBase;
      m->curr_base_seq = file.seq;
      m->base = std::move(file);
      return {};
    case AofFileType::kHistory:
      m->history.push_back(std::move(file));
      return {};
    case AofFileType::kIncr:
      if (file.seq <= *max_incr_seq) return kErrNonMonotonic;
      *max_incr_seq = m->curr_incr_seq = file.seq;
      m->incrs.push_back(std::move(file));
      return {};
  }
  return kErrUnknownType;
}

base::Status Fail(std::string_view error, int line, std::string_view text,
                  ManifestErrorLocation* where) {
  if (where) {
    where->line = line;
    where->line_text = std::string(text);
  }
  return base::Status::Error(std::string(error));
}

// sdsneedsrepr: bytes sdssplitargs would not give back unquoted.
bool NeedsRepr(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '\\' || c == '"' || !std::isprint(c) || std::isspace(c)) return true;
  }
  return false;
}

// Redis compat: sequence numbers are incremented as C's long long, which in practice wraps
// at the top (a manifest naming seq 9223372036854775807 is the only way there).
int64_t NextSeq(int64_t seq) {
  return static_cast<int64_t>(static_cast<uint64_t>(seq) + 1);
}

std::string NumberedName(std::string_view appendfilename, int64_t seq, std::string_view kind,
                         std::string_view format) {
  std::string name(appendfilename);
  name += '.';
  name += base::Int64ToString(seq);
  name += kind;
  name += format;
  return name;
}

}  // namespace

base::StatusOr<AofManifest> ParseManifest(std::string_view text, ManifestErrorLocation* where) {
  AofManifest m;
  int64_t max_incr_seq = 0;
  int line_no = 0;
  std::vector<std::string> argv;
  size_t pos = 0;
  while (pos < text.size()) {
    // Redis compat: lines are read with fgets into a buffer of MANIFEST_MAX_LINE+1 bytes, so
    // a "line" ends after its '\n' or after 1024 bytes; the rest of a longer comment line
    // is read as a line of its own.
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    if (end - pos > kManifestMaxLine) end = pos + kManifestMaxLine;
    std::string_view chunk = text.substr(pos, end - pos);
    pos = end;
    ++line_no;
    if (chunk[0] == '#') continue;
    // Redis compat: C string functions look at the line, so a NUL byte hides its '\n' (and
    // a last line without one is "too long" too).
    std::string_view c_line = CString(chunk);
    if (c_line.find('\n') == std::string_view::npos) return Fail(kErrTooLong, 0, {}, where);
    std::string_view line = Trim(c_line);
    if (line.empty()) return Fail(kErrFormat, line_no, line, where);
    AofFile file;
    std::string_view error = ParseFileLine(line, &argv, &file);
    if (error.empty()) error = AddParsedFile(std::move(file), &max_incr_seq, &m);
    if (!error.empty()) return Fail(error, line_no, line, where);
  }
  if (line_no == 0) return Fail(kErrEmpty, 0, {}, where);
  return m;
}

std::string FormatManifestLine(const AofFile& file) {
  std::string out = "file ";
  if (NeedsRepr(file.name)) {
    base::AppendRepr(&out, file.name);
  } else {
    out += file.name;
  }
  out += " seq ";
  out += base::Int64ToString(file.seq);
  out += " type ";
  out += static_cast<char>(file.type);
  out += '\n';
  return out;
}

std::string FormatManifest(const AofManifest& manifest) {
  std::string out;
  if (manifest.base) out += FormatManifestLine(*manifest.base);
  for (const AofFile& f : manifest.history) out += FormatManifestLine(f);
  for (const AofFile& f : manifest.incrs) out += FormatManifestLine(f);
  return out;
}

std::string BaseFileName(std::string_view appendfilename, int64_t seq, bool rdb_preamble) {
  return NumberedName(appendfilename, seq, kBaseSuffix, rdb_preamble ? kRdbSuffix : kAofSuffix);
}

std::string IncrFileName(std::string_view appendfilename, int64_t seq) {
  return NumberedName(appendfilename, seq, kIncrSuffix, kAofSuffix);
}

std::string ManifestFileName(std::string_view appendfilename) {
  return std::string(appendfilename) + std::string(kManifestSuffix);
}

std::string TempManifestFileName(std::string_view appendfilename) {
  return std::string(kTempPrefix) + ManifestFileName(appendfilename);
}

std::string TempIncrFileName(std::string_view appendfilename) {
  return std::string(kTempPrefix) + std::string(appendfilename) + std::string(kIncrSuffix);
}

std::string MakePath(std::string_view dir, std::string_view name) {
  std::string path(dir);
  path += '/';
  path += name;
  return path;
}

AofFile AddNewIncr(AofManifest* m, std::string_view appendfilename) {
  m->curr_incr_seq = NextSeq(m->curr_incr_seq);
  m->incrs.push_back({.name = IncrFileName(appendfilename, m->curr_incr_seq),
                      .seq = m->curr_incr_seq,
                      .type = AofFileType::kIncr});
  return m->incrs.back();
}

AofFile LastOrNewIncr(AofManifest* m, std::string_view appendfilename) {
  if (m->incrs.empty()) return AddNewIncr(m, appendfilename);
  return m->incrs.back();
}

AofFile AddNewBase(AofManifest* m, std::string_view appendfilename, bool rdb_preamble) {
  if (m->base) {
    m->base->type = AofFileType::kHistory;
    m->history.insert(m->history.begin(), std::move(*m->base));
  }
  m->curr_base_seq = NextSeq(m->curr_base_seq);
  m->base = AofFile{.name = BaseFileName(appendfilename, m->curr_base_seq, rdb_preamble),
                    .seq = m->curr_base_seq,
                    .type = AofFileType::kBase};
  return *m->base;
}

void MarkRewrittenIncrsAsHistory(AofManifest* m, bool aof_enabled) {
  size_t covered = m->incrs.size();
  if (aof_enabled && covered > 0) --covered;  // the incr being written stays
  for (size_t i = 0; i < covered; ++i) m->incrs[i].type = AofFileType::kHistory;
  m->history.insert(m->history.begin(), std::make_move_iterator(m->incrs.begin()),
                    std::make_move_iterator(m->incrs.begin() + static_cast<ptrdiff_t>(covered)));
  m->incrs.erase(m->incrs.begin(), m->incrs.begin() + static_cast<ptrdiff_t>(covered));
}

AofFile FinishRewrite(AofManifest* m, std::string_view appendfilename, bool rdb_preamble,
                      bool aof_enabled) {
  AofFile base = AddNewBase(m, appendfilename, rdb_preamble);
  MarkRewrittenIncrsAsHistory(m, aof_enabled);
  return base;
}

std::vector<AofFile> TakeHistory(AofManifest* m) {
  std::vector<AofFile> out = std::move(m->history);
  m->history.clear();
  return out;
}

void AdoptOldStyleAof(AofManifest* m, std::string_view appendfilename) {
  m->base = AofFile{.name = std::string(appendfilename), .seq = 1, .type = AofFileType::kBase};
  m->curr_base_seq = 1;
}

}  // namespace cinnabar::persistence
