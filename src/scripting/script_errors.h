// Every error text of the scripting library, exactly as Redis 7.0 writes it. Texts with
// an "ERR" (or other) prefix are complete replies for ReplyBuilder::Error; texts without
// one are raised inside Lua, where Redis adds "ERR " (or a position) itself.
#pragma once

#include <string_view>

namespace cinnabar::scripting::errors {

// EVAL shebang and compilation.
inline constexpr std::string_view kInvalidShebang = "ERR Invalid script shebang";
inline constexpr std::string_view kInvalidEngineInShebang = "ERR Invalid engine in script shebang";
inline constexpr std::string_view kUnexpectedEngine = "ERR Unexpected engine in script shebang: ";
inline constexpr std::string_view kUnknownShebangOption = "ERR Unknown lua shebang option: ";
inline constexpr std::string_view kUnexpectedFlag = "ERR Unexpected flag in script shebang: ";
inline constexpr std::string_view kCompilingScript = "ERR Error compiling script (new function): ";
inline constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";

// Running.
inline constexpr std::string_view kScriptKilled = "ERR Script killed by user with SCRIPT KILL...";
inline constexpr std::string_view kStackLimit = "ERR reached lua stack limit";
// Redis compat: Redis 7.0.15 crashes when a script raises a table without a string "err"
// field (error({1})); we answer this instead.
inline constexpr std::string_view kUnknownError = "ERR unknown error";
inline constexpr std::string_view kNonexistentGlobal =
    "Script attempted to access nonexistent global variable '";
inline constexpr std::string_view kReadonlyTable = "Attempt to modify a readonly table";

// The redis.* API (raised as error tables, "ERR " added).
inline constexpr std::string_view kCallNoArgs =
    "Please specify at least one argument for this redis lib call";
inline constexpr std::string_view kCallBadArgs =
    "Lua redis lib command arguments must be strings or integers";
inline constexpr std::string_view kWrongArgs = "wrong number of arguments";
inline constexpr std::string_view kWrongArgsOrType = "wrong number or type of arguments";
inline constexpr std::string_view kSetReplArgs = "redis.set_repl() requires two arguments.";
inline constexpr std::string_view kSetReplFlags =
    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.";
inline constexpr std::string_view kAclInvalidCommand =
    "Invalid command passed to redis.acl_check_cmd()";
inline constexpr std::string_view kLogArgs = "redis.log() requires two arguments or more.";
inline constexpr std::string_view kLogLevelNotNumber = "First argument must be a number (log level).";
inline constexpr std::string_view kLogLevel = "Invalid debug level.";
inline constexpr std::string_view kSetRespArgs = "redis.setresp() requires one argument.";
inline constexpr std::string_view kSetRespVersion = "RESP version must be 2 or 3.";
inline constexpr std::string_view kRegisterOutsideLoad =
    "redis.register_function can only be called on FUNCTION LOAD command";
inline constexpr std::string_view kRecursiveCall =
    "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug "
    "hooks?";

// FUNCTION LOAD.
inline constexpr std::string_view kMissingLibraryMetadata = "ERR Missing library metadata";
inline constexpr std::string_view kInvalidLibraryMetadata = "ERR Invalid library metadata";
inline constexpr std::string_view kInvalidMetadataValue = "ERR Invalid metadata value given: ";
inline constexpr std::string_view kNameGivenTwice =
    "ERR Invalid metadata value, name argument was given multiple times";
inline constexpr std::string_view kLibraryNameNotGiven = "ERR Library name was not given";
inline constexpr std::string_view kBadLibraryName =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
    "least one character long";
inline constexpr std::string_view kNoFunctionsRegistered = "ERR No functions registered";
inline constexpr std::string_view kRegisteringFunctions = "ERR Error registering functions: ";
inline constexpr std::string_view kCompilingFunction = "ERR Error compiling function: ";
inline constexpr std::string_view kLoadTimeout = "ERR FUNCTION LOAD timeout";
inline constexpr std::string_view kLibraryNotFound = "ERR Library not found";
inline constexpr std::string_view kFunctionNotFound = "ERR Function not found";

// redis.register_function (raised inside the library's code, "ERR " added).
// Redis compat: a bad function name is reported with the library-name text.
inline constexpr std::string_view kBadFunctionName =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one "
    "character long";
inline constexpr std::string_view kRegisterSingleArg =
    "calling redis.register_function with a single argument is only applicable to Lua table "
    "(representing named arguments).";
inline constexpr std::string_view kRegisterArgCount =
    "wrong number of arguments to redis.register_function";
inline constexpr std::string_view kRegisterNotFunction =
    "second argument to redis.register_function must be a function";
inline constexpr std::string_view kRegisterUnknownFlag = "unknown flag given";
inline constexpr std::string_view kRegisterUnknownArgument =
    "unknown argument given to redis.register_function";
inline constexpr std::string_view kRegisterFlagsNotTable =
    "flags argument to redis.register_function must be a table representing function flags";
inline constexpr std::string_view kRegisterNoCallback =
    "redis.register_function must get a callback argument";
inline constexpr std::string_view kRegisterNoName =
    "redis.register_function must get a function name argument";
inline constexpr std::string_view kRegisterCallbackNotFunction =
    "callback argument given to redis.register_function must be a function";
inline constexpr std::string_view kRegisterNameNotString =
    "function_name argument given to redis.register_function must be a string";
inline constexpr std::string_view kRegisterDescriptionNotString =
    "description argument given to redis.register_function must be a string";
inline constexpr std::string_view kFunctionExistsInLibrary = "Function already exists in the library";

}  // namespace cinnabar::scripting::errors
