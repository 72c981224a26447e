#include "server/tls_config.h"

namespace cinnabar::server {

io::TlsOptions TlsOptionsFrom(const engine::ServerConfig& cfg) {
  io::TlsOptions o;
  o.cert_file = cfg.tls_cert_file;
  o.key_file = cfg.tls_key_file;
  o.key_file_pass = cfg.tls_key_file_pass;
  o.ca_cert_file = cfg.tls_ca_cert_file;
  o.ca_cert_dir = cfg.tls_ca_cert_dir;
  o.dh_params_file = cfg.tls_dh_params_file;
  switch (cfg.tls_auth_clients) {
    case engine::ServerConfig::TlsAuth::kNo: o.auth_clients = io::TlsOptions::Auth::kNo; break;
    case engine::ServerConfig::TlsAuth::kYes: o.auth_clients = io::TlsOptions::Auth::kYes; break;
    case engine::ServerConfig::TlsAuth::kOptional:
      o.auth_clients = io::TlsOptions::Auth::kOptional;
      break;
  }
  o.protocols = cfg.tls_protocols;
  o.ciphers = cfg.tls_ciphers;
  o.ciphersuites = cfg.tls_ciphersuites;
  o.prefer_server_ciphers = cfg.tls_prefer_server_ciphers;
  o.session_caching = cfg.tls_session_caching;
  o.session_cache_size = static_cast<long>(cfg.tls_session_cache_size);
  o.session_cache_timeout = static_cast<long>(cfg.tls_session_cache_timeout);
  o.client_side_needs_ca = cfg.tls_replication || cfg.tls_cluster;
  return o;
}

std::string_view ChangedTlsDirective(const engine::ServerConfig& a, const engine::ServerConfig& b) {
  if (a.tls_cert_file != b.tls_cert_file) return "tls-cert-file";
  if (a.tls_key_file != b.tls_key_file) return "tls-key-file";
  if (a.tls_key_file_pass != b.tls_key_file_pass) return "tls-key-file-pass";
  if (a.tls_client_cert_file != b.tls_client_cert_file) return "tls-client-cert-file";
  if (a.tls_client_key_file != b.tls_client_key_file) return "tls-client-key-file";
  if (a.tls_client_key_file_pass != b.tls_client_key_file_pass) return "tls-client-key-file-pass";
  if (a.tls_dh_params_file != b.tls_dh_params_file) return "tls-dh-params-file";
  if (a.tls_ca_cert_file != b.tls_ca_cert_file) return "tls-ca-cert-file";
  if (a.tls_ca_cert_dir != b.tls_ca_cert_dir) return "tls-ca-cert-dir";
  if (a.tls_auth_clients != b.tls_auth_clients) return "tls-auth-clients";
  if (a.tls_replication != b.tls_replication) return "tls-replication";
  if (a.tls_cluster != b.tls_cluster) return "tls-cluster";
  if (a.tls_protocols != b.tls_protocols) return "tls-protocols";
  if (a.tls_ciphers != b.tls_ciphers) return "tls-ciphers";
  if (a.tls_ciphersuites != b.tls_ciphersuites) return "tls-ciphersuites";
  if (a.tls_prefer_server_ciphers != b.tls_prefer_server_ciphers) {
    return "tls-prefer-server-ciphers";
  }
  if (a.tls_session_caching != b.tls_session_caching) return "tls-session-caching";
  if (a.tls_session_cache_size != b.tls_session_cache_size) return "tls-session-cache-size";
  if (a.tls_session_cache_timeout != b.tls_session_cache_timeout) {
    return "tls-session-cache-timeout";
  }
  return {};
}

}  // namespace cinnabar::server
