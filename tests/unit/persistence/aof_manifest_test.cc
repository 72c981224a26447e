#include "persistence/aof_manifest.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

namespace cinnabar::persistence {
namespace {

// Written by Debian's redis-server 7.0.15 (aof-disable-auto-gc yes) after two BGREWRITEAOFs.
constexpr std::string_view kTwoRewrites =
    "file appendonly.aof.3.base.rdb seq 3 type b\n"
    "file appendonly.aof.2.incr.aof seq 2 type h\n"
    "file appendonly.aof.2.base.rdb seq 2 type h\n"
    "file appendonly.aof.1.incr.aof seq 1 type h\n"
    "file appendonly.aof.1.base.rdb seq 1 type h\n"
    "file appendonly.aof.3.incr.aof seq 3 type i\n";
// The same server with two rewrites that failed (their children killed).
constexpr std::string_view kTwoFailedRewrites =
    "file appendonly.aof.1.base.rdb seq 1 type b\n"
    "file appendonly.aof.1.incr.aof seq 1 type i\n"
    "file appendonly.aof.2.incr.aof seq 2 type i\n"
    "file appendonly.aof.3.incr.aof seq 3 type i\n";
// appendfilename "my file.aof", aof-use-rdb-preamble no, after one rewrite.
constexpr std::string_view kQuotedNames =
    "file \"my file.aof.2.base.aof\" seq 2 type b\n"
    "file \"my file.aof.2.incr.aof\" seq 2 type i\n";

AofFile File(std::string name, int64_t seq, AofFileType type) {
  return {.name = std::move(name), .seq = seq, .type = type};
}

AofManifest MustParse(std::string_view text) {
  base::StatusOr<AofManifest> m = ParseManifest(text);
  EXPECT_TRUE(m.ok()) << m.status().message() << " parsing: " << text;
  return m.ok() ? *m : AofManifest{};
}

// The error text, and the line Redis's report names ("" when none).
std::string ErrorOf(std::string_view text, int* line = nullptr, std::string* line_text = nullptr) {
  ManifestErrorLocation where;
  base::StatusOr<AofManifest> m = ParseManifest(text, &where);
  if (m.ok()) return "OK";
  if (line) *line = where.line;
  if (line_text) *line_text = where.line_text;
  return m.status().message();
}

TEST(AofManifest, ParsesWhatRedisWrote) {
  AofManifest m = MustParse(kTwoRewrites);
  ASSERT_TRUE(m.base);
  EXPECT_EQ(*m.base, File("appendonly.aof.3.base.rdb", 3, AofFileType::kBase));
  ASSERT_EQ(m.history.size(), 4u);
  EXPECT_EQ(m.history[0], File("appendonly.aof.2.incr.aof", 2, AofFileType::kHistory));
  EXPECT_EQ(m.history[3], File("appendonly.aof.1.base.rdb", 1, AofFileType::kHistory));
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0], File("appendonly.aof.3.incr.aof", 3, AofFileType::kIncr));
  EXPECT_EQ(m.curr_base_seq, 3);
  EXPECT_EQ(m.curr_incr_seq, 3);
  EXPECT_EQ(LoadedFileCount(m), 2u);

  AofManifest quoted = MustParse(kQuotedNames);
  ASSERT_TRUE(quoted.base);
  EXPECT_EQ(quoted.base->name, "my file.aof.2.base.aof");
  EXPECT_EQ(quoted.incrs.at(0).name, "my file.aof.2.incr.aof");
}

TEST(AofManifest, FormatsExactlyAsRedis) {
  for (std::string_view text : {kTwoRewrites, kTwoFailedRewrites, kQuotedNames}) {
    EXPECT_EQ(FormatManifest(MustParse(text)), text);
  }
}

TEST(AofManifest, FormatOrderIsBaseHistoryIncr) {
  AofManifest m = MustParse(
      "file i1 seq 1 type i\n"
      "file h1 seq 1 type h\n"
      "file b2 seq 2 type b\n"
      "file i2 seq 2 type i\n");
  EXPECT_EQ(FormatManifest(m),
            "file b2 seq 2 type b\n"
            "file h1 seq 1 type h\n"
            "file i1 seq 1 type i\n"
            "file i2 seq 2 type i\n");
  EXPECT_EQ(FormatManifest(AofManifest{}), "");
}

TEST(AofManifest, KeysInAnyOrderAnyCaseUnknownOnesIgnored) {
  AofManifest m = MustParse(
      "type b seq 7 file base.rdb\n"
      "SEQ 8 FILE incr.aof Type i color blue\n"
      "file a seq 1 type h file b\n");  // a repeated key: the last value wins
  ASSERT_TRUE(m.base);
  EXPECT_EQ(*m.base, File("base.rdb", 7, AofFileType::kBase));
  EXPECT_EQ(m.incrs.at(0), File("incr.aof", 8, AofFileType::kIncr));
  EXPECT_EQ(m.history.at(0).name, "b");
}

TEST(AofManifest, CommentsBlanksAndLineEndings) {
  AofManifest m = MustParse(
      "# written by hand\n"
      "  \tfile a seq 1 type b \t\r\n"
      "#\n"
      "file\tb\tseq\t2\ttype\ti\r\n");
  EXPECT_EQ(m.base->name, "a");
  EXPECT_EQ(m.incrs.at(0).name, "b");
  // Only comments: no files, not an error (Redis counts the comment lines as lines).
  EXPECT_EQ(MustParse("# nothing yet\n"), AofManifest{});
  // A comment line needs no '\n' at the end of the file.
  EXPECT_EQ(MustParse("file a seq 1 type b\n# end").base->name, "a");
}

TEST(AofManifest, QuotedNamesAsSdssplitargs) {
  EXPECT_EQ(MustParse("file \"a\\x41\\tb\" seq 1 type b\n").base->name, "aA\tb");
  EXPECT_EQ(MustParse("file 'it\\'s' seq 1 type b\n").base->name, "it's");
  EXPECT_EQ(MustParse("file \"\" seq 1 type b\n").base->name, "");
  // Redis compat: the name is a C string, it ends at a NUL.
  EXPECT_EQ(MustParse("file \"ab\\x00cd\" seq 1 type b\n").base->name, "ab");
  // Bytes above 127 need no quotes.
  EXPECT_EQ(MustParse("file n\x80 seq 1 type b\n").base->name, "n\x80");
}

TEST(AofManifest, SeqAndTypeReadAsRedisDoes) {
  // atoll: digits up to the first other byte, a sign, blanks before; saturating.
  EXPECT_EQ(MustParse("file a seq 5abc type b\n").base->seq, 5);
  EXPECT_EQ(MustParse("file a seq \" 6\" type b\n").base->seq, 6);
  EXPECT_EQ(MustParse("file a seq +4 type b\n").base->seq, 4);
  EXPECT_EQ(MustParse("file a seq -3 type b\n").base->seq, -3);
  EXPECT_EQ(MustParse("file a seq 99999999999999999999 type b\n").base->seq, INT64_MAX);
  EXPECT_EQ(MustParse("file a seq -99999999999999999999 type h\n").history.at(0).seq, INT64_MIN);
  // Only the type's first byte counts.
  EXPECT_TRUE(MustParse("file a seq 1 type base\n").base);
  EXPECT_EQ(MustParse("file a seq 1 type incr\n").incrs.size(), 1u);
  EXPECT_EQ(MustParse("file a seq 1 type history\n").history.size(), 1u);
}

TEST(AofManifest, EveryError) {
  int line = -1;
  std::string text;
  EXPECT_EQ(ErrorOf("", &line), "Found an empty AOF manifest");
  EXPECT_EQ(line, 0);

  EXPECT_EQ(ErrorOf("file a seq 1 type b\n\nfile b seq 1 type i\n", &line, &text),
            "Invalid AOF manifest file format");
  EXPECT_EQ(line, 2);
  EXPECT_EQ(text, "");
  EXPECT_EQ(ErrorOf(" \t \n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf("file a seq 1\n"), "Invalid AOF manifest file format");           // < 6
  EXPECT_EQ(ErrorOf("file a seq 1 type b x\n"), "Invalid AOF manifest file format");  // odd
  EXPECT_EQ(ErrorOf("file \"a seq 1 type b\n"), "Invalid AOF manifest file format");  // quote
  EXPECT_EQ(ErrorOf("file \"a\"b seq 1 type b\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf("name a seq 1 type b\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf("file a seq 0 type b\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf("file a seq x type b\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf("file a seq 1 type \"\"\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf("file a seq 1 kind b color x\n"), "Invalid AOF manifest file format");

  EXPECT_EQ(ErrorOf("file a seq 1 type b\n  file b seq 2 type b  \n", &line, &text),
            "Found duplicate base file information");
  EXPECT_EQ(line, 2);
  EXPECT_EQ(text, "file b seq 2 type b");  // without its blanks, as Redis quotes it

  EXPECT_EQ(ErrorOf("file a seq 2 type i\nfile b seq 2 type i\n", &line),
            "Found a non-monotonic sequence number");
  EXPECT_EQ(line, 2);
  EXPECT_EQ(ErrorOf("file a seq 2 type i\nfile b seq 1 type i\n"),
            "Found a non-monotonic sequence number");
  EXPECT_EQ(ErrorOf("file a seq -1 type i\n"), "Found a non-monotonic sequence number");

  EXPECT_EQ(ErrorOf("file a seq 1 type x\n"), "Unknown AOF file type");
  EXPECT_EQ(ErrorOf("file a seq 1 type B\n"), "Unknown AOF file type");

  EXPECT_EQ(ErrorOf("file dir/a seq 1 type b\n", &line), "File can't be a path, just a filename");
  EXPECT_EQ(line, 1);
  EXPECT_EQ(ErrorOf("file a\\\\b seq 1 type b\n"), "File can't be a path, just a filename");
  // Checked as the key is met: a later good name does not help.
  EXPECT_EQ(ErrorOf("file a/b seq 1 type b file c\n"), "File can't be a path, just a filename");
}

TEST(AofManifest, LineLengthLimit) {
  // 1024 bytes with the '\n' fit; one more does not.
  std::string prefix = "file ";
  std::string suffix = " seq 1 type b\n";
  std::string fits = prefix + std::string(kManifestMaxLine - prefix.size() - suffix.size(), 'n');
  EXPECT_EQ(ErrorOf(fits + suffix), "OK");
  int line = -1;
  EXPECT_EQ(ErrorOf(fits + "n" + suffix, &line), "The AOF manifest file contains too long line");
  EXPECT_EQ(line, 0);  // Redis names no line for it
  // A last line without '\n' is "too long" too (Redis checks for the '\n').
  EXPECT_EQ(ErrorOf("file a seq 1 type b"), "The AOF manifest file contains too long line");
  // A NUL byte hides the '\n' from Redis's strchr.
  EXPECT_EQ(ErrorOf(std::string("file a seq 1 type b\0\n", 21)),
            "The AOF manifest file contains too long line");
  // A long comment is read 1024 bytes at a time: its rest is a line of its own.
  std::string comment = "#" + std::string(kManifestMaxLine, 'c');
  EXPECT_EQ(ErrorOf(comment + "\nfile a seq 1 type b\n", &line),
            "Invalid AOF manifest file format");
  EXPECT_EQ(line, 2);
  EXPECT_EQ(ErrorOf("#" + std::string(kManifestMaxLine - 2, 'c') + "\nfile a seq 1 type b\n"),
            "OK");
}

TEST(AofManifest, NamesQuotedOnlyWhenNeeded) {
  auto line_for = [](std::string name) {
    return FormatManifestLine(File(std::move(name), 1, AofFileType::kIncr));
  };
  EXPECT_EQ(line_for("appendonly.aof.1.incr.aof"), "file appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_EQ(line_for("my file"), "file \"my file\" seq 1 type i\n");
  EXPECT_EQ(line_for("q\"b\\"), "file \"q\\\"b\\\\\" seq 1 type i\n");
  EXPECT_EQ(line_for("a\nb\r\t\a\b"), "file \"a\\nb\\r\\t\\a\\b\" seq 1 type i\n");
  EXPECT_EQ(line_for("\x01\x7f\x80\xff"), "file \"\\x01\\x7f\\x80\\xff\" seq 1 type i\n");
  EXPECT_EQ(line_for("v\vf\f"), "file \"v\\x0bf\\x0c\" seq 1 type i\n");
  EXPECT_EQ(line_for("it's"), "file it's seq 1 type i\n");
  EXPECT_EQ(line_for(""), "file  seq 1 type i\n");  // as Redis: an empty name is not quoted
  // Every quoted form reads back.
  for (std::string name : {"my file", "q\"b", "a\nb\r\t\a\b", "\x01\x7f\x80\xff", "v\vf\f"}) {
    AofManifest m = MustParse(line_for(name));
    EXPECT_EQ(m.incrs.at(0).name, name);
  }
  // Redis compat: sdsneedsrepr quotes neither an empty name nor one with a single quote, and
  // sdssplitargs reads neither back (a name with a backslash is refused as a path anyway).
  EXPECT_EQ(ErrorOf(line_for("")), "Invalid AOF manifest file format");
  EXPECT_EQ(ErrorOf(line_for("it's")), "Invalid AOF manifest file format");
  EXPECT_EQ(MustParse(line_for("'q'")).incrs.at(0).name, "q");
}

TEST(AofManifest, Naming) {
  EXPECT_EQ(BaseFileName("appendonly.aof", 1, true), "appendonly.aof.1.base.rdb");
  EXPECT_EQ(BaseFileName("appendonly.aof", 12, false), "appendonly.aof.12.base.aof");
  EXPECT_EQ(IncrFileName("my file.aof", 3), "my file.aof.3.incr.aof");
  EXPECT_EQ(ManifestFileName("appendonly.aof"), "appendonly.aof.manifest");
  EXPECT_EQ(TempManifestFileName("appendonly.aof"), "temp-appendonly.aof.manifest");
  EXPECT_EQ(TempIncrFileName("appendonly.aof"), "temp-appendonly.aof.incr");
  EXPECT_EQ(MakePath("appendonlydir", "appendonly.aof.manifest"),
            "appendonlydir/appendonly.aof.manifest");
}

// The manifests Redis wrote, step by step from an empty directory.
TEST(AofManifest, RewriteStepsReplayRedis) {
  constexpr std::string_view kName = "appendonly.aof";
  AofManifest m;
  // Server start on an empty data set: a base is written, then the incr to append to.
  EXPECT_EQ(AddNewBase(&m, kName, true).name, "appendonly.aof.1.base.rdb");
  EXPECT_EQ(LastOrNewIncr(&m, kName).name, "appendonly.aof.1.incr.aof");
  EXPECT_EQ(LastOrNewIncr(&m, kName).name, "appendonly.aof.1.incr.aof");  // no second one
  EXPECT_EQ(FormatManifest(m),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");

  // BGREWRITEAOF: a new incr at its start, the manifest's rewrite when it ends.
  AofManifest start_of_rewrite = m;
  EXPECT_EQ(AddNewIncr(&start_of_rewrite, kName).name, "appendonly.aof.2.incr.aof");
  m = start_of_rewrite;
  EXPECT_EQ(FinishRewrite(&m, kName, true, /*aof_enabled=*/true).name,
            "appendonly.aof.2.base.rdb");
  AddNewIncr(&m, kName);
  FinishRewrite(&m, kName, true, true);
  EXPECT_EQ(FormatManifest(m), kTwoRewrites);

  // With history deletion on, the history goes and the manifest is written again.
  std::vector<AofFile> doomed = TakeHistory(&m);
  ASSERT_EQ(doomed.size(), 4u);
  EXPECT_EQ(doomed[0].name, "appendonly.aof.2.incr.aof");
  EXPECT_TRUE(m.history.empty());
  EXPECT_EQ(FormatManifest(m),
            "file appendonly.aof.3.base.rdb seq 3 type b\n"
            "file appendonly.aof.3.incr.aof seq 3 type i\n");

  // Rewrites that fail leave their incr files behind.
  AofManifest failed;
  AddNewBase(&failed, kName, true);
  LastOrNewIncr(&failed, kName);
  AddNewIncr(&failed, kName);
  AddNewIncr(&failed, kName);
  EXPECT_EQ(FormatManifest(failed), kTwoFailedRewrites);
  // The next that succeeds covers all but the one being written.
  AddNewIncr(&failed, kName);
  FinishRewrite(&failed, kName, false, true);
  EXPECT_EQ(FormatManifest(failed),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type h\n"
            "file appendonly.aof.3.incr.aof seq 3 type h\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.4.incr.aof seq 4 type i\n");
}

TEST(AofManifest, RewriteWithAofOffCoversEveryIncr) {
  AofManifest m = MustParse(kTwoFailedRewrites);
  MarkRewrittenIncrsAsHistory(&m, /*aof_enabled=*/false);
  EXPECT_TRUE(m.incrs.empty());
  ASSERT_EQ(m.history.size(), 3u);
  EXPECT_EQ(m.history[0].name, "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.history[2].type, AofFileType::kHistory);
  EXPECT_EQ(m.curr_incr_seq, 3);  // seqs go on from there
  EXPECT_EQ(AddNewIncr(&m, "appendonly.aof").seq, 4);
  // Nothing to cover: nothing changes.
  AofManifest empty;
  MarkRewrittenIncrsAsHistory(&empty, true);
  EXPECT_EQ(empty, AofManifest{});
}

TEST(AofManifest, AofTurnedOnAtRuntime) {
  // CONFIG SET appendonly yes: the rewrite ends with a base, then the temp incr file gets
  // its name, and everything before it is history.
  AofManifest m = MustParse(kTwoFailedRewrites);
  AddNewBase(&m, "appendonly.aof", true);
  EXPECT_EQ(AddNewIncr(&m, "appendonly.aof").name, "appendonly.aof.4.incr.aof");
  MarkRewrittenIncrsAsHistory(&m, true);
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0].seq, 4);
  EXPECT_EQ(m.history.size(), 4u);
}

TEST(AofManifest, OldStyleAofBecomesTheBase) {
  AofManifest m;
  AdoptOldStyleAof(&m, "appendonly.aof");
  EXPECT_EQ(FormatManifest(m), "file appendonly.aof seq 1 type b\n");
  EXPECT_EQ(m.curr_base_seq, 1);
  EXPECT_EQ(AddNewIncr(&m, "appendonly.aof").name, "appendonly.aof.1.incr.aof");
}

TEST(AofManifest, SeqsFollowTheManifest) {
  // The next seqs come from the base and the last incr, whatever the history holds.
  AofManifest m = MustParse("file h seq 9 type h\nfile b seq -2 type b\nfile i seq 5 type i\n");
  EXPECT_EQ(AddNewBase(&m, "x", true).seq, -1);
  EXPECT_EQ(AddNewIncr(&m, "x").seq, 6);
  // Redis compat: past the top the seq wraps (the next load refuses it as non-monotonic).
  AofManifest top = MustParse("file i seq 99999999999999999999 type i\n");
  EXPECT_EQ(AddNewIncr(&top, "x").seq, INT64_MIN);
  EXPECT_EQ(ErrorOf(FormatManifest(top)), "Found a non-monotonic sequence number");
}

}  // namespace
}  // namespace cinnabar::persistence
