// COMMAND GETKEYS / GETKEYSANDFLAGS and ACL's key checks resolve key specs against client
// arguments (engine/command_keys.h): any call of any command must give keys inside its
// arguments, never crash. Input: arguments separated by '\n'; the first names the command.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/command_keys.h"
#include "fuzz_check.h"
#include "fuzz_registry.h"

namespace {

constexpr const char* kFuzzTarget = "command_keys_fuzz";


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> args;
  for (size_t at = 0; at <= in.size() && args.size() < 64;) {
    size_t end = in.find('\n', at);
    if (end == std::string_view::npos) end = in.size();
    args.push_back(in.substr(at, end - at));
    at = end + 1;
  }
  bool unknown_sub = false;
  const cinnabar::engine::CommandEntry* c =
      cinnabar::fuzz::TheRegistry().Lookup(args, &unknown_sub);
  if (c == nullptr || !c->ArityOk(args.size())) return 0;
  std::vector<cinnabar::engine::KeyRef> keys;
  if (cinnabar::engine::CommandKeys(*c, args, &keys)) {
    for (const cinnabar::engine::KeyRef& k : keys) {
      CHECK(k.index > 0 && static_cast<size_t>(k.index) < args.size());
    }
  } else {
    CHECK(keys.empty());
  }
  return 0;
}
