#include "protocol/errors.h"

#include <algorithm>
#include <cstring>

#include "base/string_util.h"

namespace cinnabar::protocol::errors {
std::string WrongArity(std::string_view full_name) {
  std::string s = "ERR wrong number of arguments for '";
  s += full_name;
  s += "' command";
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

std::string ConfigBounds(int64_t min, int64_t max) {
  return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
         " inclusive";
}

std::string ConfigChoices(const std::string_view* names, size_t n) {
  std::string s = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) s += ", ";
    s += names[i];
  }
  return s;
}

std::string_view CutAtNul(std::string_view arg) { return arg.substr(0, arg.find('\0')); }

namespace {

// prefix + 'arg' + suffix, the argument cut at its NUL (and to `max` bytes, as "%.128s").
std::string Quoting(std::string_view prefix, std::string_view arg, std::string_view suffix,
                    size_t max = std::string_view::npos) {
  std::string s(prefix);
  s += CutAtNul(arg).substr(0, max);
  s += suffix;
  return s;
}

}  // namespace

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  std::string listed;
  // Redis compat: each argument is cut to what remains of 128 characters before its quote.
  for (size_t i = 0; i < nargs && listed.size() < 128; ++i) {
    size_t room = 128 - listed.size();
    listed += '\'';
    listed += CutAtNul(args[i]).substr(0, room);
    listed += "' ";
  }
  return Quoting("ERR unknown command '", name, "', with args beginning with: ", 128) + listed;
}

std::string UnknownSubcommand(std::string_view container, std::string_view sub) {
  return Quoting("ERR unknown subcommand '", sub,
                 "'. Try " + base::ToUpper(CutAtNul(container)) + " HELP.", 128);
}

std::string SubcommandSyntax(std::string_view container, std::string_view sub) {
  return Quoting("ERR unknown subcommand or wrong number of arguments for '", sub,
                 "'. Try " + base::ToUpper(CutAtNul(container)) + " HELP.", 128);
}

std::string NoLatencySamples(std::string_view event) {
  return Quoting("ERR No samples available for event '", event, "'");
}

std::string UnsupportedOption(std::string_view option) {
  return Quoting("ERR Unsupported option ", option, "");
}

std::string HelloSyntax(std::string_view option) {
  return Quoting("ERR Syntax error in HELLO option '", option, "'");
}

std::string UnknownClientType(std::string_view type) {
  return Quoting("ERR Unknown client type '", type, "'");
}

std::string NoSuchUser(std::string_view user) {
  return Quoting("ERR No such user '", user, "'");
}

std::string UnrecognizedOption(std::string_view option) {
  return Quoting("ERR Unrecognized option '", option, "'");
}

std::string InvalidClientAttribute(std::string_view attribute) {
  return Quoting("ERR ", base::ToLower(attribute),
                 " cannot contain spaces, newlines or special characters.");
}

std::string ConfigUnknownOption(std::string_view name) {
  return Quoting("ERR Unknown option or number of arguments for CONFIG SET - '", name, "'");
}

std::string ConfigSetFailed(std::string_view name, std::string_view reason) {
  return Quoting("ERR CONFIG SET failed (possibly related to argument '", name,
                 "') - " + std::string(reason));
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

std::string NotInSubscribedContext(std::string_view full_name) {
  std::string out = "ERR Can't execute '";
  out += full_name;
  out += "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
         "context";
  return out;
}

std::string ExecAbortBecause(std::string_view reason) {
  // Redis compat: the refusal's own "ERR " prefix is dropped; other prefixes stay.
  if (reason.substr(0, 4) == "ERR ") reason.remove_prefix(4);
  std::string text = "EXECABORT Transaction discarded because of: ";
  text += reason;
  return text;
}

std::string UnknownOptionGiven(std::string_view option) {
  return "ERR Unknown option given: " + std::string(CutAtNul(option));
}

std::string UnknownArgument(std::string_view argument) {
  std::string s = "ERR Unknown argument " + std::string(CutAtNul(argument));
  // Redis compat: this error reaches the client through addReplyErrorSds, which turns CR
  // and LF into spaces even at the end (ReplyBuilder::Error would drop trailing ones).
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return s;
}

std::string LibraryExists(std::string_view library) {
  return "ERR Library " + std::string(library) + " already exists";
}

std::string PrefixOverlapsExisting(std::string_view prefix, std::string_view existing) {
  return "ERR Prefix '" + std::string(prefix) + "' overlaps with an existing prefix '" +
         std::string(existing) + "'. Prefixes for a single client must not overlap.";
}

std::string PrefixOverlapsGiven(std::string_view prefix, std::string_view other) {
  return "ERR Prefix '" + std::string(prefix) + "' overlaps with another provided prefix '" +
         std::string(other) + "'. Prefixes for a single client must not overlap.";
}

std::string NotInMultiYet(std::string_view command) {
  std::string name = base::ToUpper(command);
  std::replace(name.begin(), name.end(), '|', ' ');
  return "ERR " + name +
         " is not supported inside MULTI by this server: it waits for every thread";
}

std::string MisconfAof(int err) {
  return std::string("MISCONF Errors writing to the AOF file: ") + std::strerror(err);
}

}  // namespace cinnabar::protocol::errors
