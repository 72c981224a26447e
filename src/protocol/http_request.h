// Just enough HTTP/1.x for GET /metrics: telling an HTTP request from RESP on the RESP
// port, and reading a request head (request line and headers; no bodies).
//
// Redis compat: on the RESP port only an exact request line "GET <path> HTTP/1.0|1.1\r\n"
// is HTTP. Redis answers such a line with an arity error for GET, so no Redis client sends
// it; anything else (an inline GET of a key, "POST ...", "Host: ...") stays RESP, where the
// dispatcher drops POST and Host: connections as Redis does.
//
// Threading: plain functions over the caller's bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cinnabar::protocol {

// The most a request head may take (request line and headers, blank line included).
inline constexpr size_t kMaxHttpHead = 8192;
inline constexpr size_t kMaxHttpHeaders = 64;

enum class Sniff {
  kNeedMore,  // could still become an HTTP GET request line
  kResp,      // not HTTP: hand every byte to the RESP parser
  kHttp,      // begins with a whole HTTP GET request line
};
// Looks at the first bytes of a connection on the RESP port.
Sniff SniffHttp(std::string_view input);

struct HttpRequest {
  std::string method;
  std::string path;   // the target without its "?query"
  int minor = 1;      // HTTP/1.<minor>
  bool keep_alive = true;
  bool has_body = false;  // Content-Length > 0 or Transfer-Encoding: not read, so no reuse
  std::string authorization;  // the Authorization header's value
  size_t head_size = 0;   // bytes of the head, blank line included
};

enum class HttpParse {
  kNeedMore,  // the head is not complete yet (and under kMaxHttpHead)
  kDone,      // *out holds the request; its head is out->head_size bytes
  kBad,       // malformed: answer 400 and close
  kTooLarge,  // head over kMaxHttpHead or too many headers: answer 431 and close
};
HttpParse ParseHttpRequest(std::string_view input, HttpRequest* out);

// The user and password of an "Authorization: Basic <base64 user:password>" value; false
// when it is not one.
bool ParseBasicAuth(std::string_view authorization, std::string* user, std::string* password);

}  // namespace cinnabar::protocol
