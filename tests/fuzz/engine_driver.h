// EngineDriver: the real engine (registry, dispatcher, workers and their shards, every
// command family) run on the calling thread, for fuzz targets. What server/ and io/ would
// add is replaced by the least that runs it: each worker's tasks go to a queue of its own,
// and RunUntilIdle() runs the queues and each worker's deferred work in turn until none is
// left, as the workers' loops would, in one deterministic order. A client's connection is
// a pair of buffers (EngineDriver::Connection).
//
// No cron runs (no active expiry, no idle-client checks); a timer (Engine::RunAt) fires
// when every queue is idle, at once, whatever its time (a blocked client's timeout).
//
// Threading: one thread does everything: construction, calls, destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/io_buf.h"
#include "engine/client.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/registry.h"

namespace cinnabar::fuzz {

class EngineDriver final : engine::Messenger, engine::ServerHooks {
 public:
  // A client on worker 0, as a connection would make it.
  class Connection final : engine::Transport {
   public:
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Sends `args` as one multibulk request, runs the engine until idle and returns what
    // the client was sent meanwhile (empty when nothing was: a lost reply).
    std::string Call(std::span<const std::string_view> args);
    std::string Call(std::initializer_list<std::string_view> args) {
      return Call(std::span<const std::string_view>(args.begin(), args.size()));
    }
    // Whether the server closed the connection (QUIT, a protocol error, CLIENT KILL).
    bool closed() const { return closing_; }

   private:
    friend class EngineDriver;
    explicit Connection(EngineDriver* driver);
    base::IoBuf& input() override { return in_; }
    base::IoBuf& output() override { return out_; }
    void Flush() override;
    void CloseAfterFlush() override;
    void Close() override;
    size_t pending_output() const override { return out_.size(); }
    void SendNow() override {}
    void HoldOutput(bool held) override { held_ = held; }
    void PauseInput(bool) override {}  // the test hands over all input itself
    // Each Call is a turn, and so is each continuation.
    uint64_t turn() const override { return turn_; }
    void ContinueNextTurn() override;
    void CloseSoon();

    EngineDriver* driver_;
    engine::Client* client_ = nullptr;
    base::IoBuf in_, out_;
    bool held_ = false;
    uint64_t turn_ = 0;
    std::string received_;
    bool closing_ = false;
    bool client_closed_ = false;
  };

  EngineDriver(unsigned shards, engine::ServerConfig config);
  ~EngineDriver() override;
  EngineDriver(const EngineDriver&) = delete;
  EngineDriver& operator=(const EngineDriver&) = delete;

  engine::Engine& engine() { return *engine_; }
  std::unique_ptr<Connection> Connect();
  // Runs queued tasks, deferred work and then timers until there is nothing left to run.
  void RunUntilIdle();

 private:
  // engine::Messenger
  void Post(unsigned thread, base::Task task) override;
  void PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
               base::FunctionRef<void()> while_held) override;
  void RunAt(unsigned thread, int64_t when_us, base::Task task) override;
  // engine::ServerHooks: no listeners, no process to stop.
  void RequestShutdown(ShutdownSave) override {}
  std::string ApplyConfig(const engine::ServerConfig&, const engine::ServerConfig&,
                          std::string_view*) override {
    return {};
  }
  std::string_view IoEngineName() const override { return "epoll"; }
  int ListeningPort() const override { return 0; }

  bool RunQueuedOnce();

  engine::ConfigStore config_;
  engine::Registry registry_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<std::deque<base::Task>> queues_;  // by thread
  std::multimap<int64_t, base::Task> timers_;   // by time (every worker runs here)
};

// The length of the first complete RESP2/RESP3 reply in `buf`: 0 while incomplete, -1 when
// the bytes cannot be a reply (a framing error in what the server wrote).
int64_t ReplyLength(std::string_view buf);

}  // namespace cinnabar::fuzz
