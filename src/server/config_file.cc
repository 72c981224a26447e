#include "server/config_file.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "base/string_util.h"
#include "protocol/split_args.h"

namespace cinnabar::server {
namespace {

base::Status Fatal(const std::string& source, int line_no, const std::string& line,
                   const std::string& reason) {
  std::string msg = "\n*** FATAL CONFIG FILE ERROR (Cinnabar " CINNABAR_VERSION ") ***\n";
  msg += "Reading the configuration file, at line " + std::to_string(line_no);
  if (!source.empty()) msg += " of " + source;
  msg += "\n>>> '" + line + "'\n" + reason + "\n";
  return base::Status::Error(msg);
}

// Files include each other this deep at most (an include cycle stops here).
constexpr int kMaxIncludeDepth = 16;

base::Status ApplyText(const std::string& text, const std::string& source,
                       const ConfigReader& read, engine::ConfigStore* store, int depth) {
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  std::vector<std::string> args;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = raw;
    size_t b = line.find_first_not_of(" \t\r\n");
    size_t e = line.find_last_not_of(" \t\r\n");
    if (b == std::string::npos) continue;
    line = line.substr(b, e - b + 1);
    if (line[0] == '#') continue;
    if (!protocol::SplitArgs(line, &args)) {
      return Fatal(source, line_no, line, "Unbalanced quotes in configuration line");
    }
    if (args.empty()) continue;
    std::string name = base::ToLower(args[0]);
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (name == "include") {
      if (rest.size() != 1) return Fatal(source, line_no, line, "wrong number of arguments");
      if (depth + 1 > kMaxIncludeDepth) {
        return Fatal(source, line_no, line, "Too many nested includes");
      }
      std::string included;
      base::Status st = read(rest[0], &included);
      if (!st.ok()) return Fatal(source, line_no, line, st.message());
      st = ApplyText(included, rest[0], read, store, depth + 1);
      if (!st.ok()) return st;
      continue;
    }
    base::Status st = store->ApplyLine(name, rest);
    if (!st.ok()) return Fatal(source, line_no, line, st.message());
  }
  return base::Status::Ok();
}

}  // namespace

base::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  CommandLine cl;
  int i = 1;
  if (argc >= 2) {
    std::string first = argv[1];
    if (first == "-v" || first == "--version") {
      cl.version = true;
      return cl;
    }
    if (first == "-h" || first == "--help") {
      cl.help = true;
      return cl;
    }
    if (first == "-" || first[0] != '-') {
      cl.config_file = first;
      i = 2;
    }
  }
  bool have_option = false;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
      if (have_option) cl.options += "\n";
      cl.options += arg.substr(2);
      have_option = true;
    } else if (!have_option) {
      return base::Status::Error("Invalid option '" + arg + "': options start with '--'");
    } else {
      cl.options += ' ';
        base::AppendRepr(&cl.options, arg);
    }
  }
  return cl;
}

base::Status ReadConfigFile(const std::string& path, std::string* text) {
  if (path == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    *text = ss.str();
    return base::Status::Ok();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Status::FromErrno("Fatal error, can't open config file '" + path + "'", errno);
  std::stringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return base::Status::Ok();
}

base::Status LoadConfig(const CommandLine& cl, engine::ConfigStore* store,
                        const ConfigReader& read) {
  if (!cl.config_file.empty()) {
    std::string text;
    base::Status st = read(cl.config_file, &text);
    if (!st.ok()) return st;
    st = ApplyText(text, cl.config_file == "-" ? "stdin" : cl.config_file, read, store, 0);
    if (!st.ok()) return st;
  }
  if (!cl.options.empty()) return ApplyText(cl.options, "the command line", read, store, 0);
  return base::Status::Ok();
}

}  // namespace cinnabar::server
