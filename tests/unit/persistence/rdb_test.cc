#include "unit/persistence/rdb_test.h"

#include <algorithm>
#include <cstdio>

#include "base/crc64.h"
#include "base/string_util.h"
#include "core/list_value.h"
#include "core/object_type.h"
#include "core/raw_string.h"
#include "core/string_value.h"
#include "core/value_ops.h"
#include "persistence/rdb_encoder.h"

namespace cinnabar::persistence::testing {

std::string Escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != ',') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i];
  }
  return out + "]";
}

namespace {

std::string Score(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

}  // namespace

std::string Describe(const core::Value& v) {
  std::string head = std::string(core::TypeName(v.type)) + "/" +
                     std::string(core::EncodingName(v.type, v.encoding)) + ": ";
  std::vector<std::string> parts;
  switch (v.type) {
    case core::ObjType::kString:
      if (v.encoding == core::kStrInt) return head + base::Int64ToString(v.integer);
      if (v.encoding == core::kStrEmbStr) return head + Escape(v.bytes);
      return head + Escape(static_cast<core::RawString*>(v.pointer)->view());
    case core::ObjType::kList: {
      core::ListValue l(v.encoding, v.pointer);
      if (l.Length() > 0) {
        l.Range(0, l.Length() - 1, false, [&](std::string_view s) { parts.push_back(Escape(s)); });
      }
      break;
    }
    case core::ObjType::kSet:
      core::SetValue(v.encoding, v.pointer).ForEach([&](std::string_view m) {
        parts.push_back(Escape(m));
      });
      std::sort(parts.begin(), parts.end());
      break;
    case core::ObjType::kHash:
      core::HashValue(v.encoding, v.pointer).ForEach([&](std::string_view f, std::string_view x) {
        parts.push_back(Escape(f) + "=" + Escape(x));
      });
      std::sort(parts.begin(), parts.end());
      break;
    case core::ObjType::kZSet:
      core::ZSetValue(v.encoding, v.pointer).ForEach([&](std::string_view m, double s) {
        parts.push_back(Escape(m) + "=" + Score(s));
      });
      break;
    default:
      return head + "?";
  }
  return head + Join(parts);
}

std::string Content(const core::Value& v) {
  std::string d = Describe(v);
  return d.substr(d.find(": ") + 2);
}

core::Value MakeList(const std::vector<std::string>& elements, const core::ListLimits& limits) {
  core::ListValue l = core::ListValue::Create();
  for (const std::string& e : elements) l.Push(e, core::ListEnd::kTail, limits);
  return l.value();
}

core::Value MakeSet(const std::vector<std::string>& members, const core::SetLimits& limits) {
  core::SetValue s = core::SetValue::Create(members.at(0), 1, limits);
  for (const std::string& m : members) s.Add(m, limits);
  return core::Value::OutOfLine(core::ObjType::kSet, s.encoding(), s.pointer());
}

core::Value MakeHash(const std::vector<std::pair<std::string, std::string>>& pairs,
                     const core::HashLimits& limits) {
  core::HashValue h = core::HashValue::Create();
  for (const auto& [f, v] : pairs) h.Set(f, v, limits);
  return core::Value::OutOfLine(core::ObjType::kHash, h.encoding(), h.pointer());
}

core::Value MakeZSet(const std::vector<std::pair<std::string, double>>& pairs,
                     const core::ZSetLimits& limits) {
  core::ZSetValue z = core::ZSetValue::CreateForAdd(pairs.at(0).first.size(), limits);
  for (const auto& [m, s] : pairs) {
    double out;
    z.Add(m, s, 0, &out, limits);
  }
  return core::Value::OutOfLine(core::ObjType::kZSet, z.encoding(), z.pointer());
}

base::Status RecordingHandler::OnAux(std::string_view key, std::string_view value) {
  aux.emplace_back(key, value);
  return {};
}

base::Status RecordingHandler::OnSelectDb(int db) {
  selected.push_back(db);
  return {};
}

base::Status RecordingHandler::OnResizeDb(uint64_t k, uint64_t e) {
  resized.emplace_back(k, e);
  return {};
}

base::Status RecordingHandler::OnFunction(std::string_view code) {
  functions.emplace_back(code);
  return {};
}

base::Status RecordingHandler::OnKey(int db, std::string_view key, core::Value value,
                                     int64_t expire_ms, const RdbKeyMeta& meta) {
  keys.push_back({db, std::string(key), expire_ms, meta, Describe(value)});
  core::DestroyValue(value);
  return {};
}

void RecordingHandler::OnEmptyKeySkipped(int, std::string_view key) {
  empty_keys.emplace_back(key);
}

std::string RecordingHandler::Find(std::string_view key) const {
  for (const LoadedKey& k : keys) {
    if (k.key == key) return k.description;
  }
  return "";
}

std::string MakeRdb(std::string_view body, int version, bool checksum) {
  std::string out;
  AppendRdbHeader(&out, version);
  out += body;
  AppendRdbEof(&out);
  if (version >= 5) AppendRdbChecksum(&out, checksum ? base::Crc64(0, out) : 0);
  return out;
}

base::Status Load(std::string_view file, RecordingHandler* handler, const RdbLoadOptions& options) {
  StringRdbInput in(file);
  return LoadRdb(in, options, *handler);
}

}  // namespace cinnabar::persistence::testing
