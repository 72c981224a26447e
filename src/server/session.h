// Session: joins one io::Connection to one engine::Client. It is the io layer's handler and
// the engine's transport, so neither layer knows the other. It also answers HTTP GET
// /metrics (server/http_metrics.cc): on the RESP port when the connection's first bytes are
// an HTTP GET request line (protocol/http_request.h), and on metrics-port always.
#pragma once

#include "engine/client.h"
#include "engine/worker.h"
#include "io/event_loop.h"

namespace cinnabar::server {

class Session final : public io::ConnectionHandler, public engine::Transport {
 public:
  enum class Mode {
    kRespOrHttp,  // the RESP port: the first bytes decide
    kHttpOnly,    // metrics-port
  };
  // Takes over `fd` on `loop`; deletes itself when the connection closes.
  static void Start(io::EventLoop* loop, engine::Worker* worker, int fd, engine::PeerInfo peer,
                    Mode mode = Mode::kRespOrHttp);

  // io::ConnectionHandler
  void OnInput(io::Connection* c, size_t n) override;
  void OnPeerClosed(io::Connection* c) override;
  void OnSent(io::Connection* c, size_t n) override;
  void OnClosed(io::Connection* c) override;
  void OnContinue(io::Connection*) override;

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
  enum class State { kSniffing, kResp, kHttp };
  explicit Session(engine::Worker* worker) : worker_(worker) {}

  // HTTP (server/http_metrics.cc): answers the requests in the input, one at a time.
  void ServeHttp();
  void Respond(int status, std::string_view reason, std::string_view extra_headers,
               std::string_view body, bool keep_alive, bool head_only);
  // The metrics are gathered with every shard held; the session waits meanwhile.
  void ServeMetrics(bool keep_alive, bool head_only);

  engine::Worker* worker_;
  io::Connection* conn_ = nullptr;
  engine::Client* client_ = nullptr;
  State state_ = State::kSniffing;
  bool http_only_ = false;
  bool http_pending_ = false;  // metrics being gathered
  bool http_peer_closed_ = false;
  bool closed_ = false;        // the connection went while gathering: delete when done
};

}  // namespace cinnabar::server
