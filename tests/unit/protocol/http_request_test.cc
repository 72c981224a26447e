#include "protocol/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace cinnabar::protocol {
namespace {

TEST(SniffHttpTest, OnlyAnExactGetRequestLine) {
  EXPECT_EQ(SniffHttp("GET /metrics HTTP/1.1\r\n"), Sniff::kHttp);
  EXPECT_EQ(SniffHttp("GET /metrics HTTP/1.0\r\nHost: x"), Sniff::kHttp);
  EXPECT_EQ(SniffHttp("GE"), Sniff::kNeedMore);
  EXPECT_EQ(SniffHttp("GET /metr"), Sniff::kNeedMore);
  EXPECT_EQ(SniffHttp("GET /metrics HTTP/1.1\r"), Sniff::kNeedMore);
  EXPECT_EQ(SniffHttp("GET /metrics\r\n"), Sniff::kResp);  // an inline GET of a key
  EXPECT_EQ(SniffHttp("GET key\r\n"), Sniff::kResp);
  EXPECT_EQ(SniffHttp("get /metrics HTTP/1.1\r\n"), Sniff::kResp);
  EXPECT_EQ(SniffHttp("GET /metrics HTTP/2.0\r\n"), Sniff::kResp);
  EXPECT_EQ(SniffHttp("GET /metrics HTTP/1.1 x\r\n"), Sniff::kResp);
  EXPECT_EQ(SniffHttp("POST /metrics HTTP/1.1\r\n"), Sniff::kResp);
  EXPECT_EQ(SniffHttp("*1\r\n$4\r\nPING\r\n"), Sniff::kResp);
  EXPECT_EQ(SniffHttp("GET /" + std::string(kMaxHttpHead, 'a')), Sniff::kResp);
}

TEST(ParseHttpRequestTest, HeadAndHeaders) {
  HttpRequest r;
  std::string head =
      "GET /metrics?x=1 HTTP/1.0\r\nConnection: Keep-Alive\r\nAuthorization: Basic "
      "ZGVmYXVsdDpzZWtyZXQ=\r\n\r\nrest";
  ASSERT_EQ(ParseHttpRequest(head, &r), HttpParse::kDone);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/metrics");
  EXPECT_EQ(r.minor, 0);
  EXPECT_TRUE(r.keep_alive);
  EXPECT_FALSE(r.has_body);
  EXPECT_EQ(r.head_size, head.size() - 4);
  std::string user, password;
  ASSERT_TRUE(ParseBasicAuth(r.authorization, &user, &password));
  EXPECT_EQ(user, "default");
  EXPECT_EQ(password, "sekret");

  ASSERT_EQ(ParseHttpRequest("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &r), HttpParse::kDone);
  EXPECT_FALSE(r.keep_alive);
  ASSERT_EQ(ParseHttpRequest("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", &r),
            HttpParse::kDone);
  EXPECT_TRUE(r.has_body);
}

TEST(ParseHttpRequestTest, IncompleteBadAndTooLarge) {
  HttpRequest r;
  EXPECT_EQ(ParseHttpRequest("GET /metrics HTTP/1.1\r\nHost: x\r\n", &r), HttpParse::kNeedMore);
  EXPECT_EQ(ParseHttpRequest("GET /metrics HTTP/1.1\nHost: x\n\n", &r), HttpParse::kBad);
  EXPECT_EQ(ParseHttpRequest("GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", &r), HttpParse::kBad);
  EXPECT_EQ(ParseHttpRequest("GET /metrics HTTP/1.1\r\n folded\r\n\r\n", &r), HttpParse::kBad);
  EXPECT_EQ(ParseHttpRequest("GET /metrics\r\n\r\n", &r), HttpParse::kBad);
  EXPECT_EQ(ParseHttpRequest("GET /metrics HTTP/1.1\r\nContent-Length: x\r\n\r\n", &r),
            HttpParse::kBad);
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(kMaxHttpHead, 'a');
  EXPECT_EQ(ParseHttpRequest(big, &r), HttpParse::kTooLarge);
  std::string many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i <= kMaxHttpHeaders; ++i) many += "A: b\r\n";
  EXPECT_EQ(ParseHttpRequest(many + "\r\n", &r), HttpParse::kTooLarge);
  std::string user, password;
  EXPECT_FALSE(ParseBasicAuth("Bearer abc", &user, &password));
  EXPECT_FALSE(ParseBasicAuth("Basic !!!", &user, &password));
}

}  // namespace
}  // namespace cinnabar::protocol
