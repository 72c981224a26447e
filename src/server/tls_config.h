// The tls-* directives as the io layer's TLS settings, and which of them changed.
#pragma once

#include <string_view>

#include "engine/config.h"
#include "io/tls.h"

namespace cinnabar::server {

io::TlsOptions TlsOptionsFrom(const engine::ServerConfig& cfg);

// The first tls-* directive (in Redis's order) whose value differs between `a` and `b`
// and that the TLS context is built from; empty if none.
std::string_view ChangedTlsDirective(const engine::ServerConfig& a, const engine::ServerConfig& b);

}  // namespace cinnabar::server
