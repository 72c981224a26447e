#include "base/info_section.h"

#include <fmt/format.h>

namespace cinnabar::base {

void InfoSection::Text(std::string_view name, std::string_view text) {
  InfoLine& line = lines_.emplace_back();
  line.name = name;
  line.values.push_back(InfoValue{.key = std::string(name), .text = std::string(text)});
}

void InfoSection::Gauge(std::string_view name, int64_t value, InfoUnit unit) {
  InfoLine& line = lines_.emplace_back();
  line.name = name;
  line.values.push_back(Int(name, value, InfoKind::kGauge, unit));
}

void InfoSection::Counter(std::string_view name, int64_t value, InfoUnit unit) {
  InfoLine& line = lines_.emplace_back();
  line.name = name;
  line.values.push_back(Int(name, value, InfoKind::kCounter, unit));
}

void InfoSection::Fixed(std::string_view name, double value, int decimals, InfoKind kind,
                        InfoUnit unit, std::string_view suffix) {
  InfoLine& line = lines_.emplace_back();
  line.name = name;
  line.values.push_back(Float(name, value, decimals, kind, unit, suffix));
}

void InfoSection::BeginCompound(std::string_view name, std::string_view label_key,
                                std::string_view label_value) {
  InfoLine& line = lines_.emplace_back();
  line.name = name;
  line.compound = true;
  line.label_key = label_key;
  line.label_value = label_value;
}

void InfoSection::Add(InfoValue value) { lines_.back().values.push_back(std::move(value)); }

void InfoSection::AppendTo(std::string* out) const {
  out->append("# ").append(title_).append("\r\n");
  for (const InfoLine& line : lines_) {
    out->append(line.name).push_back(':');
    if (line.compound) {
      bool first = true;
      for (const InfoValue& v : line.values) {
        if (!first) out->push_back(',');
        out->append(v.key).push_back('=');
        out->append(v.text);
        first = false;
      }
    } else if (!line.values.empty()) {
      out->append(line.values.front().text);
    }
    out->append("\r\n");
  }
}

InfoValue InfoSection::Int(std::string_view key, int64_t value, InfoKind kind, InfoUnit unit) {
  return InfoValue{.key = std::string(key),
                   .text = std::to_string(value),
                   .number = static_cast<double>(value),
                   .kind = kind,
                   .unit = unit};
}

InfoValue InfoSection::Float(std::string_view key, double value, int decimals, InfoKind kind,
                             InfoUnit unit, std::string_view suffix) {
  return InfoValue{.key = std::string(key),
                   .text = fmt::format("{:.{}f}{}", value, decimals, suffix),
                   .number = value,
                   .kind = kind,
                   .unit = unit};
}

}  // namespace cinnabar::base
