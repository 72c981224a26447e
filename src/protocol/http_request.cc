#include "protocol/http_request.h"

#include <charconv>

namespace cinnabar::protocol {
namespace {

bool IsTokenChar(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool IsTargetChar(char c) { return c > 0x20 && c < 0x7f; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// "METHOD SP target SP HTTP/1.x" (without its CRLF); false when malformed.
bool ParseRequestLine(std::string_view line, HttpRequest* out) {
  size_t sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos) return false;
  std::string_view method = line.substr(0, sp1);
  for (char c : method) {
    if (!IsTokenChar(c)) return false;
  }
  std::string_view rest = line.substr(sp1 + 1);
  size_t sp2 = rest.find(' ');
  if (sp2 == 0 || sp2 == std::string_view::npos) return false;
  std::string_view target = rest.substr(0, sp2);
  if (target.front() != '/') return false;  // origin-form only
  for (char c : target) {
    if (!IsTargetChar(c)) return false;
  }
  std::string_view version = rest.substr(sp2 + 1);
  if (version != "HTTP/1.0" && version != "HTTP/1.1") return false;
  out->method = method;
  out->path = target.substr(0, target.find('?'));
  out->minor = version.back() - '0';
  out->keep_alive = out->minor == 1;
  return true;
}

// The tokens of a Connection header decide keep-alive.
void ApplyConnection(std::string_view value, HttpRequest* out) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view token = Trim(value.substr(0, comma));
    if (EqualsNoCase(token, "close")) out->keep_alive = false;
    if (EqualsNoCase(token, "keep-alive")) out->keep_alive = true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Sniff SniffHttp(std::string_view input) {
  constexpr std::string_view kGet = "GET /";
  const size_t n = std::min(input.size(), kGet.size());
  if (input.substr(0, n) != kGet.substr(0, n)) return Sniff::kResp;
  if (input.size() <= kGet.size()) return Sniff::kNeedMore;
  size_t i = kGet.size();
  while (i < input.size() && IsTargetChar(input[i])) ++i;
  if (i >= kMaxHttpHead) return Sniff::kResp;
  if (i == input.size()) return Sniff::kNeedMore;
  // Now " HTTP/1.x\r\n" must follow exactly.
  constexpr std::string_view kTail = " HTTP/1.";
  std::string_view rest = input.substr(i);
  const size_t m = std::min(rest.size(), kTail.size());
  if (rest.substr(0, m) != kTail.substr(0, m)) return Sniff::kResp;
  if (rest.size() <= kTail.size()) return Sniff::kNeedMore;
  if (rest[kTail.size()] != '0' && rest[kTail.size()] != '1') return Sniff::kResp;
  std::string_view end = rest.substr(kTail.size() + 1);
  if (end.empty() || (end.size() == 1 && end[0] == '\r')) return Sniff::kNeedMore;
  return end.starts_with("\r\n") ? Sniff::kHttp : Sniff::kResp;
}

HttpParse ParseHttpRequest(std::string_view input, HttpRequest* out) {
  *out = HttpRequest{};
  size_t pos = 0;
  size_t lines = 0;
  bool first = true;
  for (;;) {
    const size_t lf = input.find('\n', pos);
    if (lf == std::string_view::npos) {
      return input.size() >= kMaxHttpHead ? HttpParse::kTooLarge : HttpParse::kNeedMore;
    }
    if (lf + 1 > kMaxHttpHead) return HttpParse::kTooLarge;
    if (lf == pos || input[lf - 1] != '\r') return HttpParse::kBad;  // a bare LF
    std::string_view line = input.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    if (first) {
      if (!ParseRequestLine(line, out)) return HttpParse::kBad;
      first = false;
      continue;
    }
    if (line.empty()) break;
    if (++lines > kMaxHttpHeaders) return HttpParse::kTooLarge;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return HttpParse::kBad;
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) return HttpParse::kBad;  // also refuses obsolete line folding
    }
    std::string_view value = Trim(line.substr(colon + 1));
    for (char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return HttpParse::kBad;
    }
    if (EqualsNoCase(name, "connection")) {
      ApplyConnection(value, out);
    } else if (EqualsNoCase(name, "authorization")) {
      out->authorization = value;
    } else if (EqualsNoCase(name, "content-length")) {
      uint64_t len = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), len);
      if (ec != std::errc() || p != value.data() + value.size()) return HttpParse::kBad;
      if (len > 0) out->has_body = true;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      out->has_body = true;
    }
  }
  out->head_size = pos;
  return HttpParse::kDone;
}

bool ParseBasicAuth(std::string_view authorization, std::string* user, std::string* password) {
  size_t sp = authorization.find(' ');
  if (sp == std::string_view::npos || !EqualsNoCase(authorization.substr(0, sp), "basic")) {
    return false;
  }
  std::string_view b64 = Trim(authorization.substr(sp + 1));
  std::string decoded;
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < b64.size() && b64[i] != '='; ++i) {
    int v = Base64Value(b64[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  for (; i < b64.size(); ++i) {
    if (b64[i] != '=') return false;
  }
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  return true;
}

}  // namespace cinnabar::protocol
