// The HTTP side of Session: GET /metrics in Prometheus' text format (commands/metrics_text.h).
//
// On the RESP port, with requirepass set, a request must carry HTTP Basic credentials of
// the default user (any user name or "default", the password) or it gets 401: the endpoint
// leaks nothing a client that did not AUTH could not see. metrics-port asks for none; it is
// meant for a scraper on a trusted network (bind it, or firewall it).

#include <fmt/format.h>

#include "base/clock.h"
#include "commands/metrics_text.h"
#include "engine/engine.h"
#include "engine/hold_all.h"
#include "protocol/http_request.h"
#include "server/session.h"

namespace cinnabar::server {
namespace {

constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

// Constant-time, so a wrong password's length or prefix cannot be timed.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  }
  return diff == 0;
}

}  // namespace

void Session::Respond(int status, std::string_view reason, std::string_view extra_headers,
                      std::string_view body, bool keep_alive, bool head_only) {
  const bool is_metrics = status == 200;
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n{}\r\n",
      status, reason, is_metrics ? kMetricsType : "text/plain; charset=utf-8", body.size(),
      keep_alive ? "keep-alive" : "close", extra_headers);
  conn_->output().Append(head);
  if (!head_only) conn_->output().Append(body);
  if (keep_alive && !http_peer_closed_) {
    conn_->Flush();
  } else {
    conn_->CloseAfterFlush();
  }
}

void Session::ServeHttp() {
  while (conn_ != nullptr && !http_pending_ && !conn_->closing()) {
    base::IoBuf& in = conn_->input();
    if (in.empty()) return;
    protocol::HttpRequest req;
    protocol::HttpParse r = protocol::ParseHttpRequest(in.view(), &req);
    if (r == protocol::HttpParse::kNeedMore) {
      // Bounded by kMaxHttpHead; a head that never ends is closed by `timeout`.
      return;
    }
    if (r != protocol::HttpParse::kDone) {
      in.Clear();
      return r == protocol::HttpParse::kBad
                 ? Respond(400, "Bad Request", "", "Bad Request\n", false, false)
                 : Respond(431, "Request Header Fields Too Large", "",
                           "Request Header Fields Too Large\n", false, false);
    }
    in.Consume(req.head_size);
    client_->last_interaction_ms = base::UnixTimeMs();
    const bool head_only = req.method == "HEAD";
    // A body is not read: the connection cannot carry another request after it.
    const bool keep_alive = req.keep_alive && !req.has_body;
    if (req.method != "GET" && !head_only) {
      in.Clear();
      return Respond(405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "Method Not Allowed\n",
                     false, false);
    }
    if (req.path != kMetricsPath) {
      Respond(404, "Not Found", "", "Not Found\n", keep_alive, head_only);
      continue;
    }
    const std::string& password = worker_->config().requirepass;
    if (!http_only_ && !password.empty() && !client_->authenticated) {
      std::string user, given;
      if (!protocol::ParseBasicAuth(req.authorization, &user, &given) ||
          !(user.empty() || user == "default") || !SameSecret(given, password)) {
        Respond(401, "Unauthorized", "WWW-Authenticate: Basic realm=\"cinnabar\"\r\n",
                "Unauthorized\n", keep_alive, head_only);
        continue;
      }
    }
    if (!keep_alive) in.Clear();
    ServeMetrics(keep_alive, head_only);
  }
}

void Session::ServeMetrics(bool keep_alive, bool head_only) {
  http_pending_ = true;
  conn_->PauseReading(true);
  engine::Engine& eng = worker_->engine();
  engine::HoldAllShards(eng, worker_->index(),
                        [this, &eng, keep_alive, head_only](engine::ReleaseShards release) {
                          std::string body = commands::GatherMetrics(eng, worker_->config());
                          release();
                          http_pending_ = false;
                          if (closed_) {
                            delete this;
                            return;
                          }
                          conn_->PauseReading(false);
                          Respond(200, "OK", "", body, keep_alive, head_only);
                          if (http_peer_closed_) conn_->CloseAfterFlush();
                          ServeHttp();  // a request pipelined behind this one
                        });
}

}  // namespace cinnabar::server
