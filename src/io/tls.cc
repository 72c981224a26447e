#include "io/tls.h"

#include <openssl/err.h>

#include <cstring>
#include <string_view>

#include "base/string_util.h"

namespace cinnabar::io {
namespace {

constexpr size_t kRecordChunk = 16 * 1024;  // a TLS record's worth of plaintext

// OpenSSL's text for the oldest queued error ("error:0A00010B:SSL routines::wrong version
// number"), and clears the queue (it is per thread, shared by every connection on it).
std::string TakeErrorText() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

// tls-protocols: a space-separated subset of TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 (case-insensitive).
bool ParseProtocols(std::string_view spec, long* no_options) {
  if (spec.find_first_not_of(' ') == std::string_view::npos) spec = "TLSv1.2 TLSv1.3";
  bool v10 = false, v11 = false, v12 = false, v13 = false;
  size_t i = 0;
  while (i < spec.size()) {
    if (spec[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = spec.find(' ', i);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view word = spec.substr(i, end - i);
    if (base::EqualsIgnoreCase(word, "tlsv1")) v10 = true;
    else if (base::EqualsIgnoreCase(word, "tlsv1.1")) v11 = true;
    else if (base::EqualsIgnoreCase(word, "tlsv1.2")) v12 = true;
    else if (base::EqualsIgnoreCase(word, "tlsv1.3")) v13 = true;
    else return false;
    i = end;
  }
  long no = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3;
  if (!v10) no |= SSL_OP_NO_TLSv1;
  if (!v11) no |= SSL_OP_NO_TLSv1_1;
  if (!v12) no |= SSL_OP_NO_TLSv1_2;
  if (!v13) no |= SSL_OP_NO_TLSv1_3;
  *no_options = no;
  return true;
}

int PasswordCallback(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  if (pass == nullptr || pass->empty()) return 0;
  int n = static_cast<int>(pass->size());
  if (n > size) n = size;
  std::memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

base::Status ConfigureDhParams(SSL_CTX* ctx, const std::string& file) {
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) {
    return base::Status::Error("Failed to load " + file + ": " + TakeErrorText());
  }
  EVP_PKEY* params = PEM_read_bio_Parameters(bio, nullptr);
  BIO_free(bio);
  if (params == nullptr) {
    return base::Status::Error("Failed to load DH params file: " + file + ": " + TakeErrorText());
  }
  if (SSL_CTX_set0_tmp_dh_pkey(ctx, params) != 1) {
    EVP_PKEY_free(params);
    return base::Status::Error("Failed to load DH params file: " + file + ": " + TakeErrorText());
  }
  return base::Status::Ok();
}

// Everything but the files: protocols, options, caching, client certificates.
base::Status ConfigureBasics(SSL_CTX* ctx, const TlsOptions& o) {
  long no_protocols;
  if (!ParseProtocols(o.protocols, &no_protocols)) {
    return base::Status::Error(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
        "and 'TLSv1.3'.");
  }
  // OpenSSL 3 refuses client-initiated renegotiation by default.
  long options = no_protocols | SSL_OP_NO_COMPRESSION;
  if (o.prefer_server_ciphers) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (!o.session_caching) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, options);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (o.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, o.session_cache_size);
    SSL_CTX_set_timeout(ctx, o.session_cache_timeout);
    static const unsigned char kSessionContext[] = "cinnabar";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  switch (o.auth_clients) {
    case TlsOptions::Auth::kNo:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case TlsOptions::Auth::kYes:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
    case TlsOptions::Auth::kOptional:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
  }
  return base::Status::Ok();
}

// The certificate, key, CA, DH parameters and ciphers, each failure as Redis logs it.
base::Status ConfigureFiles(SSL_CTX* ctx, const TlsOptions& o) {
  // The callback reads the password through this pointer only while the key loads.
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&o.key_file_pass));
  base::Status st = base::Status::Ok();
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) <= 0) {
    st = base::Status::Error("Failed to load certificate: " + o.cert_file + ": " + TakeErrorText());
  } else if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    st = base::Status::Error("Failed to load private key: " + o.key_file + ": " + TakeErrorText());
  }
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (!st.ok()) return st;
  if ((!o.ca_cert_file.empty() || !o.ca_cert_dir.empty()) &&
      SSL_CTX_load_verify_locations(ctx, o.ca_cert_file.empty() ? nullptr : o.ca_cert_file.c_str(),
                                    o.ca_cert_dir.empty() ? nullptr : o.ca_cert_dir.c_str()) <= 0) {
    return base::Status::Error("Failed to configure CA certificate(s) file/directory: " +
                               TakeErrorText());
  }
  if (!o.dh_params_file.empty()) {
    st = ConfigureDhParams(ctx, o.dh_params_file);
    if (!st.ok()) return st;
  }
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()) == 0) {
    ERR_clear_error();
    return base::Status::Error("Failed to configure ciphers: " + o.ciphers);
  }
  if (!o.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, o.ciphersuites.c_str()) == 0) {
    ERR_clear_error();
    return base::Status::Error("Failed to configure ciphersuites: " + o.ciphersuites);
  }
  return base::Status::Ok();
}

}  // namespace

base::StatusOr<std::shared_ptr<const TlsContext>> TlsContext::Create(const TlsOptions& o) {
  // Redis compat: the same checks, in the same order, with the same texts.
  if (o.cert_file.empty()) return base::Status::Error("No tls-cert-file configured!");
  if (o.key_file.empty()) return base::Status::Error("No tls-key-file configured!");
  if ((o.auth_clients != TlsOptions::Auth::kNo || o.client_side_needs_ca) &&
      o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
    return base::Status::Error(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!");
  }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return base::Status::Error("Failed to create SSL_CTX: " + TakeErrorText());
  base::Status st = ConfigureBasics(ctx, o);
  if (st.ok()) st = ConfigureFiles(ctx, o);
  if (!st.ok()) {
    SSL_CTX_free(ctx);
    return st;
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(ctx));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsLayer::TlsLayer(std::shared_ptr<const TlsContext> ctx) : ctx_(std::move(ctx)) {
  ssl_ = SSL_new(ctx_->ctx());
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio_, -1);  // no bytes yet is "try again", not EOF
  SSL_set_bio(ssl_, rbio_, wbio_);
  SSL_set_accept_state(ssl_);
}

TlsLayer::~TlsLayer() { SSL_free(ssl_); }

void TlsLayer::Fail(int ssl_error) {
  failed_ = true;
  if (ssl_error == SSL_ERROR_SSL) {
    error_ = TakeErrorText();
  } else {
    ERR_clear_error();
    error_ = ssl_error == SSL_ERROR_SYSCALL ? "unexpected end of stream"
                                            : "SSL error " + std::to_string(ssl_error);
  }
}

void TlsLayer::DrainWbio() {
  while (true) {
    size_t pending = BIO_ctrl_pending(wbio_);
    if (pending == 0) return;
    char* p = wire_out_.PrepareWrite(pending);
    int n = BIO_read(wbio_, p, static_cast<int>(pending));
    if (n <= 0) return;
    wire_out_.Commit(static_cast<size_t>(n));
  }
}

TlsLayer::ReadResult TlsLayer::Read(base::IoBuf& plain_out) {
  ReadResult r;
  if (failed_) {
    wire_in_.Clear();
    r.failed = true;
    return r;
  }
  while (!wire_in_.empty()) {
    int n = BIO_write(rbio_, wire_in_.data(), static_cast<int>(wire_in_.size()));
    if (n <= 0) break;
    wire_in_.Consume(static_cast<size_t>(n));
  }
  ERR_clear_error();
  if (!established_) {
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
      established_ = true;
    } else {
      int e = SSL_get_error(ssl_, rc);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) Fail(e);
    }
  }
  while (established_ && !failed_) {
    char* p = plain_out.PrepareWrite(kRecordChunk);
    int n = SSL_read(ssl_, p, static_cast<int>(plain_out.writable()));
    if (n > 0) {
      plain_out.Commit(static_cast<size_t>(n));
      r.plain += static_cast<size_t>(n);
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
    if (e == SSL_ERROR_ZERO_RETURN) {
      r.peer_closed = true;
      break;
    }
    Fail(e);
  }
  DrainWbio();
  r.failed = failed_;
  r.wire_output = !wire_out_.empty();
  return r;
}

size_t TlsLayer::Write(base::IoBuf& plain, size_t high_water) {
  size_t total = 0;
  if (!established_ || failed_) return 0;
  ERR_clear_error();
  while (!plain.empty() && wire_out_.size() < high_water) {
    size_t chunk = plain.size() < kRecordChunk ? plain.size() : kRecordChunk;
    int n = SSL_write(ssl_, plain.data(), static_cast<int>(chunk));
    if (n <= 0) {
      Fail(SSL_get_error(ssl_, n));
      break;
    }
    plain.Consume(static_cast<size_t>(n));
    total += static_cast<size_t>(n);
    DrainWbio();
  }
  return total;
}

}  // namespace cinnabar::io
