#include "server/session.h"

#include "engine/engine.h"
#include "protocol/http_request.h"

namespace cinnabar::server {

void Session::Start(io::EventLoop* loop, engine::Worker* worker, int fd, engine::PeerInfo peer,
                    Mode mode) {
  auto* s = new Session(worker);
  s->http_only_ = mode == Mode::kHttpOnly;
  s->state_ = s->http_only_ ? State::kHttp : State::kSniffing;
  s->conn_ = loop->Adopt(fd, s);
  s->client_ = new engine::Client(worker, s, worker->engine().NextClientId(), std::move(peer));
  worker->stats().connections_received.Inc();
}

void Session::OnInput(io::Connection*, size_t n) {
  if (state_ == State::kSniffing) {
    switch (protocol::SniffHttp(conn_->input().view())) {
      case protocol::Sniff::kNeedMore:
        return;
      case protocol::Sniff::kResp:
        state_ = State::kResp;
        n = conn_->input().size();  // the bytes held back while sniffing count now
        break;
      case protocol::Sniff::kHttp:
        state_ = State::kHttp;
        break;
    }
  }
  if (state_ == State::kResp) return client_->OnInput(n);
  worker_->stats().net_input_bytes.Add(static_cast<int64_t>(n));
  worker_->stats().reads_processed.Inc();
  ServeHttp();
}

void Session::OnPeerClosed(io::Connection*) {
  if (state_ == State::kResp) return client_->OnPeerClosed();
  http_peer_closed_ = true;
  if (!http_pending_) conn_->CloseAfterFlush();
}

void Session::OnContinue(io::Connection*) {
  if (state_ == State::kResp) client_->OnContinue();
}

void Session::OnSent(io::Connection*, size_t n) {
  engine::WorkerStats& stats = worker_->stats();
  stats.net_output_bytes.Add(static_cast<int64_t>(n));
  stats.writes_processed.Inc();
}

void Session::OnClosed(io::Connection*) {
  conn_ = nullptr;
  client_->OnClosed();
  if (http_pending_) {
    closed_ = true;  // ServeMetrics' callback finishes the job
    return;
  }
  delete this;
}

}  // namespace cinnabar::server
