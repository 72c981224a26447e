#include "persistence/durable_file.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "persistence/aof_manifest.h"

namespace cinnabar::persistence {
namespace {

namespace fs = std::filesystem;

class DurableFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "durable_file_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(std::string_view name) const { return MakePath(dir_, name); }
  std::string Contents(std::string_view name) const {
    base::StatusOr<std::string> s = ReadFileToString(Path(name));
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? *s : std::string();
  }

  std::string dir_;
};

TEST_F(DurableFileTest, WriteFileAtomicallyCreatesAndReplaces) {
  ASSERT_TRUE(WriteFileAtomically(dir_, "appendonly.aof.manifest", "file a seq 1 type b\n").ok());
  EXPECT_EQ(Contents("appendonly.aof.manifest"), "file a seq 1 type b\n");
  ASSERT_TRUE(WriteFileAtomically(dir_, "appendonly.aof.manifest", "x").ok());
  EXPECT_EQ(Contents("appendonly.aof.manifest"), "x");
  // The temp file (Redis's temp-<name>) is gone; only the target is left.
  EXPECT_FALSE(fs::exists(Path("temp-appendonly.aof.manifest")));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  struct stat st;
  ASSERT_EQ(::stat(Path("appendonly.aof.manifest").c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
  ASSERT_TRUE(WriteFileAtomically(dir_, "empty", "").ok());
  EXPECT_EQ(Contents("empty"), "");
}

TEST_F(DurableFileTest, WriteFileAtomicallyErrors) {
  base::Status s = WriteFileAtomically(Path("missing"), "m", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "open " + Path("missing") + "/temp-m: No such file or directory");
  // A directory where the target should be: the rename fails, the old entry and no temp file
  // are left.
  fs::create_directory(Path("taken"));
  s = WriteFileAtomically(dir_, "taken", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("rename"), std::string::npos) << s.message();
  EXPECT_TRUE(fs::is_directory(Path("taken")));
  EXPECT_FALSE(fs::exists(Path("temp-taken")));
}

TEST_F(DurableFileTest, FsyncDirAndSizes) {
  EXPECT_TRUE(FsyncDir(dir_).ok());
  base::Status s = FsyncDir(Path("nope"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "open directory " + Path("nope") + ": No such file or directory");

  ASSERT_TRUE(WriteFileAtomically(dir_, "f", "12345").ok());
  bool missing = true;
  base::StatusOr<int64_t> size = FileSize(Path("f"), &missing);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5);
  EXPECT_FALSE(missing);
  size = FileSize(Path("g"), &missing);
  EXPECT_FALSE(size.ok());
  EXPECT_TRUE(missing);
  EXPECT_FALSE(ReadFileToString(Path("g")).ok());
}

TEST_F(DurableFileTest, AppendOnlyFileAppends) {
  const std::string path = Path("appendonly.aof.1.incr.aof");
  {
    base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->Size(), 0);
    ASSERT_TRUE(f->Write("*1\r\n$4\r\nPING\r\n").ok());
    ASSERT_TRUE(f->Write("").ok());
    ASSERT_TRUE(f->Fsync().ok());
    EXPECT_EQ(f->Size(), 14);
    EXPECT_TRUE(f->error().ok());
  }  // closed here
  // Reopened: appends after what is there.
  base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Size(), 14);
  ASSERT_TRUE(f->Write("abc").ok());
  EXPECT_EQ(Contents("appendonly.aof.1.incr.aof"), "*1\r\n$4\r\nPING\r\nabc");
  // Cut a torn tail.
  ASSERT_TRUE(f->Truncate(14).ok());
  EXPECT_EQ(f->Size(), 14);
  ASSERT_TRUE(f->Write("x").ok());
  EXPECT_EQ(Contents("appendonly.aof.1.incr.aof"), "*1\r\n$4\r\nPING\r\nx");
  EXPECT_FALSE(f->Truncate(-1).ok());

  // Moves keep one owner.
  AppendOnlyFile moved = std::move(*f);
  ASSERT_TRUE(moved.Write("y").ok());
  EXPECT_EQ(moved.Size(), 16);
  EXPECT_EQ(moved.path(), path);
  EXPECT_TRUE(moved.Close().ok());
  EXPECT_TRUE(moved.Close().ok());
  EXPECT_FALSE(moved.Write("z").ok());

  // With truncate, a new file starts empty (Redis's O_TRUNC for a new incr file).
  base::StatusOr<AppendOnlyFile> fresh = AppendOnlyFile::Open(path, /*truncate=*/true);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->Size(), 0);
  EXPECT_EQ(Contents("appendonly.aof.1.incr.aof"), "");

  base::StatusOr<AppendOnlyFile> bad = AppendOnlyFile::Open(Path("no/such/dir"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "open " + Path("no/such/dir") + ": No such file or directory");
}

TEST_F(DurableFileTest, WriteErrorIsSticky) {
  base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open("/dev/full");
  ASSERT_TRUE(f.ok()) << f.status().message();
  base::Status s = f->Write("*1\r\n$4\r\nPING\r\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "write /dev/full: No space left on device");
  EXPECT_EQ(f->error().message(), s.message());
  EXPECT_EQ(f->Write("x").message(), s.message());
  EXPECT_EQ(f->Fsync().message(), s.message());
  EXPECT_EQ(f->Size(), 0);
}

TEST_F(DurableFileTest, FsyncErrorIsSticky) {
  // A FIFO cannot be fsynced (EINVAL). Opened for reading too, so opening it does not block.
  const std::string fifo = Path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  int reader = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(fifo);
  ASSERT_TRUE(f.ok()) << f.status().message();
  ASSERT_TRUE(f->Write("abc").ok());
  base::Status s = f->Fsync();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "fsync " + fifo + ": Invalid argument");
  EXPECT_EQ(f->Write("def").message(), s.message());  // nothing more is written
  char buf[16];
  EXPECT_EQ(::read(reader, buf, sizeof(buf)), 3);
  EXPECT_EQ(f->Fsync().message(), s.message());
  ::close(reader);
}

// Runs `fn` with this process's file size limit at `bytes` (SIGXFSZ ignored: writes past
// it fail with EFBIG), then puts the limit back.
template <typename Fn>
void WithFileSizeLimit(rlim_t bytes, Fn fn) {
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = bytes;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  fn();
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
}

// A short write (the file size limit) is cut back off the file and fails for good.
TEST_F(DurableFileTest, ShortWriteIsCutBack) {
  const std::string path = Path("short.aof");
  base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->Write("0123456789").ok());

  base::Status s;
  WithFileSizeLimit(16, [&] { s = f->Write("abcdefghij"); });  // 6 bytes fit under the limit

  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "write " + path + ": File too large (short write: 6 of 10 bytes)");
  EXPECT_EQ(f->Size(), 10);
  EXPECT_EQ(Contents("short.aof"), "0123456789");
  EXPECT_FALSE(f->Write("x").ok());
  EXPECT_EQ(Contents("short.aof"), "0123456789");
}

// TryAppend (the AOF's writes): a short write is cut back, and once there is room again
// the same bytes go in after what was there.
TEST_F(DurableFileTest, TryAppendCanBeRetried) {
  const std::string path = Path("retry.aof");
  base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(path);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->TryAppend("0123456789").kept, 10u);

  AppendOnlyFile::Appended short_write, full;
  WithFileSizeLimit(16, [&] { short_write = f->TryAppend("abcdefghij"); });
  WithFileSizeLimit(10, [&] { full = f->TryAppend("abcdefghij"); });  // nothing fits

  EXPECT_EQ(short_write.kept, 0u);
  EXPECT_EQ(short_write.cut, 6u);
  EXPECT_EQ(short_write.err, EFBIG);
  EXPECT_EQ(full.kept, 0u);
  EXPECT_EQ(full.cut, 0u);
  EXPECT_EQ(full.err, EFBIG);
  EXPECT_EQ(f->Size(), 10);
  EXPECT_EQ(Contents("retry.aof"), "0123456789");
  AppendOnlyFile::Appended again = f->TryAppend("abcdefghij");
  EXPECT_EQ(again.kept, 10u);
  EXPECT_EQ(again.err, 0);
  EXPECT_TRUE(f->error().ok());
  EXPECT_EQ(Contents("retry.aof"), "0123456789abcdefghij");
}

}  // namespace
}  // namespace cinnabar::persistence
