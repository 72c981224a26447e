// TlsLayer driven by an in-memory OpenSSL client: the handshake, data both ways in large
// amounts, and random bytes instead of ciphertext (before and after the handshake).
#include "io/tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace cinnabar::io {
namespace {

// A self-signed EC certificate and key in PEM files under /tmp, for the test's life.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    dir_ = "/tmp/cinnabar-tls-test-" + std::to_string(getpid());
    mkdir(dir_.c_str(), 0700);
    FILE* f = fopen((dir_ + "/cert.pem").c_str(), "w");
    PEM_write_X509(f, cert);
    fclose(f);
    f = fopen((dir_ + "/key.pem").c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  static void TearDownTestSuite() {
    unlink((dir_ + "/cert.pem").c_str());
    unlink((dir_ + "/key.pem").c_str());
    rmdir(dir_.c_str());
  }

  std::shared_ptr<const TlsContext> Context() {
    TlsOptions o;
    o.cert_file = dir_ + "/cert.pem";
    o.key_file = dir_ + "/key.pem";
    o.auth_clients = TlsOptions::Auth::kNo;
    auto ctx = TlsContext::Create(o);
    EXPECT_TRUE(ctx.ok()) << ctx.status().message();
    return ctx.ok() ? *ctx : nullptr;
  }

  // A client over memory BIOs; Pump moves bytes between it and the layer.
  struct Client {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    Client() {
      BIO_set_mem_eof_return(in, -1);
      SSL_set_bio(ssl, in, out);
      SSL_set_connect_state(ssl);
    }
    ~Client() {
      SSL_free(ssl);
      SSL_CTX_free(ctx);
    }
  };

  // One round: client output into the layer, the layer's output to the client.
  TlsLayer::ReadResult Pump(Client& c, TlsLayer& layer, base::IoBuf& plain) {
    char buf[16384];
    int n;
    while ((n = BIO_read(c.out, buf, sizeof(buf))) > 0) layer.wire_in().Append(buf, n);
    TlsLayer::ReadResult r = layer.Read(plain);
    BIO_write(c.in, layer.wire_out().data(), static_cast<int>(layer.wire_out().size()));
    layer.wire_out().Clear();
    return r;
  }

  static std::string dir_;
};

std::string TlsTest::dir_;

TEST_F(TlsTest, HandshakeAndDataBothWays) {
  TlsLayer layer(Context());
  Client c;
  base::IoBuf plain;
  for (int i = 0; i < 10 && !SSL_is_init_finished(c.ssl); ++i) {
    SSL_do_handshake(c.ssl);
    ASSERT_FALSE(Pump(c, layer, plain).failed) << layer.error();
  }
  ASSERT_TRUE(SSL_is_init_finished(c.ssl));
  ASSERT_TRUE(layer.established());

  // Client to server: 3 MB, decrypted into `plain` as it arrives.
  std::string sent(3 << 20, '\0');
  std::mt19937 rng(7);
  for (char& ch : sent) ch = static_cast<char>(rng());
  size_t off = 0;
  while (off < sent.size()) {
    int n = SSL_write(c.ssl, sent.data() + off, static_cast<int>(std::min<size_t>(65536, sent.size() - off)));
    ASSERT_GT(n, 0);
    off += static_cast<size_t>(n);
    ASSERT_FALSE(Pump(c, layer, plain).failed);
  }
  EXPECT_EQ(plain.view(), sent);

  // Server to client: Write stops near its high-water mark; repeated calls send it all.
  base::IoBuf out;
  out.Append(sent);
  std::string received;
  char buf[16384];
  while (!out.empty()) {
    size_t n = layer.Write(out, 64 * 1024);
    ASSERT_GT(n, 0u);
    EXPECT_LE(layer.wire_out().size(), 64 * 1024 + 17 * 1024);
    BIO_write(c.in, layer.wire_out().data(), static_cast<int>(layer.wire_out().size()));
    layer.wire_out().Clear();
    int r;
    while ((r = SSL_read(c.ssl, buf, sizeof(buf))) > 0) received.append(buf, r);
  }
  EXPECT_EQ(received, sent);
}

TEST_F(TlsTest, RandomBytesBeforeHandshakeFail) {
  auto ctx = Context();
  std::mt19937 rng(1);
  for (int round = 0; round < 200; ++round) {
    TlsLayer layer(ctx);
    base::IoBuf plain;
    std::string junk(1 + rng() % 4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    if (round % 2 == 0) junk[0] = 0x16;  // looks like a handshake record
    layer.wire_in().Append(junk);
    TlsLayer::ReadResult r = layer.Read(plain);
    EXPECT_EQ(plain.size(), 0u);
    EXPECT_FALSE(layer.established());
    if (r.failed) {
      EXPECT_FALSE(layer.error().empty());
      EXPECT_EQ(layer.Write(plain, 1 << 20), 0u);  // nothing is written after a failure
    }
  }
}

TEST_F(TlsTest, RandomBytesAfterHandshakeFail) {
  TlsLayer layer(Context());
  Client c;
  base::IoBuf plain;
  for (int i = 0; i < 10 && !SSL_is_init_finished(c.ssl); ++i) {
    SSL_do_handshake(c.ssl);
    Pump(c, layer, plain);
  }
  ASSERT_TRUE(layer.established());
  std::string junk = "\x17\x03\x03\x00\x40" + std::string(64, 'z');  // a bogus data record
  layer.wire_in().Append(junk);
  TlsLayer::ReadResult r = layer.Read(plain);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(plain.size(), 0u);
}

TEST_F(TlsTest, ContextErrorsNameTheFile) {
  TlsOptions o;
  o.cert_file = "/nonexistent.crt";
  o.key_file = dir_ + "/key.pem";
  o.auth_clients = TlsOptions::Auth::kNo;
  auto ctx = TlsContext::Create(o);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().message().rfind("Failed to load certificate: /nonexistent.crt: ", 0), 0u);
  o.cert_file = dir_ + "/cert.pem";
  o.protocols = "TLSv1.2 SSLv3";
  EXPECT_EQ(TlsContext::Create(o).status().message(),
            "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', "
            "'TLSv1.2' and 'TLSv1.3'.");
  o.protocols = "";
  o.auth_clients = TlsOptions::Auth::kYes;
  EXPECT_EQ(TlsContext::Create(o).status().message().rfind("Either tls-ca-cert-file", 0), 0u);
}

}  // namespace
}  // namespace cinnabar::io
