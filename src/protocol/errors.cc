#include "protocol/errors.h"

#include "base/string_util.h"

namespace cinnabar::protocol::errors {
std::string WrongArity(std::string_view full_name) {
  std::string s = "ERR wrong number of arguments for '";
  s += full_name;
  s += "' command";
  return s;
}

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  std::string listed;
  // Redis compat: each argument is cut to what remains of 128 characters before its quote.
  for (size_t i = 0; i < nargs && listed.size() < 128; ++i) {
    size_t room = 128 - listed.size();
    listed += '\'';
    listed += args[i].substr(0, room);
    listed += "' ";
  }
  std::string s = "ERR unknown command '";
  s += name.substr(0, 128);
  s += "', with args beginning with: ";
  s += listed;
  return s;
}

std::string UnknownSubcommand(std::string_view container, std::string_view sub) {
  std::string s = "ERR unknown subcommand '";
  s += sub.substr(0, 128);
  s += "'. Try ";
  s += base::ToUpper(container);
  s += " HELP.";
  return s;
}

std::string AtLeastOneInputKey(std::string_view command) {
  std::string s = "ERR at least 1 input key is needed for '";
  s += command;
  s += "' command";
  return s;
}

std::string InvalidExpire(std::string_view command) {
  std::string s = "ERR invalid expire time in '";
  s += command;
  s += "' command";
  return s;
}

std::string ProtoExpectedDollar(char got) {
  std::string s = "ERR Protocol error: expected '$', got '";
  s += got;
  s += "'";
  return s;
}

std::string_view OpStatusText(base::OpStatus status) {
  using base::OpStatus;
  switch (status) {
    case OpStatus::kWrongType: return kWrongType;
    case OpStatus::kNotInteger: return kNotInteger;
    case OpStatus::kNotFloat: return kNotFloat;
    case OpStatus::kOverflow: return kOverflow;
    case OpStatus::kNanOrInfinity: return kNanOrInfinity;
    case OpStatus::kOutOfRange: return kIndexOutOfRange;
    case OpStatus::kTooBig: return kStringTooBig;
    case OpStatus::kNotFound: return kNoSuchKey;
    case OpStatus::kIntOutOfRange: return kIntOutOfRange;
    case OpStatus::kNotPositive: return kPositiveCount;
    case OpStatus::kDbOutOfRange: return kDbIndexOutOfRange;
    case OpStatus::kSyntax:
    default: return kSyntax;
  }
}

}  // namespace cinnabar::protocol::errors
