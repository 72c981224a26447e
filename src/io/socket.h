// TCP socket helpers: listening as Redis's bind directive describes, per-connection options,
// and address formatting as CLIENT LIST prints it.
#pragma once

#include <sys/socket.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace cinnabar::io {

// Listens on one bind address ("127.0.0.1", "::1", "*", "::*"; a leading '-' marks it
// optional). Returns the non-blocking listening fd, -1 when an optional address is not
// available here, or an error.
base::StatusOr<int> ListenTcp(const std::string& bind_addr, int port, int backlog);

// TCP_NODELAY, non-blocking, and keepalive probes every `keepalive_s` (0 = off).
void ConfigureAccepted(int fd, int keepalive_s);

// "ip:port", IPv6 in brackets ("[::1]:6379").
std::string FormatAddress(const sockaddr_storage& addr);
std::string LocalAddress(int fd);
bool IsLoopback(const sockaddr_storage& addr);

}  // namespace cinnabar::io
