// The classes of keyspace notifications (`notify-keyspace-events`), with Redis's bits and
// letters. The notifier (engine/notify.h) and the configuration share them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cinnabar::engine {

enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1u << 0,  // K: __keyspace@<db>__:<key> channels
  kNotifyKeyevent = 1u << 1,  // E: __keyevent@<db>__:<event> channels
  kNotifyGeneric = 1u << 2,   // g: DEL, EXPIRE, RENAME, ...
  kNotifyString = 1u << 3,    // $
  kNotifyList = 1u << 4,      // l
  kNotifySet = 1u << 5,       // s
  kNotifyHash = 1u << 6,      // h
  kNotifyZSet = 1u << 7,      // z
  kNotifyExpired = 1u << 8,   // x
  kNotifyEvicted = 1u << 9,   // e
  kNotifyStream = 1u << 10,   // t
  kNotifyKeyMiss = 1u << 11,  // m
  kNotifyLoaded = 1u << 12,   // (modules only)
  kNotifyModule = 1u << 13,   // d
  kNotifyNew = 1u << 14,      // n
  // A: every class but m and n.
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZSet | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// "KEA" → the bits; nullopt on a letter Redis does not know.
std::optional<uint32_t> ParseNotifyFlags(std::string_view letters);
// The bits as CONFIG GET shows them (Redis's order: "AKE", "gxE", ...).
std::string FormatNotifyFlags(uint32_t flags);

}  // namespace cinnabar::engine
