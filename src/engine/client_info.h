// How a client is described to people: one CLIENT LIST line, also used in log lines about
// a client (closed at its output limit, ...).
#pragma once

#include <cstdint>
#include <string>

namespace cinnabar::engine {

class Client;

// One CLIENT LIST line, fields as Redis 7 prints them (plus 7.2's lib-name/lib-ver).
std::string DescribeClient(Client& c, int64_t now_ms);
// The bytes the client holds: its buffers, allocated or in flight, and itself (CLIENT
// LIST's tot-mem, what maxmemory-clients limits).
size_t ClientMemory(Client& c);

}  // namespace cinnabar::engine
