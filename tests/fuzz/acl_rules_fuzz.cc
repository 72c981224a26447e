// ACL rules, as ACL SETUSER, `user` config lines and ACL files give them (engine/acl.h,
// engine/acl_user.h). Input: lines; each is "<user> <rule> <rule> ...", split at spaces.
// Checks, for every line:
//   - SETUSER either succeeds or answers an "ERR ..." text and leaves every user as it was;
//   - after it, ACL LIST's lines load back (as an ACL file would) into users that ACL LIST
//     shows exactly the same;
//   - a permission check of a few calls against every user never crashes, and a user
//     that allows everything allows them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/acl.h"
#include "engine/registry.h"
#include "fuzz_check.h"
#include "fuzz_registry.h"

namespace {

constexpr const char* kFuzzTarget = "acl_rules_fuzz";


std::vector<std::string_view> Split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  for (size_t at = 0; at <= line.size() && out.size() < 64;) {
    size_t end = line.find(sep, at);
    if (end == std::string_view::npos) end = line.size();
    if (end > at || sep == '\n') out.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cinnabar::engine;
  const Registry& reg = cinnabar::fuzz::TheRegistry();
  Acl acl(reg);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (std::string_view line : Split(in, '\n')) {
    std::vector<std::string_view> words = Split(line, ' ');
    if (words.empty()) continue;
    const std::vector<std::string> before = acl.Describe();
    std::string error =
        acl.SetUser(words[0], std::span<const std::string_view>(words).subspan(1));
    if (!error.empty()) {
      CHECK(error.rfind("ERR ", 0) == 0);
      CHECK(acl.Describe() == before);
      continue;
    }
    // ACL LIST loads back as an ACL file.
    const std::vector<std::string> listed = acl.Describe();
    std::vector<std::vector<std::string>> lines;
    for (const std::string& l : listed) {
      std::vector<std::string> split;
      for (std::string_view w : Split(l, ' ')) split.emplace_back(w);
      lines.push_back(std::move(split));
    }
    Acl reloaded(reg);
    std::string load_error = reloaded.LoadUserLines(lines, [](size_t) { return std::string(); });
    CHECK(load_error.empty());
    CHECK(reloaded.Describe() == listed);
    // A few calls against every user.
    static constexpr std::string_view kCalls[][3] = {
        {"get", "key", ""}, {"set", "key", "v"}, {"publish", "chan", "m"},
        {"config", "get", "x"}, {"select", "0", ""}, {"psubscribe", "c*", ""}};
    for (const auto& user : acl.Users()) {
      for (const auto& call : kCalls) {
        std::vector<std::string_view> args;
        for (std::string_view a : call) {
          if (!a.empty()) args.push_back(a);
        }
        bool unknown_sub = false;
        const CommandEntry* cmd = reg.Lookup(args, &unknown_sub);
        if (cmd == nullptr || !cmd->ArityOk(args.size())) continue;
        std::string_view culprit;
        AclDenial d = CheckCall(*user, *cmd, args, &culprit);
        if (user->unrestricted()) CHECK(d == AclDenial::kNone);
      }
    }
  }
  return 0;
}
