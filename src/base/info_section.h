// InfoSection: one INFO section as data, so INFO's text and the Prometheus exposition
// (commands/metrics_text.h) are made from the same values by the same code.
//
// A line is either one value ("used_memory:1024") or a compound of named values
// ("db0:keys=1,expires=0,avg_ttl=0", "cmdstat_get:calls=3,usec=5,..."). Every value keeps
// the text INFO prints for it (its exact precision and suffix) and, when it is a number,
// what kind of number it is and in which unit, which is what an exporter needs to name it.
//
// Threading: a plain value type; built and read on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cinnabar::base {

enum class InfoKind : uint8_t {
  kText,     // not a number (os, maxmemory_policy, ok/err): INFO only
  kGauge,    // a value that goes up and down
  kCounter,  // only grows while the server runs (CONFIG RESETSTAT apart)
};

// The unit a number is printed in by INFO. An exporter converts to base units.
enum class InfoUnit : uint8_t {
  kNone,
  kBytes,
  kSeconds,
  kMilliseconds,
  kMicroseconds,
  kUnixSeconds,       // a point in time, seconds since the epoch
  kUnixMicroseconds,  // a point in time, microseconds since the epoch
  kPercent,           // 0..100
  kKilobytesPerSecond,
};

struct InfoValue {
  std::string key;   // the field name, or the name inside a compound line ("calls")
  std::string text;  // exactly as INFO prints it
  double number = 0;
  InfoKind kind = InfoKind::kText;
  InfoUnit unit = InfoUnit::kNone;
};

struct InfoLine {
  std::string name;  // "used_memory", "db0", "cmdstat_get"
  std::vector<InfoValue> values;
  bool compound = false;  // printed as name:key=text,key=text
  // For an exporter: what tells this line apart from its siblings ("db" = "0",
  // "cmd" = "get"); empty for a plain line.
  std::string label_key;
  std::string label_value;
};

class InfoSection {
 public:
  // `id` is the lower-case name INFO takes as an argument ("server", "commandstats");
  // `title` is the heading it prints ("Server", "Commandstats").
  InfoSection(std::string_view id, std::string_view title) : id_(id), title_(title) {}

  // --- Plain lines ---
  void Text(std::string_view name, std::string_view text);
  void Gauge(std::string_view name, int64_t value, InfoUnit unit = InfoUnit::kNone);
  void Counter(std::string_view name, int64_t value, InfoUnit unit = InfoUnit::kNone);
  // A fractional number printed with `decimals` digits after the point, then `suffix`
  // ("%" for the *_perc fields).
  void Fixed(std::string_view name, double value, int decimals, InfoKind kind = InfoKind::kGauge,
             InfoUnit unit = InfoUnit::kNone, std::string_view suffix = "");

  // --- Compound lines: Begin, then the values in order ---
  void BeginCompound(std::string_view name, std::string_view label_key,
                     std::string_view label_value);
  void Add(InfoValue value);  // REQUIRES: after BeginCompound

  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }
  const std::vector<InfoLine>& lines() const { return lines_; }

  // Appends the section as INFO prints it: "# Title\r\n" and one "name:value\r\n" a line.
  void AppendTo(std::string* out) const;

  // Builds a value with the text INFO prints for it.
  static InfoValue Int(std::string_view key, int64_t value, InfoKind kind,
                       InfoUnit unit = InfoUnit::kNone);
  static InfoValue Float(std::string_view key, double value, int decimals, InfoKind kind,
                         InfoUnit unit = InfoUnit::kNone, std::string_view suffix = "");

 private:
  std::string id_;
  std::string title_;
  std::vector<InfoLine> lines_;
};

}  // namespace cinnabar::base
