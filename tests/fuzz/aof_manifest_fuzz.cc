// libFuzzer target for the AOF manifest (persistence/aof_manifest.h).
//
// The input is a manifest's text. The harness parses it with ParseManifest and with a model
// of Redis 7.0's aofLoadManifestFromFile written here from Redis's rules, over C strings as
// Redis reads them (fgets into a 1025-byte buffer, strchr, sdstrim, sdssplitargs, strcasecmp,
// atoll), and checks:
//   - the same outcome: the same manifest, or the same error text, line and line text;
//   - FormatManifest's text parses back to the same manifest whenever Redis could read it
//     (every line within 1024 bytes, no seq 0, incr seqs rising), and formats the same again;
//   - the rewrite steps (a new incr, a finished rewrite with AOF on or off, the history
//     taken) change the lists as Redis's getNewIncrAofName, getNewBaseFileNameAndMarkPreAsHistory
//     and markRewrittenIncrAofAsHistory do, and what they leave formats and parses back too.

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "persistence/aof_manifest.h"

namespace {

using cinnabar::persistence::AofFile;
using cinnabar::persistence::AofFileType;
using cinnabar::persistence::AofManifest;
using cinnabar::persistence::ManifestErrorLocation;
namespace p = cinnabar::persistence;

constexpr const char* kFuzzTarget = "aof_manifest_fuzz";

struct Outcome {
  std::optional<AofManifest> manifest;
  std::string error;
  int line = 0;
  std::string line_text;
};

// --- The model: Redis's code paths over C strings.

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
int HexValue(char c) {
  return c <= '9' ? c - '0' : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

// sdssplitargs over a C string; false on unbalanced quotes.
bool SplitArgs(const char* p, std::vector<std::string>* out) {
  out->clear();
  while (true) {
    while (*p && std::isspace(static_cast<unsigned char>(*p))) ++p;
    if (!*p) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (p[0] == '\\' && p[1] == 'x' && IsHex(p[2]) && IsHex(p[3])) {
          cur.push_back(static_cast<char>(HexValue(p[2]) * 16 + HexValue(p[3])));
          p += 3;
        } else if (p[0] == '\\' && p[1]) {
          ++p;
          char c = *p;
          cur.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t'
                        : c == 'b' ? '\b' : c == 'a' ? '\a' : c);
        } else if (*p == '"') {
          if (p[1] && !std::isspace(static_cast<unsigned char>(p[1]))) return false;
          done = true;
        } else if (!*p) {
          return false;
        } else {
          cur.push_back(*p);
        }
      } else if (insq) {
        if (p[0] == '\\' && p[1] == '\'') {
          ++p;
          cur.push_back('\'');
        } else if (*p == '\'') {
          if (p[1] && !std::isspace(static_cast<unsigned char>(p[1]))) return false;
          done = true;
        } else if (!*p) {
          return false;
        } else {
          cur.push_back(*p);
        }
      } else {
        switch (*p) {
          case ' ': case '\n': case '\r': case '\t': case '\0':
            done = true;
            break;
          case '"': inq = true; break;
          case '\'': insq = true; break;
          default: cur.push_back(*p); break;
        }
      }
      if (*p) ++p;
    }
    out->push_back(std::move(cur));
  }
}

// sdstrim(s, " \t\r\n") on a C string.
std::string TrimC(const char* s) {
  const char* b = s;
  const char* e = s + std::strlen(s);
  while (b < e && std::strchr(" \t\r\n", *b)) ++b;
  while (e > b && std::strchr(" \t\r\n", e[-1])) --e;
  return std::string(b, e);
}

Outcome ModelFail(const char* error, int line, const std::string* text) {
  Outcome o;
  o.error = error;
  if (text) {
    o.line = line;
    o.line_text = *text;
  }
  return o;
}

Outcome Model(std::string_view input) {
  AofManifest m;
  long long maxseq = 0;
  int linenum = 0;
  size_t pos = 0;
  char buf[1024 + 1];
  std::vector<std::string> argv;
  while (true) {
    // fgets(buf, 1025, fp)
    if (pos == input.size()) {
      if (linenum == 0) return ModelFail("Found an empty AOF manifest", 0, nullptr);
      break;
    }
    size_t n = 0;
    while (n < 1024 && pos < input.size()) {
      buf[n++] = input[pos++];
      if (buf[n - 1] == '\n') break;
    }
    buf[n] = '\0';
    ++linenum;
    if (buf[0] == '#') continue;
    if (std::strchr(buf, '\n') == nullptr) {
      return ModelFail("The AOF manifest file contains too long line", 0, nullptr);
    }
    std::string line = TrimC(buf);
    if (line.empty()) return ModelFail("Invalid AOF manifest file format", linenum, &line);
    if (!SplitArgs(line.c_str(), &argv) || argv.size() < 6 || argv.size() % 2 != 0) {
      return ModelFail("Invalid AOF manifest file format", linenum, &line);
    }
    std::optional<std::string> name;
    long long seq = 0;
    char type = 0;
    for (size_t i = 0; i < argv.size(); i += 2) {
      const char* key = argv[i].c_str();
      const char* value = argv[i + 1].c_str();
      if (!strcasecmp(key, "file")) {
        name = std::string(value);  // sdsnew(): up to the NUL
        if (std::strchr(value, '/') || std::strchr(value, '\\')) {
          return ModelFail("File can't be a path, just a filename", linenum, &line);
        }
      } else if (!strcasecmp(key, "seq")) {
        seq = std::atoll(value);
      } else if (!strcasecmp(key, "type")) {
        type = value[0];
      }
    }
    if (!name || !seq || !type) return ModelFail("Invalid AOF manifest file format", linenum, &line);
    AofFile f{.name = *name, .seq = seq, .type = static_cast<AofFileType>(type)};
    if (type == 'b') {
      if (m.base) return ModelFail("Found duplicate base file information", linenum, &line);
      m.base = f;
      m.curr_base_seq = seq;
    } else if (type == 'h') {
      m.history.push_back(f);
    } else if (type == 'i') {
      if (seq <= maxseq) return ModelFail("Found a non-monotonic sequence number", linenum, &line);
      m.incrs.push_back(f);
      m.curr_incr_seq = maxseq = seq;
    } else {
      return ModelFail("Unknown AOF file type", linenum, &line);
    }
  }
  Outcome o;
  o.manifest = m;
  return o;
}

// --- The code under test.

Outcome Parse(std::string_view text) {
  Outcome o;
  ManifestErrorLocation where;
  cinnabar::base::StatusOr<AofManifest> m = p::ParseManifest(text, &where);
  if (m.ok()) {
    o.manifest = *m;
  } else {
    o.error = m.status().message();
    o.line = where.line;
    o.line_text = where.line_text;
  }
  return o;
}

void CheckSame(const Outcome& got, const Outcome& want) {
  CHECK(got.manifest.has_value() == want.manifest.has_value());
  if (want.manifest) {
    CHECK(*got.manifest == *want.manifest);
  } else {
    CHECK(got.error == want.error);
    CHECK(got.line == want.line);
    CHECK(got.line_text == want.line_text);
  }
}

std::vector<AofFile> AllFiles(const AofManifest& m) {
  std::vector<AofFile> all;
  if (m.base) all.push_back(*m.base);
  all.insert(all.end(), m.history.begin(), m.history.end());
  all.insert(all.end(), m.incrs.begin(), m.incrs.end());
  return all;
}

// Whether Redis could read back what FormatManifest writes for `m`.
bool Readable(const AofManifest& m) {
  std::vector<AofFile> all = AllFiles(m);
  if (all.empty()) return false;  // an empty text is "Found an empty AOF manifest"
  for (const AofFile& f : all) {
    if (f.seq == 0 || p::FormatManifestLine(f).size() > p::kManifestMaxLine) return false;
    if (f.name.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) return false;
    // Redis compat: sdsneedsrepr quotes neither an empty name nor a single quote, and
    // sdssplitargs reads neither back.
    if (f.name.empty()) return false;
    bool quoted = p::FormatManifestLine(f).starts_with("file \"");
    if (!quoted && f.name.find('\'') != std::string::npos) return false;
  }
  for (size_t i = 0; i < m.incrs.size(); ++i) {
    if (m.incrs[i].seq <= (i == 0 ? 0 : m.incrs[i - 1].seq)) return false;
  }
  return true;
}

// Formats `m`, reads it back with both parsers, and wants `m` again when Redis could read it.
void CheckRoundTrip(const AofManifest& m) {
  std::string text = p::FormatManifest(m);
  Outcome back = Parse(text);
  CheckSame(back, Model(text));
  if (Readable(m)) {
    CHECK(back.manifest.has_value());
    // The seqs to go on from are the base's and the last incr's.
    AofManifest want = m;
    want.curr_base_seq = m.base ? m.base->seq : 0;
    want.curr_incr_seq = m.incrs.empty() ? 0 : m.incrs.back().seq;
    CHECK(*back.manifest == want);
    CHECK(p::FormatManifest(*back.manifest) == text);
  }
}

int64_t Next(int64_t seq) { return static_cast<int64_t>(static_cast<uint64_t>(seq) + 1); }

void CheckTypes(const AofManifest& m) {
  if (m.base) CHECK(m.base->type == AofFileType::kBase);
  for (const AofFile& f : m.history) CHECK(f.type == AofFileType::kHistory);
  for (const AofFile& f : m.incrs) CHECK(f.type == AofFileType::kIncr);
}

// The rewrite steps, against Redis's list operations written out here.
void CheckRewriteSteps(const AofManifest& parsed, bool aof_enabled, bool rdb_preamble) {
  constexpr std::string_view kName = "appendonly.aof";
  AofManifest m = parsed;

  AofFile incr = p::AddNewIncr(&m, kName);
  CHECK(incr.seq == Next(parsed.curr_incr_seq) && m.curr_incr_seq == incr.seq);
  CHECK(incr.name == "appendonly.aof." + std::to_string(incr.seq) + ".incr.aof");
  CHECK(m.incrs.size() == parsed.incrs.size() + 1 && m.incrs.back() == incr);
  CHECK(p::LastOrNewIncr(&m, kName) == incr);
  const AofManifest started = m;

  AofFile base = p::FinishRewrite(&m, kName, rdb_preamble, aof_enabled);
  CHECK(base.seq == Next(started.curr_base_seq) && m.curr_base_seq == base.seq);
  CHECK(base.name == "appendonly.aof." + std::to_string(base.seq) + ".base." +
                         (rdb_preamble ? "rdb" : "aof"));
  CHECK(m.base && *m.base == base);
  size_t covered = aof_enabled ? started.incrs.size() - 1 : started.incrs.size();
  std::vector<AofFile> history;
  for (size_t i = 0; i < covered; ++i) {
    AofFile h = started.incrs[i];
    h.type = AofFileType::kHistory;
    history.push_back(h);
  }
  if (started.base) {
    AofFile h = *started.base;
    h.type = AofFileType::kHistory;
    history.push_back(h);
  }
  history.insert(history.end(), started.history.begin(), started.history.end());
  CHECK(m.history == history);
  CHECK(m.incrs == std::vector<AofFile>(started.incrs.begin() + covered, started.incrs.end()));
  CHECK(m.curr_incr_seq == started.curr_incr_seq);
  CheckTypes(m);
  CheckRoundTrip(m);

  std::vector<AofFile> taken = p::TakeHistory(&m);
  CHECK(taken == history && m.history.empty());
  CheckRoundTrip(m);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Outcome got = Parse(text);
  CheckSame(got, Model(text));
  if (!got.manifest) return 0;
  CheckTypes(*got.manifest);
  CheckRoundTrip(*got.manifest);
  // Which steps to take: from the input, so a crash replays.
  uint8_t mix = size > 0 ? data[size - 1] ^ data[size / 2] : 0;
  CheckRewriteSteps(*got.manifest, mix & 1, mix & 2);
  return 0;
}
