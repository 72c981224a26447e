// The manifest of Redis 7.0's multi-part AOF: which files in appenddirname make up the AOF
// (one BASE, then INCR files in order; HISTORY files wait for deletion), how the manifest is
// parsed and written, how the files are named, and the manifest's changes at each step of a
// rewrite. Pure functions: no I/O here (durable_file.h writes the manifest, aof_reader.h
// reads the files it names).
//
// A manifest as Redis writes it (base first, then history, then incr):
//   file appendonly.aof.2.base.rdb seq 2 type b
//   file appendonly.aof.1.incr.aof seq 1 type h
//   file appendonly.aof.2.incr.aof seq 2 type i
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cinnabar::persistence {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFile {
  std::string name;  // a file name inside appenddirname, never a path
  int64_t seq = 0;
  AofFileType type = AofFileType::kIncr;

  bool operator==(const AofFile&) const = default;
};

struct AofManifest {
  std::optional<AofFile> base;
  std::vector<AofFile> incrs;    // in load order, seqs increasing
  std::vector<AofFile> history;  // to be deleted
  int64_t curr_base_seq = 0;     // seq of the base (0 when none was ever named)
  int64_t curr_incr_seq = 0;     // seq of the last incr (0 when none)

  bool operator==(const AofManifest&) const = default;
};

// Redis's MANIFEST_MAX_LINE: a line (with its '\n') is at most this long.
constexpr size_t kManifestMaxLine = 1024;

// Where ParseManifest stopped, for Redis's "*** FATAL AOF MANIFEST FILE ERROR ***" report.
struct ManifestErrorLocation {
  int line = 0;           // 1-based; 0 when Redis names no line (empty, too long line)
  std::string line_text;  // the line without surrounding blanks, as Redis quotes it
};

// Parses a manifest's text with Redis 7.0's rules (aofLoadManifestFromFile): lines of
// "file <name> seq <n> type <b|h|i>" pairs, keys case-insensitive and in any order (unknown
// keys ignored, a repeated key's last value wins), names quoted as sdssplitargs takes them;
// '#' lines skipped. The error message is Redis's text exactly ("Invalid AOF manifest file
// format", "Found duplicate base file information", "Found a non-monotonic sequence number",
// "Unknown AOF file type", "File can't be a path, just a filename", "The AOF manifest file
// contains too long line", "Found an empty AOF manifest"); `where`, if given, is filled on
// error.
base::StatusOr<AofManifest> ParseManifest(std::string_view text,
                                          ManifestErrorLocation* where = nullptr);

// The manifest's text exactly as Redis writes it (getAofManifestAsString): base, history,
// incrs, one "file <name> seq <n> type <t>\n" line each, a name in sdscatrepr's quotes only
// when it holds a blank, a quote, a backslash or a non-printable byte.
std::string FormatManifest(const AofManifest& manifest);

// One manifest line (aofInfoFormat), with its '\n'.
std::string FormatManifestLine(const AofFile& file);

// --- Naming (appendfilename is the `appendfilename` directive, "appendonly.aof" by default;
// the files live in the directory `appenddirname` inside `dir`).

// "<appendfilename>.<seq>.base.rdb" with an RDB preamble, else "<appendfilename>.<seq>.base.aof".
std::string BaseFileName(std::string_view appendfilename, int64_t seq, bool rdb_preamble);
// "<appendfilename>.<seq>.incr.aof".
std::string IncrFileName(std::string_view appendfilename, int64_t seq);
// "<appendfilename>.manifest".
std::string ManifestFileName(std::string_view appendfilename);
// "temp-<appendfilename>.manifest": where the manifest is written before its rename.
std::string TempManifestFileName(std::string_view appendfilename);
// "temp-<appendfilename>.incr": the incr file written while AOF waits for its first rewrite.
std::string TempIncrFileName(std::string_view appendfilename);
// "<dir>/<name>", as Redis's makePath.
std::string MakePath(std::string_view dir, std::string_view name);

// --- The manifest's changes. Each edits `*m` in place; as Redis does, edit a copy, persist
// it, and only then replace the live manifest, so a failed write changes nothing.

// Redis's getNewIncrAofName: appends an incr file with the next incr seq and returns it.
// Used when AOF starts on an empty set of files and when a rewrite starts.
AofFile AddNewIncr(AofManifest* m, std::string_view appendfilename);

// Redis's getLastIncrAofName: the last incr file (to append to at start-up), a new one if
// there is none.
AofFile LastOrNewIncr(AofManifest* m, std::string_view appendfilename);

// Redis's getNewBaseFileNameAndMarkPreAsHistory: the old base (if any) becomes the first
// history file and a base with the next base seq takes its place; returns the new base.
AofFile AddNewBase(AofManifest* m, std::string_view appendfilename, bool rdb_preamble);

// Redis's markRewrittenIncrAofAsHistory: the incr files a finished rewrite covers become
// history, in order, ahead of the older history. With `aof_enabled` the last incr (the one
// being written, opened when the rewrite started) stays.
void MarkRewrittenIncrsAsHistory(AofManifest* m, bool aof_enabled);

// A rewrite finished (Redis's backgroundRewriteDoneHandler, its manifest part): AddNewBase
// then MarkRewrittenIncrsAsHistory. Returns the new base, which the rewritten file is
// renamed to. (When AOF was waiting for this rewrite to turn on, first AddNewBase, then
// AddNewIncr for the temp incr file's new name, then MarkRewrittenIncrsAsHistory with
// aof_enabled: the caller runs the steps itself.)
AofFile FinishRewrite(AofManifest* m, std::string_view appendfilename, bool rdb_preamble,
                      bool aof_enabled);

// Redis's aofDelHistoryFiles, its manifest part: empties the history list and returns the
// files to unlink.
std::vector<AofFile> TakeHistory(AofManifest* m);

// Redis's aofUpgradePrepare, its manifest part: an old-style single AOF file named
// `appendfilename` becomes the base (seq 1), as when it is moved into appenddirname.
void AdoptOldStyleAof(AofManifest* m, std::string_view appendfilename);

// Number of files a load reads: the base (if any) and the incrs.
inline size_t LoadedFileCount(const AofManifest& m) {
  return (m.base ? 1 : 0) + m.incrs.size();
}

}  // namespace cinnabar::persistence
