// libFuzzer target: protocol/http_request.h. The input is fed as a connection would see it:
// the sniffer on every prefix (its verdict may only go from "need more" to a final one, and
// never change after), then the head parser on the whole input and on every prefix (a
// prefix of a complete head needs more or fails; a parsed head lies within the input and
// the limit), and the Basic credentials parser on the Authorization value found.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/http_request.h"

namespace {
constexpr const char* kFuzzTarget = "http_request";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cinnabar::protocol;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  Sniff settled = Sniff::kNeedMore;
  for (size_t n = 0; n <= in.size(); ++n) {
    Sniff s = SniffHttp(in.substr(0, n));
    if (settled != Sniff::kNeedMore) CHECK(s == settled);
    settled = s;
  }

  HttpRequest req;
  HttpParse whole = ParseHttpRequest(in, &req);
  if (whole == HttpParse::kDone) {
    CHECK(req.head_size <= in.size() && req.head_size <= kMaxHttpHead);
    CHECK(req.minor == 0 || req.minor == 1);
    CHECK(!req.path.empty());
    std::string user, password;
    ParseBasicAuth(req.authorization, &user, &password);
    // Every shorter prefix of the head is incomplete (or already malformed).
    for (size_t n = 0; n < req.head_size; n += 1 + n / 8) {
      HttpRequest p;
      CHECK(ParseHttpRequest(in.substr(0, n), &p) != HttpParse::kDone);
    }
  }
  if (whole == HttpParse::kNeedMore) CHECK(in.size() < kMaxHttpHead);
  std::string user, password;
  ParseBasicAuth(in, &user, &password);
  return 0;
}
