#include "server/config_file.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace cinnabar::server {
namespace {

// Configuration files in memory, read through LoadConfig's reader.
class LoadConfigTest : public ::testing::Test {
 protected:
  base::Status Load(std::string config_file, std::string options = "") {
    CommandLine cl;
    cl.config_file = std::move(config_file);
    cl.options = std::move(options);
    return LoadConfig(cl, &store_, [this](const std::string& path, std::string* text) {
      ++reads_;
      auto it = files_.find(path);
      if (it == files_.end()) return base::Status::Error("no file '" + path + "'");
      *text = it->second;
      return base::Status::Ok();
    });
  }
  std::shared_ptr<const engine::ServerConfig> cfg() { return store_.snapshot(); }

  std::map<std::string, std::string> files_;
  int reads_ = 0;
  engine::ConfigStore store_{engine::ServerConfig{}};
};

TEST_F(LoadConfigTest, IncludesAndOptionsApplyInOrder) {
  files_["redis.conf"] = "port 7000\ninclude local.conf\ntimeout 3\n";
  files_["local.conf"] = "# local\n  maxclients 9  \r\ntimeout 1\n";
  ASSERT_TRUE(Load("redis.conf", "timeout 4").ok());
  EXPECT_EQ(cfg()->port, 7000);
  EXPECT_EQ(cfg()->maxclients, 9);
  EXPECT_EQ(cfg()->timeout, 4);
  EXPECT_EQ(reads_, 2);
}

TEST_F(LoadConfigTest, ErrorNamesTheFileAndLine) {
  files_["redis.conf"] = "include local.conf\n";
  files_["local.conf"] = "port 1\n  bogus 1 \n";
  base::Status st = Load("redis.conf");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("\n*** FATAL CONFIG FILE ERROR (Cinnabar "), 0u);
  EXPECT_NE(st.message().find("at line 2 of local.conf\n>>> 'bogus 1'\n"), std::string::npos)
      << st.message();
  EXPECT_EQ(cfg()->port, 1);  // as in Redis, the lines before the bad one applied
}

TEST_F(LoadConfigTest, UnreadableIncludeIsReportedAtItsLine) {
  files_["redis.conf"] = "port 2\ninclude missing.conf\n";
  base::Status st = Load("redis.conf");
  EXPECT_NE(st.message().find("at line 2 of redis.conf\n>>> 'include missing.conf'\n"
                              "no file 'missing.conf'\n"),
            std::string::npos)
      << st.message();
}

// An include cycle stops 16 files deep with the complete report, naming the include line
// that went too deep, before reading that file again. (Found by the config fuzzer: the
// report was the bare text "Too many nested includes".)
TEST_F(LoadConfigTest, IncludeCycleIsReportedAtTheIncludeLine) {
  files_["redis.conf"] = "timeout 1\ninclude redis.conf\n";
  base::Status st = Load("redis.conf");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("\n*** FATAL CONFIG FILE ERROR (Cinnabar "), 0u) << st.message();
  EXPECT_NE(st.message().find("at line 2 of redis.conf\n>>> 'include redis.conf'\n"
                              "Too many nested includes\n"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(reads_, 17);  // the file itself, then 16 nested includes
}

TEST(ReadConfigFile, MissingFileSaysWhich) {
  std::string text;
  base::Status st = ReadConfigFile("/nonexistent/cinnabar.conf", &text);
  EXPECT_EQ(st.message().find("Fatal error, can't open config file '/nonexistent/cinnabar.conf'"),
            0u)
      << st.message();
}

}  // namespace
}  // namespace cinnabar::server
