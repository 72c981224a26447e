// Every Redis error text Cinnabar sends, exactly as Redis 7.0 sends it, without the leading
// '-' and the trailing CRLF. Texts whose first word is upper case carry their own prefix
// ("WRONGTYPE ..."); ReplyBuilder::Error adds nothing, so each constant is complete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/op_status.h"

namespace cinnabar::protocol::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kIndexOutOfRange = "ERR index out of range";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kStringTooBig =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";

// --- Scripts: what redis.call answers before running the command ---
inline constexpr std::string_view kScriptUnknownCommand =
    "ERR Unknown Redis command called from script";
inline constexpr std::string_view kScriptWrongArity =
    "ERR Wrong number of args calling Redis command from script";
inline constexpr std::string_view kScriptNotAllowed =
    "ERR This Redis command is not allowed from script";
inline constexpr std::string_view kScriptNoPermCommand =
    "ERR The user executing the script can't run this command or subcommand";
inline constexpr std::string_view kScriptNoPermKey =
    "ERR The user executing the script can't access at least one of the keys mentioned in "
    "the command arguments";
inline constexpr std::string_view kScriptNoPermChannel =
    "ERR The user executing the script can't publish to the channel mentioned in the command";
inline constexpr std::string_view kScriptReadOnly =
    "ERR Write commands are not allowed from read-only scripts.";
// Ours (docs/compatibility.md): a script that had kept to its declared keys' threads
// reached for a key elsewhere.
inline constexpr std::string_view kScriptStrayKey =
    "ERR Script accessed a key outside the threads of its declared keys; from its next call "
    "it runs with every thread locked";
inline constexpr std::string_view kScriptWriteFlagRo =
    "ERR Can not execute a script with write flag using *_ro command.";
inline constexpr std::string_view kNumKeysNegative = "ERR Number of keys can't be negative";
inline constexpr std::string_view kNumKeysTooMany =
    "ERR Number of keys can't be greater than number of args";
inline constexpr std::string_view kBadNumKeys = "ERR Bad number of keys provided";
inline constexpr std::string_view kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kNotBusy = "NOTBUSY No scripts in execution right now.";
inline constexpr std::string_view kUnkillable =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
    "can either wait the script termination or kill the server in a hard way using the "
    "SHUTDOWN NOSAVE command.";
inline constexpr std::string_view kScriptFlushArg =
    "ERR SCRIPT FLUSH only support SYNC|ASYNC option";

inline constexpr std::string_view kFunctionFlushArg =
    "ERR FUNCTION FLUSH only supports SYNC|ASYNC option";
inline constexpr std::string_view kLibraryNameNotGiven = "ERR library name argument was not given";
inline constexpr std::string_view kRestorePolicy =
    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";
inline constexpr std::string_view kDumpPayloadBad = "ERR DUMP payload version or checksum are wrong";
inline constexpr std::string_view kNotAFunction = "ERR given type is not a function";
inline constexpr std::string_view kLibraryPayloadBad = "ERR Failed loading library payload";
// "ERR Unknown option given: X", "ERR Unknown argument X", "ERR Library X already exists".
std::string UnknownOptionGiven(std::string_view option);
std::string UnknownArgument(std::string_view argument);
std::string LibraryExists(std::string_view library);

// --- Transactions ---
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kMultiNested = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kWatchInMulti = "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kConfigNoFile = "ERR The server is running without a config file";
inline std::string ConfigRewriteFailed(int err) {
  return std::string("ERR Rewriting config file: ") + std::strerror(err);
}
inline constexpr std::string_view kReplicaKeyspace = "ERR Replica can't interact with the keyspace";
inline constexpr std::string_view kMonitorDenyBlocking =
    "ERR MONITOR isn't allowed for DENY BLOCKING client";
inline constexpr std::string_view kNotInMulti = "ERR Command not allowed inside a transaction";
// EXEC refused by the checks: `reason` is the refusal's text.
std::string ExecAbortBecause(std::string_view reason);
// A RESP2 client with subscriptions ran another command; `full_name` as "get".
std::string NotInSubscribedContext(std::string_view full_name);
// Ours (docs/compatibility.md): CLIENT LIST / KILL / UNBLOCK inside EXEC.
std::string NotInMultiYet(std::string_view command);
inline constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
// Redis compat: 7.0 writes "HELLO AUTH", without the "<proto>" later versions added.
inline constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthWithoutPassword =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";
inline constexpr std::string_view kProtoVersionNotInteger =
    "ERR Protocol version is not an integer or out of range";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
inline constexpr std::string_view kPositiveCount = "ERR value is out of range, must be positive";
inline constexpr std::string_view kIntOutOfRange =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr std::string_view kNxXxGtLt =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kGtLt =
    "ERR GT and LT options at the same time are not compatible";

// Lists.
inline constexpr std::string_view kRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
inline constexpr std::string_view kCountNegative = "ERR COUNT can't be negative";
inline constexpr std::string_view kMaxlenNegative = "ERR MAXLEN can't be negative";
inline constexpr std::string_view kNumkeysPositive = "ERR numkeys should be greater than 0";
inline constexpr std::string_view kCountPositive = "ERR count should be greater than 0";

// Sorted sets.
inline constexpr std::string_view kZAddXxNx =
    "ERR XX and NX options at the same time are not compatible";
inline constexpr std::string_view kZAddGtLtNx =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr std::string_view kZAddIncrPair =
    "ERR INCR option supports a single increment-element pair";
inline constexpr std::string_view kZScoreNan = "ERR resulting score is not a number (NaN)";
inline constexpr std::string_view kZMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr std::string_view kZMinMaxNotLex = "ERR min or max not valid string range item";
inline constexpr std::string_view kZLimitNeedsByScoreOrLex =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
inline constexpr std::string_view kZWithScoresByLex =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
inline constexpr std::string_view kWeightNotFloat = "ERR weight value is not a float";
inline constexpr std::string_view kLimitNegative = "ERR LIMIT can't be negative";
inline constexpr std::string_view kValueOutOfRange = "ERR value is out of range";
inline constexpr std::string_view kInvalidFirstDb = "ERR invalid first DB index";
inline constexpr std::string_view kInvalidSecondDb = "ERR invalid second DB index";
inline constexpr std::string_view kNoSuchClient = "ERR No such client";
inline constexpr std::string_view kInvalidClientId = "ERR Invalid client ID";
inline constexpr std::string_view kClientIdNotPositive = "ERR client-id should be greater than 0";
inline constexpr std::string_view kInvalidClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kUnblockReason =
    "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
// What a client blocked in a command gets from CLIENT UNBLOCK ... ERROR.
inline constexpr std::string_view kUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
inline constexpr std::string_view kDecrementOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kTimeoutNotInteger = "ERR timeout is not an integer or out of range";
inline constexpr std::string_view kDebugProtocolType =
    "ERR Wrong protocol type name. Please use one of the following: "
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
inline constexpr std::string_view kDebugProtocolResp2 = "ERR RESP2 is not supported by this command";
inline constexpr std::string_view kPauseMode = "ERR CLIENT PAUSE mode must be WRITE or ALL";
inline constexpr std::string_view kOom =
    "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";
inline constexpr std::string_view kNoShutdownInProgress = "ERR No shutdown in progress.";
inline constexpr std::string_view kShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs.";

// COMMAND GETKEYS.
inline constexpr std::string_view kInvalidCommandSpecified = "ERR Invalid command specified";
inline constexpr std::string_view kNoKeyArguments = "ERR The command has no key arguments";
inline constexpr std::string_view kInvalidNumberOfArguments =
    "ERR Invalid number of arguments specified for command";
inline constexpr std::string_view kInvalidArgumentsForCommand =
    "ERR Invalid arguments specified for command";

// CONFIG SET reasons (after "... (possibly related to argument 'x') - "); config files
// print them too.
inline constexpr std::string_view kConfigProcTitleTemplate =
    "template format is invalid or contains unknown variables";
inline constexpr std::string_view kConfigOomScoreValues =
    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
inline constexpr std::string_view kConfigPercentilesRange =
    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
inline constexpr std::string_view kConfigPercentilesInvalid =
    "Invalid latency-tracking-info-percentiles parameters";
inline constexpr std::string_view kConfigNotInteger = "argument couldn't be parsed into an integer";
inline constexpr std::string_view kConfigNotMemory = "argument must be a memory value";
inline constexpr std::string_view kConfigNotMemoryOrPercent =
    "argument must be a memory or percent value";
inline constexpr std::string_view kConfigPercentOver100 =
    "percentage argument must be less or equal to 100";
inline constexpr std::string_view kConfigNotYesNo = "argument must be 'yes' or 'no'";
inline constexpr std::string_view kBgsaveChildActive =
    "ERR Another child process is active (AOF?): can't BGSAVE right now. "
    "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
inline constexpr std::string_view kDebugReloadOptions =
    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
inline constexpr std::string_view kDebugOutOfRangeDb = "ERR Out of range database";
inline constexpr std::string_view kDebugNotHashtable =
    "ERR The value stored at the specified key is not represented using an hash table";
inline constexpr std::string_view kDebugNotListpack = "ERR Not a listpack encoded object.";
inline constexpr std::string_view kDebugNotQuicklist = "ERR Not a quicklist encoded object.";
inline constexpr std::string_view kDebugPackedThreshold =
    "ERR argument must be a memory value bigger than 1 and smaller than 4gb";
inline constexpr std::string_view kDebugReloadFailed =
    "ERR Error trying to load the RDB dump, check server logs.";
inline constexpr std::string_view kConfigSaveParams = "Invalid save parameters";
inline constexpr std::string_view kLoading = "LOADING Redis is loading the dataset in memory";
inline constexpr std::string_view kMisconfRdb =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.";
// A write or fsync of the AOF failed with `err` (an errno); Redis's text names it.
std::string MisconfAof(int err);
inline constexpr std::string_view kBgsaveInProgress = "ERR Background save already in progress";
inline constexpr std::string_view kBgsaveScheduled = "Background saving scheduled";
inline constexpr std::string_view kBgsaveStarted = "Background saving started";
inline constexpr std::string_view kAofRewriteScheduled =
    "Background append only file rewriting scheduled";
inline constexpr std::string_view kAofRewriteStarted =
    "Background append only file rewriting started";
inline constexpr std::string_view kConfigDbFileNamePath =
    "dbfilename can't be a path, just a filename";
inline constexpr std::string_view kConfigAofFileNamePath =
    "appendfilename can't be a path, just a filename";
inline constexpr std::string_view kConfigAofDirNamePath =
    "appenddirname can't be a path, just a dirname";
inline constexpr std::string_view kConfigAofFileNameEmpty = "appendfilename can't be empty";
inline constexpr std::string_view kConfigAofDirNameEmpty = "appenddirname can't be empty";
inline constexpr std::string_view kConfigOutputLimitArity =
    "Wrong number of arguments in buffer limit configuration.";
inline constexpr std::string_view kConfigOutputLimitClass =
    "Invalid client class specified in buffer limit configuration.";
inline constexpr std::string_view kConfigOutputLimitValue =
    "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
inline constexpr std::string_view kConfigNotifyClass =
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
inline constexpr std::string_view kConfigImmutable = "can't set immutable config";
inline constexpr std::string_view kConfigProtected = "can't set protected config";
inline constexpr std::string_view kConfigDuplicate = "duplicate parameter";
inline constexpr std::string_view kConfigTooManyBinds = "Too many bind addresses specified.";
// "argument must be between 0 and 10 inclusive"
std::string ConfigBounds(int64_t min, int64_t max);
// "argument(s) must be one of the following: debug, verbose, notice, warning"
std::string ConfigChoices(const std::string_view* names, size_t n);
inline constexpr std::string_view kDebugNotAllowed =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";
inline constexpr std::string_view kProtectedMode =
    "DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections from "
    "the outside.";

// Hashes and sets.
inline constexpr std::string_view kHashNotInteger = "ERR hash value is not an integer";
inline constexpr std::string_view kHashNotFloat = "ERR hash value is not a float";
inline constexpr std::string_view kValueNanOrInfinity = "ERR value is NaN or Infinity";
// ZRANDMEMBER, HRANDFIELD, SRANDMEMBER with a count of INT64_MIN.
inline constexpr std::string_view kCountOutOfRange =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";

// Protocol errors (the connection is closed after the reply).
inline constexpr std::string_view kProtoInvalidMultibulk = "ERR Protocol error: invalid multibulk length";
inline constexpr std::string_view kProtoUnauthMultibulk =
    "ERR Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kProtoInvalidBulk = "ERR Protocol error: invalid bulk length";
inline constexpr std::string_view kProtoUnauthBulk = "ERR Protocol error: unauthenticated bulk length";
inline constexpr std::string_view kProtoBigMultibulkCount =
    "ERR Protocol error: too big mbulk count string";
inline constexpr std::string_view kProtoBigBulkCount = "ERR Protocol error: too big bulk count string";
inline constexpr std::string_view kProtoBigInline = "ERR Protocol error: too big inline request";
inline constexpr std::string_view kProtoUnbalancedQuotes =
    "ERR Protocol error: unbalanced quotes in request";

// "ERR wrong number of arguments for 'get' command"
std::string WrongArity(std::string_view full_name);
// "ERR at least 1 input key is needed for 'zunionstore' command"
std::string AtLeastOneInputKey(std::string_view command);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpire(std::string_view command);
// "ERR Protocol error: expected '$', got 'x'"
std::string ProtoExpectedDollar(char got);

// --- Texts that quote what the client sent ---
// Redis builds these with C's %s, so a quoted argument ends at its first NUL byte while the
// rest of the text goes on ("EXPIRE k 1 b\0c" is answered "ERR Unsupported option b"). Every
// function below quotes its arguments through CutAtNul.

// `arg` up to its first NUL byte (all of it when there is none).
std::string_view CutAtNul(std::string_view arg);

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs);
// "ERR unknown subcommand 'foo'. Try CLIENT HELP." (`container` as the client typed it)
std::string UnknownSubcommand(std::string_view container, std::string_view sub);
// "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP."
// (both as the client typed them)
std::string SubcommandSyntax(std::string_view container, std::string_view sub);
// LATENCY GRAPH: "ERR No samples available for event 'foo'"
std::string NoLatencySamples(std::string_view event);
// "ERR Unsupported option foo" (EXPIRE and its siblings)
std::string UnsupportedOption(std::string_view option);
// "ERR Syntax error in HELLO option 'foo'"
std::string HelloSyntax(std::string_view option);
// "ERR Unknown client type 'foo'"
std::string UnknownClientType(std::string_view type);
// "ERR No such user 'foo'"
std::string NoSuchUser(std::string_view user);
// CLIENT SETINFO: "ERR Unrecognized option 'foo'"
std::string UnrecognizedOption(std::string_view option);
// CLIENT SETINFO: "ERR lib-name cannot contain spaces, newlines or special characters."
std::string InvalidClientAttribute(std::string_view attribute);
// "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
std::string ConfigUnknownOption(std::string_view name);
// "ERR CONFIG SET failed (possibly related to argument 'hz') - <reason>"
std::string ConfigSetFailed(std::string_view name, std::string_view reason);

// The wire text of a data-path status; `command` names the command where the text does.
std::string_view OpStatusText(base::OpStatus status);

}  // namespace cinnabar::protocol::errors
