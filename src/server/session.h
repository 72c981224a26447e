// Session: joins one io::Connection to one engine::Client. It is the io layer's handler and
// the engine's transport, so neither layer knows the other.
#pragma once

#include "engine/client.h"
#include "engine/worker.h"
#include <memory>

#include "io/event_loop.h"
#include "io/tls.h"

namespace cinnabar::server {

class Session final : public io::ConnectionHandler, public engine::Transport {
 public:
  // Takes over `fd` on `loop`; deletes itself when the connection closes. With `tls`, the
  // connection speaks TLS (a server-side handshake first).
  static void Start(io::EventLoop* loop, engine::Worker* worker, int fd, engine::PeerInfo peer,
                    std::shared_ptr<const io::TlsContext> tls = nullptr);

  // io::ConnectionHandler
  void OnInput(io::Connection* c, size_t n) override;
  void OnPeerClosed(io::Connection* c) override;
  void OnSent(io::Connection* c, size_t n) override;
  void OnClosed(io::Connection* c) override;
  void OnContinue(io::Connection*) override { client_->OnContinue(); }

  // engine::Transport
  base::IoBuf& input() override { return conn_->input(); }
  base::IoBuf& output() override { return conn_->output(); }
  void Flush() override { conn_->Flush(); }
  void CloseAfterFlush() override { conn_->CloseAfterFlush(); }
  void Close() override { conn_->Close(); }
  size_t pending_output() const override { return conn_->pending_output(); }
  void SendNow() override { conn_->SendNow(); }
  void HoldOutput(bool held) override { conn_->HoldOutput(held); }
  void PauseInput(bool paused) override { conn_->PauseReading(paused); }
  uint64_t turn() const override { return conn_->loop()->turn(); }
  void ContinueNextTurn() override { conn_->ContinueNextTurn(); }

 private:
  explicit Session(engine::Worker* worker) : worker_(worker) {}

  engine::Worker* worker_;
  io::Connection* conn_ = nullptr;
  engine::Client* client_ = nullptr;
};

}  // namespace cinnabar::server
