#include "server/session.h"

#include "engine/engine.h"

namespace cinnabar::server {

void Session::Start(io::EventLoop* loop, engine::Worker* worker, int fd, engine::PeerInfo peer,
                    std::shared_ptr<const io::TlsContext> tls) {
  auto* s = new Session(worker);
  s->conn_ = loop->Adopt(fd, s);
  // Adopt only arms the read; nothing arrives before the loop's next turn.
  if (tls != nullptr) s->conn_->EnableTls(std::move(tls));
  s->client_ = new engine::Client(worker, s, worker->engine().NextClientId(), std::move(peer));
  worker->stats().connections_received.Inc();
}

void Session::OnInput(io::Connection*, size_t n) { client_->OnInput(n); }

void Session::OnPeerClosed(io::Connection*) { client_->OnPeerClosed(); }

void Session::OnSent(io::Connection*, size_t n) {
  engine::WorkerStats& stats = worker_->stats();
  stats.net_output_bytes.Add(static_cast<int64_t>(n));
  stats.writes_processed.Inc();
}

void Session::OnClosed(io::Connection*) {
  conn_ = nullptr;
  client_->OnClosed();
  delete this;
}

}  // namespace cinnabar::server
