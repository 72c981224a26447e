#include "persistence/aof_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cinnabar::persistence {
namespace {

using Command = std::vector<std::string>;

// appendonly.aof.1.incr.aof as Debian's redis-server 7.0.15 wrote it for SET, INCR, RPUSH,
// HSET, EXPIRE, SADD, ZADD, a MULTI/EXEC and a write to db 2; one string per command.
const std::vector<std::string_view> kRedisIncrCommands = {
    "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n",
    "*3\r\n$3\r\nset\r\n$3\r\nfoo\r\n$3\r\nbar\r\n",
    "*2\r\n$4\r\nincr\r\n$1\r\nn\r\n",
    "*5\r\n$5\r\nrpush\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    "*6\r\n$4\r\nhset\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n",
    "*3\r\n$9\r\nPEXPIREAT\r\n$3\r\nfoo\r\n$13\r\n1796198947399\r\n",
    "*4\r\n$4\r\nsadd\r\n$1\r\ns\r\n$1\r\nx\r\n$1\r\ny\r\n",
    "*6\r\n$4\r\nzadd\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n",
    "*1\r\n$5\r\nMULTI\r\n",
    "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n",
    "*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$1\r\n5\r\n",
    "*1\r\n$4\r\nEXEC\r\n",
    "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n",
    "*3\r\n$3\r\nset\r\n$5\r\nother\r\n$3\r\ndb2\r\n",
};
const std::vector<Command> kRedisIncrArgs = {
    {"SELECT", "0"},
    {"set", "foo", "bar"},
    {"incr", "n"},
    {"rpush", "l", "a", "b", "c"},
    {"hset", "h", "f", "v", "g", "w"},
    {"PEXPIREAT", "foo", "1796198947399"},
    {"sadd", "s", "x", "y"},
    {"zadd", "z", "1", "a", "2", "b"},
    {"MULTI"},
    {"SET", "k1", "v1"},
    {"INCRBY", "n", "5"},
    {"EXEC"},
    {"SELECT", "2"},
    {"set", "other", "db2"},
};

std::string Join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

// A file in memory for the fd reader.
class MemFile {
 public:
  explicit MemFile(std::string_view bytes) : fd_(memfd_create("aof_reader_test", MFD_CLOEXEC)) {
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  ~MemFile() { ::close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Everything a reader told about one input.
struct Outcome {
  std::vector<Command> commands;
  AofReadResult result = AofReadResult::kEnd;
  int64_t valid_up_to = -1;
  int64_t truncate_offset = -1;
  int64_t error_offset = -1;
  bool in_multi = false;
  bool partial_tail = false;
  std::vector<AofTimestamp> timestamps;

  bool operator==(const Outcome&) const = default;
};

Outcome Drain(AofReader reader) {
  Outcome out;
  std::vector<std::string_view> args;
  while (true) {
    AofReadResult r = reader.Next(&args);
    for (const AofTimestamp& ts : reader.timestamps()) out.timestamps.push_back(ts);
    if (r != AofReadResult::kCommand) {
      out.result = r;
      EXPECT_TRUE(args.empty());
      EXPECT_EQ(reader.Next(&args), r);  // the end is sticky
      break;
    }
    out.commands.emplace_back(args.begin(), args.end());
  }
  out.valid_up_to = reader.valid_up_to();
  out.truncate_offset = reader.truncate_offset();
  out.error_offset = reader.error_offset();
  out.in_multi = reader.in_multi();
  out.partial_tail = reader.partial_tail();
  return out;
}

// Reads `bytes` from `start` as bytes and through fds with several read sizes; all agree.
Outcome Read(std::string_view bytes, int64_t start = 0) {
  Outcome want = Drain(AofReader::FromBytes(bytes, start));
  MemFile file(bytes);
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{16}, kAofReadChunk}) {
    Outcome got = Drain(AofReader::FromFd(file.fd(), start, chunk));
    EXPECT_TRUE(got == want) << "read chunk " << chunk;
  }
  return want;
}

TEST(AofReader, ReadsWhatRedisWrote) {
  std::string file = Join(kRedisIncrCommands);
  ASSERT_EQ(file.size(), 443u);  // the file's size on disk
  Outcome o = Read(file);
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  EXPECT_EQ(o.commands, kRedisIncrArgs);
  EXPECT_EQ(o.valid_up_to, 443);
  EXPECT_FALSE(o.in_multi);
  EXPECT_EQ(o.error_offset, 443);
}

TEST(AofReader, WriterMatchesRedisBytes) {
  std::string out;
  for (const Command& c : kRedisIncrArgs) {
    std::vector<std::string_view> views(c.begin(), c.end());
    AppendAofCommand(&out, views);
  }
  EXPECT_EQ(out, Join(kRedisIncrCommands));

  out.clear();
  AppendAofTimestamp(&out, 1796197966);
  EXPECT_EQ(out, "#TS:1796197966\r\n");
  std::vector<std::string_view> empty_arg = {"SET", "k", ""};
  out.clear();
  AppendAofCommand(&out, empty_arg);
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
}

// Every prefix of Redis's file: the complete commands in it, then kEnd at a command
// boundary and kTruncated inside one, with Redis's offsets; never a crash.
TEST(AofReader, EveryTruncationPoint) {
  std::string file = Join(kRedisIncrCommands);
  std::vector<size_t> ends;  // where each command ends
  size_t multi_start = 0;
  for (size_t i = 0, at = 0; i < kRedisIncrCommands.size(); ++i) {
    if (kRedisIncrArgs[i][0] == "MULTI") multi_start = at;
    at += kRedisIncrCommands[i].size();
    ends.push_back(at);
  }
  for (size_t cut = 0; cut <= file.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    Outcome o = Read(std::string_view(file).substr(0, cut));
    size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= cut) ++complete;
    size_t last_end = complete == 0 ? 0 : ends[complete - 1];
    ASSERT_EQ(o.commands.size(), complete);
    EXPECT_EQ(o.valid_up_to, static_cast<int64_t>(last_end));
    bool in_multi = complete > 8 && complete < 12;  // MULTI read, EXEC not
    EXPECT_EQ(o.in_multi, in_multi);
    EXPECT_EQ(o.partial_tail, cut != last_end);
    if (cut == last_end && !in_multi) {
      EXPECT_EQ(o.result, AofReadResult::kEnd);
    } else {
      EXPECT_EQ(o.result, AofReadResult::kTruncated);
      EXPECT_EQ(o.error_offset, static_cast<int64_t>(cut));
      // Redis: a clean end inside MULTI goes back before it; a torn tail to the last command.
      EXPECT_EQ(o.truncate_offset,
                static_cast<int64_t>(cut == last_end ? multi_start : last_end));
    }
  }
}

TEST(AofReader, MultiWithoutExecAtTheEnd) {
  std::string file = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n";
  const int64_t before_multi = static_cast<int64_t>(file.size());
  file += "*1\r\n$5\r\nmulti\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
  Outcome o = Read(file);
  EXPECT_EQ(o.result, AofReadResult::kTruncated);
  EXPECT_TRUE(o.in_multi);
  EXPECT_FALSE(o.partial_tail);
  EXPECT_EQ(o.commands.size(), 3u);
  EXPECT_EQ(o.valid_up_to, static_cast<int64_t>(file.size()));
  EXPECT_EQ(o.truncate_offset, before_multi);

  // The last MULTI counts, as in Redis.
  std::string nested = file + "*1\r\n$5\r\nMULTI\r\n";
  EXPECT_EQ(Read(nested).truncate_offset, static_cast<int64_t>(file.size()));

  // A torn command inside MULTI: Redis cuts after the last whole command.
  std::string torn = file + "*2\r\n$4\r\nINCR\r\n$1\r";
  o = Read(torn);
  EXPECT_EQ(o.result, AofReadResult::kTruncated);
  EXPECT_TRUE(o.in_multi);
  EXPECT_TRUE(o.partial_tail);
  EXPECT_EQ(o.truncate_offset, static_cast<int64_t>(file.size()));

  // exec (any case) closes it.
  EXPECT_EQ(Read(file + "*1\r\n$4\r\nExec\r\n").result, AofReadResult::kEnd);
}

TEST(AofReader, Annotations) {
  std::string file = "#TS:1796197966\r\n";
  file += kRedisIncrCommands[0];
  const int64_t second_ts = static_cast<int64_t>(file.size());
  file += "#TS:1796197968\r\n# a note\r\n#TS:not-a-number\r\n#\n";
  file += kRedisIncrCommands[1];
  Outcome o = Read(file);
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  ASSERT_EQ(o.commands.size(), 2u);
  EXPECT_EQ(o.timestamps, (std::vector<AofTimestamp>{{0, 1796197966}, {second_ts, 1796197968}}));

  // Reported by the Next call that skipped them.
  AofReader reader = AofReader::FromBytes(file);
  std::vector<std::string_view> args;
  ASSERT_EQ(reader.Next(&args), AofReadResult::kCommand);
  EXPECT_EQ(reader.timestamps().size(), 1u);
  ASSERT_EQ(reader.Next(&args), AofReadResult::kCommand);
  ASSERT_EQ(reader.timestamps().size(), 1u);
  EXPECT_EQ(reader.timestamps()[0].offset, second_ts);
  EXPECT_EQ(reader.Next(&args), AofReadResult::kEnd);
  EXPECT_TRUE(reader.timestamps().empty());

  // Annotations after the last command: a clean end, valid_up_to stays at the command.
  std::string tail = std::string(kRedisIncrCommands[0]) + "#TS:5\r\n";
  o = Read(tail);
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  EXPECT_EQ(o.valid_up_to, static_cast<int64_t>(kRedisIncrCommands[0].size()));
  EXPECT_EQ(o.timestamps.size(), 1u);
}

TEST(AofReader, AnnotationLineLimit) {
  // 1023 bytes with the '\n': one annotation.
  std::string fits = "#" + std::string(kAofAnnotationMaxLine - 2, 'x') + "\n";
  EXPECT_EQ(Read(fits + std::string(kRedisIncrCommands[0])).commands.size(), 1u);
  // Longer: Redis's fgets reads the rest as the next line, which is no command.
  std::string longer = "#" + std::string(kAofAnnotationMaxLine - 1, 'x') + "y\n";
  Outcome o = Read(longer + std::string(kRedisIncrCommands[0]));
  EXPECT_EQ(o.result, AofReadResult::kBadFormat);
  EXPECT_EQ(o.error_offset, static_cast<int64_t>(kAofAnnotationMaxLine));
  // ... unless that rest happens to be an annotation or a command itself.
  std::string split = "#" + std::string(kAofAnnotationMaxLine - 1, 'x') + "#TS:1\r\n";
  o = Read(split + std::string(kRedisIncrCommands[0]));
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  EXPECT_EQ(o.timestamps.size(), 1u);
}

TEST(AofReader, TornAnnotationIsATruncatedTail) {
  std::string file = std::string(kRedisIncrCommands[0]) + "#TS:17961";
  Outcome o = Read(file);
  EXPECT_EQ(o.result, AofReadResult::kTruncated);
  EXPECT_TRUE(o.partial_tail);
  EXPECT_EQ(o.truncate_offset, static_cast<int64_t>(kRedisIncrCommands[0].size()));
  EXPECT_TRUE(o.timestamps.empty());
}

TEST(AofReader, TruncatedTails) {
  for (std::string_view tail :
       {"*", "*1", "*12", "*1\r", "*1\r\n", "*1\r\n$", "*1\r\n$3", "*1\r\n$3\r", "*1\r\n$3\r\n",
        "*1\r\n$3\r\nfo", "*1\r\n$3\r\nfoo", "*1\r\n$3\r\nfoo\r", "*2\r\n$3\r\nfoo\r\n",
        "*1\r\n$10\r\n\r\n\r\n", "*1\r\n$0\r\n", "*1\r\n$0\r\n\r", "#", "#TS:1\r"}) {
    SCOPED_TRACE(tail);
    Outcome o = Read(tail);
    EXPECT_EQ(o.result, AofReadResult::kTruncated);
    EXPECT_TRUE(o.commands.empty());
    EXPECT_EQ(o.valid_up_to, 0);
    EXPECT_EQ(o.error_offset, static_cast<int64_t>(tail.size()));
  }
}

TEST(AofReader, BadFormats) {
  struct Case {
    std::string_view bytes;
    int64_t error_offset;
  };
  const Case cases[] = {
      {"SET a b\r\n", 0},             // an inline command
      {"$3\r\nfoo\r\n", 0},           // a bulk without its count
      {"\r\n", 0},                    // a blank line
      {"*0\r\n", 1},                  // no arguments
      {"*-1\r\n", 1},                 // Redis: argc < 1
      {"*x\r\n", 1},                  //
      {"*01\r\n$1\r\na\r\n", 1},      // a leading zero: "0" is as far as it goes
      {"*1 \r\n", 2},                 // a blank after the count
      {"*1\n$1\r\na\r\n", 2},         // a bare '\n'
      {"*1\r\r", 3},                  //
      {"*\r\n", 1},                   // no digits
      {"*1\r\n+OK\r\n", 4},           // not a bulk
      {"*1\r\n$-1\r\n", 5},           // a null bulk
      {"*1\r\n$\r\n", 5},             //
      {"*1\r\n$03\r\nfoo\r\n", 6},    //
      {"*1\r\n$3\r\nfooXY", 11},      // the bulk is not followed by "\r\n"
      {"*1\r\n$3\r\nfoo\rX", 12},     //
      {"*1\r\n$3\r\nfooX", 11},       // decided before the file ends
      {"*2147483648\r\n", 10},        // past INT_MAX arguments
      {"*99999999999999999999\r\n", 10},
      {"*1\r\n$99999999999999999999\r\n", 23},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.bytes));
    Outcome o = Read(c.bytes);
    EXPECT_EQ(o.result, AofReadResult::kBadFormat);
    EXPECT_EQ(o.error_offset, c.error_offset);
    EXPECT_EQ(o.valid_up_to, 0);
  }
  // After good commands: valid_up_to is where the bad one starts.
  std::string file = std::string(kRedisIncrCommands[0]) + "PING\r\n";
  Outcome o = Read(file);
  EXPECT_EQ(o.result, AofReadResult::kBadFormat);
  EXPECT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.valid_up_to, static_cast<int64_t>(kRedisIncrCommands[0].size()));
  EXPECT_EQ(o.error_offset, o.valid_up_to);
}

TEST(AofReader, BinaryArguments) {
  std::string value("a\0b\r\nc*$#", 9);
  std::string file;
  std::vector<std::string_view> args = {"SET", "k\r\n", value, ""};
  AppendAofCommand(&file, args);
  Outcome o = Read(file);
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Command{"SET", "k\r\n", value, ""}));
}

TEST(AofReader, StartsAfterAnRdbPreamble) {
  std::string preamble =
      "REDIS0010\xfa\x09redis-ver\x06"
      "7.0.15\xff\x01\x02\x03\x04\x05\x06\x07\x08";
  std::string file = preamble + Join(kRedisIncrCommands);
  EXPECT_TRUE(HasRdbPreamble(file));
  EXPECT_TRUE(HasRdbPreamble("REDIS"));
  EXPECT_FALSE(HasRdbPreamble("REDI"));
  EXPECT_FALSE(HasRdbPreamble(Join(kRedisIncrCommands)));
  MemFile mem(file);
  base::StatusOr<bool> rdb = FileHasRdbPreamble(mem.fd());
  ASSERT_TRUE(rdb.ok());
  EXPECT_TRUE(*rdb);
  MemFile plain("*1\r\n");
  EXPECT_FALSE(*FileHasRdbPreamble(plain.fd()));

  const int64_t start = static_cast<int64_t>(preamble.size());
  Outcome o = Read(file, start);
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  EXPECT_EQ(o.commands, kRedisIncrArgs);
  EXPECT_EQ(o.valid_up_to, static_cast<int64_t>(file.size()));  // offsets in the whole file
  // A base that is all RDB: nothing after it.
  o = Read(preamble, start);
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  EXPECT_EQ(o.valid_up_to, start);
  // Torn right after the preamble: cut back to the preamble's end.
  o = Read(file.substr(0, preamble.size() + 3), start);
  EXPECT_EQ(o.result, AofReadResult::kTruncated);
  EXPECT_EQ(o.truncate_offset, start);
}

TEST(AofReader, BigArgumentThroughTheFd) {
  const size_t big = 20 * 1024 * 1024;
  std::string value(big, 'v');
  value[0] = 'B';
  value[big - 1] = 'E';
  std::string file;
  std::vector<std::string_view> set = {"SET", "big", value};
  AppendAofCommand(&file, set);
  std::string small = Join(kRedisIncrCommands);
  file += small;
  MemFile mem(file);
  AofReader reader = AofReader::FromFd(mem.fd());
  std::vector<std::string_view> args;
  ASSERT_EQ(reader.Next(&args), AofReadResult::kCommand);
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[2].size(), big);
  EXPECT_EQ(args[2].front(), 'B');
  EXPECT_EQ(args[2].back(), 'E');
  EXPECT_GE(reader.buffer_capacity(), big);
  size_t n = 0;
  while (reader.Next(&args) == AofReadResult::kCommand) ++n;
  EXPECT_EQ(n, kRedisIncrCommands.size());
  EXPECT_EQ(reader.valid_up_to(), static_cast<int64_t>(file.size()));
  // The buffer went back to its usual size after the big argument.
  EXPECT_LE(reader.buffer_capacity(), kAofReadChunk);

  // Torn inside the big argument.
  MemFile torn(std::string_view(file).substr(0, big / 2));
  Outcome o = Drain(AofReader::FromFd(torn.fd()));
  EXPECT_EQ(o.result, AofReadResult::kTruncated);
  EXPECT_EQ(o.error_offset, static_cast<int64_t>(big / 2));
}

TEST(AofReader, LengthPastTheEndReadsNoFurther) {
  // A 512 MB argument announced in a file of a few bytes: a truncated tail, found without
  // a 512 MB buffer.
  std::string file = std::string(kRedisIncrCommands[0]) + "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc";
  MemFile mem(file);
  AofReader reader = AofReader::FromFd(mem.fd());
  Outcome o = Drain(std::move(reader));
  EXPECT_EQ(o.result, AofReadResult::kTruncated);
  EXPECT_EQ(o.valid_up_to, static_cast<int64_t>(kRedisIncrCommands[0].size()));
  EXPECT_EQ(o.error_offset, static_cast<int64_t>(file.size()));
  AofReader again = AofReader::FromFd(mem.fd());
  std::vector<std::string_view> args;
  EXPECT_EQ(again.Next(&args), AofReadResult::kCommand);
  EXPECT_EQ(again.Next(&args), AofReadResult::kTruncated);
  EXPECT_LE(again.buffer_capacity(), kAofReadChunk);
}

TEST(AofReader, ReadErrors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // pread on a pipe fails (ESPIPE)
  AofReader reader = AofReader::FromFd(fds[0]);
  std::vector<std::string_view> args;
  EXPECT_EQ(reader.Next(&args), AofReadResult::kReadError);
  EXPECT_NE(reader.read_error().message().find("Unrecoverable error reading the append only file"),
            std::string::npos);
  EXPECT_EQ(reader.Next(&args), AofReadResult::kReadError);
  EXPECT_FALSE(FileHasRdbPreamble(fds[0]).ok());
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(AofReader, StartBeyondTheEnd) {
  Outcome o = Read("*1\r\n$4\r\nPING\r\n", 100);
  EXPECT_EQ(o.result, AofReadResult::kEnd);
  EXPECT_TRUE(o.commands.empty());
  EXPECT_EQ(Read("").result, AofReadResult::kEnd);
}

}  // namespace
}  // namespace cinnabar::persistence
