// EventLoop: one thread's I/O: accepting on shared listening sockets, reading and writing
// connections, running tasks other threads post, and a periodic timer. Two engines behind
// one interface: io_uring (multishot accept and receive with provided buffers, sends
// batched into one submission per loop turn) and epoll.
//
// Order: a task posted to a loop runs before the loop handles any socket event it sees
// after the post. A thread that hands a client something (a pub/sub message) before
// answering another client therefore has it delivered before anything that answer
// causes, as in a single-threaded server.
//
// Threading: everything runs on the loop's thread except Post() and Stop().
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <span>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "base/io_buf.h"
#include "base/status.h"
#include "base/task.h"

namespace cinnabar::io {

class Connection;
class TlsContext;
class TlsLayer;

// Receives a connection's events, on the loop's thread.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // `n` new bytes were appended to input().
  virtual void OnInput(Connection* c, size_t n) = 0;
  // The peer sent EOF; output may still be sent.
  virtual void OnPeerClosed(Connection* c) = 0;
  // `n` bytes of output reached the socket.
  virtual void OnSent(Connection* c, size_t n) = 0;
  // The connection is closed; `c` is freed right after this returns.
  virtual void OnClosed(Connection* c) = 0;
  // Asked for by ContinueNextTurn: the handler may go on with input it left unread.
  virtual void OnContinue(Connection* c) = 0;
};

class EventLoop;

class Connection {
 public:
  Connection(EventLoop* loop, int fd);
  virtual ~Connection();

  int fd() const { return fd_; }
  base::IoBuf& input() { return input_; }
  base::IoBuf& output() { return output_; }
  void set_handler(ConnectionHandler* h) { handler_ = h; }
  ConnectionHandler* handler() { return handler_; }
  EventLoop* loop() const { return loop_; }

  // Sends output() at the end of this loop turn.
  void Flush();
  // Closes once output() is sent.
  void CloseAfterFlush();
  // Closes at the end of this loop turn, dropping unsent output.
  void Close();
  // Hands what the kernel takes of output() to it now, without waiting for the end of the
  // turn (a client about to be judged by its output limit).
  void SendNow();
  // While held, nothing of output() is sent (a send already under way finishes): replies
  // that wait for the journal to be durable (engine/client.h). Flush() after letting go.
  void HoldOutput(bool held) { output_held_ = held; }
  // While paused, the socket is not read (what the kernel already handed over still
  // arrives): a client whose buffered input cannot run yet stops growing it.
  void PauseReading(bool paused);
  // Calls the handler's OnContinue in the next loop turn, after this turn's output has been
  // sent and the events that arrived meanwhile have been handled: a handler that stops at
  // a per-turn budget lets the other connections' input and replies go first.
  void ContinueNextTurn();

  bool closing() const { return close_now_ || close_after_flush_; }
  // Output not yet sent: output(), what TLS encrypted of it and what a send under way
  // still carries.
  virtual size_t pending_output() const;

  // Makes this a TLS connection (before any byte arrives): from now on the socket carries
  // ciphertext, and input() and output() stay plaintext (io/tls.h).
  void EnableTls(std::shared_ptr<const TlsContext> ctx);
  bool is_tls() const { return tls_ != nullptr; }

 protected:
  friend class EventLoop;
  friend class EpollLoop;
  friend class UringLoop;

  // --- For the engines: the bytes on the wire (the same as input/output without TLS) ---
  // Where received bytes go.
  base::IoBuf& wire_in();
  // `n` bytes were appended to wire_in(): decrypts them (TLS) and tells the handler.
  void WireReceived(size_t n);
  // What to send now; nullptr or empty: nothing. With TLS, encrypts output() into it first
  // (a bounded amount, so call again after sending it).
  base::IoBuf* WireOutput();
  // `n` bytes of WireOutput() reached the socket (the engine has consumed them).
  void WireSent(size_t n);
  // Nothing is left to send: what CloseAfterFlush waits for.
  bool wire_drained() const;

  std::unique_ptr<TlsLayer> tls_;

  EventLoop* loop_;
  int fd_;
  ConnectionHandler* handler_ = nullptr;
  base::IoBuf input_;
  base::IoBuf output_;
  bool flush_queued_ = false;
  bool close_after_flush_ = false;
  bool close_now_ = false;
  bool peer_closed_ = false;
  bool finalized_ = false;
  bool continue_queued_ = false;
  bool output_held_ = false;
  bool read_paused_ = false;
  // The loop's list of open connections.
  Connection* prev_ = nullptr;
  Connection* next_ = nullptr;
};

enum class LoopKind { kUring, kEpoll };

class EventLoop {
 public:
  // Creates a loop of the given kind; fails (for io_uring) where the kernel refuses it.
  static base::StatusOr<std::unique_ptr<EventLoop>> Create(LoopKind kind);
  virtual ~EventLoop();

  virtual std::string_view name() const = 0;

  // --- Any thread ---
  void Post(base::Task task);
  // Posts tasks[i] to loop_at(i) for every i, as one step: any other post to any of these
  // loops lands before all of them or after all of them; `while_held` runs inside the step.
  // REQUIRES: distinct loops, listed by every caller in one global order (by thread index).
  static void PostAll(base::FunctionRef<EventLoop*(size_t)> loop_at,
                      std::span<base::Task> tasks, base::FunctionRef<void()> while_held);
  void Stop();

  // --- The loop's thread ---
  // New connections on `listen_fd` (shared by every loop) go to `on_accept`.
  using AcceptHandler = std::function<void(int fd, const sockaddr_storage& peer)>;
  virtual base::Status Listen(int listen_fd, AcceptHandler on_accept) = 0;
  // Stops accepting on every listening socket (they stay open for the others).
  virtual void StopListening() = 0;
  // Starts reading an accepted socket.
  virtual Connection* Adopt(int fd, ConnectionHandler* handler) = 0;
  // `tick` runs every `interval_ms`; `before_sleep` before the loop waits for events.
  void SetTimer(int interval_ms, std::function<void()> tick);
  void SetTimerInterval(int interval_ms) { interval_ms_ = interval_ms; }
  // Runs `task` once, at monotonic time `when_us` (base::MonotonicUs) or soon after; the
  // loop wakes for it with millisecond precision.
  void RunAt(int64_t when_us, base::Task task);
  void SetBeforeSleep(std::function<void()> fn) { before_sleep_ = std::move(fn); }
  // Runs until Stop().
  virtual void Run() = 0;
  // While a long command runs on this thread (a script past busy-reply-threshold), called
  // from inside it: handles the socket I/O ready now, without waiting: input (handlers may
  // answer it), sends, accepts. Posted tasks and timers wait for the next loop turn, and so
  // does every close, so no connection the interrupted turn still uses goes away.
  virtual void PollIo() = 0;
  // Connections currently open on this loop.
  size_t connection_count() const { return connections_; }
  // Loop turns so far. A turn begins when the loop has sent what the last one answered and
  // taken the events that are ready.
  uint64_t turn() const { return turn_; }

  // --- After Run() has returned, while no loop runs (any one thread) ---
  // Closes every open connection, telling its handler, so nothing outlives the loop.
  void CloseAllConnections();
  // Runs the tasks posted so far (closing connections can post some); false if none.
  bool RunPostedTasks() { return RunTasks(); }

 protected:
  friend class Connection;
  EventLoop();

  // Called by connections.
  void QueueFlush(Connection* c);
  // Every engine links a connection when it adopts it and releases it once nothing of it
  // is pending: Release closes the socket, unlinks it, tells the handler and frees it.
  void Link(Connection* c);
  void Release(Connection* c);
  // Runs posted tasks; returns whether any ran.
  bool RunTasks();
  // Each engine, once it has taken the ready events: a new turn. What was asked of
  // ContinueNextTurn so far is this turn's to run.
  void BeginTurn() {
    ++turn_;
    continuing_.swap(continue_queue_);
  }
  // Each engine, after the turn's events: the OnContinue calls asked for before the turn.
  void RunContinuations();
  // Whether a connection waits for OnContinue (the loop must not sleep).
  bool continuations_pending() const { return !continue_queue_.empty() || !continuing_.empty(); }
  // Runs the timers and the tick that are due.
  void RunTimers();
  // Milliseconds until the next timer or tick (-1: none). Asked right before waiting, so a
  // timer set by this turn's tasks or hooks counts.
  int WaitMs() const;
  // The per-turn tail: before-sleep hook, then each engine's flush.
  void BeforeSleep() {
    if (before_sleep_) before_sleep_();
  }
  // Wakes the loop from another thread; implemented by each engine.
  virtual void Wake() = 0;
  // Connection::SendNow, by each engine.
  virtual void SendNow(Connection* c) = 0;
  // Connection::PauseReading changed read_paused_: the engine stops or resumes reading.
  virtual void UpdateReading(Connection* c) = 0;

  base::TaskQueue tasks_;
  std::vector<base::Task> running_tasks_;
  std::atomic<bool> stop_{false};
  std::vector<Connection*> flush_queue_;
  // Inside PollIo: connections to close wait in deferred_closes_ for the next turn.
  bool nested_ = false;
  std::vector<Connection*> deferred_closes_;
  // Ends PollIo: the deferred closes go back to the flush queue.
  void EndNested() {
    nested_ = false;
    flush_queue_.insert(flush_queue_.end(), deferred_closes_.begin(), deferred_closes_.end());
    deferred_closes_.clear();
  }

 private:
  void Unlink(Connection* c);

  size_t connections_ = 0;
  Connection* open_ = nullptr;  // head of the open connections' list
  uint64_t turn_ = 0;
  std::vector<Connection*> continue_queue_;
  std::vector<Connection*> continuing_;  // this turn's to run; a released entry is nulled

  std::function<void()> before_sleep_;
  std::function<void()> tick_;
  int interval_ms_ = 0;
  int64_t next_tick_us_ = 0;

  struct Timer {
    int64_t when_us;
    uint64_t seq;  // ties run in the order they were set
    mutable base::Task task;
    bool operator>(const Timer& o) const {
      return when_us != o.when_us ? when_us > o.when_us : seq > o.seq;
    }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t timer_seq_ = 0;
};

}  // namespace cinnabar::io
