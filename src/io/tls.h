// TLS over a connection, with OpenSSL and memory BIOs: the event loop moves ciphertext
// between the socket and a TlsLayer's wire buffers; the layer decrypts into the
// connection's input() and encrypts its output(). Nothing above the connection sees TLS.
//
// Threading: a TlsContext is built once (startup, CONFIG SET of a tls-* directive) and then
// only read, by every loop thread at once (SSL_CTX is safe for that once configured; its
// session cache locks itself). A TlsLayer belongs to its connection's loop thread.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>

#include "base/io_buf.h"
#include "base/status.h"

namespace cinnabar::io {

// What tls-* directives say about the server side (Redis 7.0's names in comments).
struct TlsOptions {
  std::string cert_file;         // tls-cert-file
  std::string key_file;          // tls-key-file
  std::string key_file_pass;     // tls-key-file-pass
  std::string ca_cert_file;      // tls-ca-cert-file
  std::string ca_cert_dir;       // tls-ca-cert-dir
  std::string dh_params_file;    // tls-dh-params-file
  enum class Auth { kNo, kYes, kOptional } auth_clients = Auth::kYes;  // tls-auth-clients
  std::string protocols;         // tls-protocols, e.g. "TLSv1.2 TLSv1.3"; empty: 1.2 and 1.3
  std::string ciphers;           // tls-ciphers (TLSv1.2 and below)
  std::string ciphersuites;      // tls-ciphersuites (TLSv1.3)
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  long session_cache_size = 20480;
  long session_cache_timeout = 300;  // seconds
  // tls-replication / tls-cluster: only whether a CA is required (Redis's check).
  bool client_side_needs_ca = false;
};

class TlsContext {
 public:
  // Builds a server context; the error names the file or setting as Redis's log does
  // ("Failed to load certificate: server.crt: error:...").
  static base::StatusOr<std::shared_ptr<const TlsContext>> Create(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* ctx() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// One connection's TLS session, server side.
class TlsLayer {
 public:
  explicit TlsLayer(std::shared_ptr<const TlsContext> ctx);
  ~TlsLayer();
  TlsLayer(const TlsLayer&) = delete;
  TlsLayer& operator=(const TlsLayer&) = delete;

  // Ciphertext received from the socket (the loop appends here) and to send (the loop
  // sends from here and consumes what the kernel took).
  base::IoBuf& wire_in() { return wire_in_; }
  base::IoBuf& wire_out() { return wire_out_; }

  struct ReadResult {
    size_t plain = 0;        // plaintext bytes appended to `plain_out`
    bool wire_output = false;  // wire_out() has something to send (handshake, alert)
    bool failed = false;     // handshake or record error: close; error() says why
    bool peer_closed = false;  // close_notify received
  };
  // Takes every byte of wire_in(), runs the handshake as far as it goes and decrypts what
  // follows into `plain_out`.
  ReadResult Read(base::IoBuf& plain_out);

  // Encrypts `plain` into wire_out() until wire_out() holds about `high_water` bytes or
  // `plain` is used up; consumes what it encrypted and returns how much. Nothing before the
  // handshake has finished, nor after a failure.
  size_t Write(base::IoBuf& plain, size_t high_water);

  bool established() const { return established_; }
  bool failed() const { return failed_; }
  // OpenSSL's text for the failure ("error:0A00010B:SSL routines::wrong version number").
  const std::string& error() const { return error_; }

 private:
  void DrainWbio();
  void Fail(int ssl_error);

  SSL* ssl_;
  BIO* rbio_;  // owned by ssl_
  BIO* wbio_;  // owned by ssl_
  std::shared_ptr<const TlsContext> ctx_;  // keeps the context alive past a reload
  base::IoBuf wire_in_;
  base::IoBuf wire_out_;
  bool established_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace cinnabar::io
