"""Celery (Debian's python3-celery 5.2 / kombu 5.2) with the server as broker (db 0) and result
backend (db 1), configured by URL the way applications do it. Two real worker processes
(`celery -A celery_app worker`, prefork pool) run for the whole module:

- 1,000 add.delay() tasks, every result back through AsyncResult.get(): the Redis result backend
  SUBSCRIBEs to celery-task-meta-<id> when a task is sent and the worker PUBLISHes the result;
- a result that is stored only after get() has looked it up once, so it can only come as
  a pub/sub message;
- a group and a chord (the chord counts its finished parts in the backend db: ZADD, ZCOUNT,
  GET, EXPIRE in MULTI/EXEC);
- a broadcast queue reaches both workers: kombu sends a fanout message as PUBLISH to the
  channel /0.bcast/celery, which each worker receives through PSUBSCRIBE.

Along the way: the worker stores a result with SETEX and PUBLISH in one MULTI/EXEC on db 1
(Pub/Sub channels are not per database), workers BRPOP "celery" and its priority lists with a
1 s timeout, keep unacked messages in a hash and a zset (MULTI/EXEC) guarded by a SET NX PX lock
released by EVALSHA, and exchange control messages (app.control.ping, mingle) and events
(PSUBSCRIBE /0.celeryev/worker.*) over PUBLISH/PSUBSCRIBE.

On a failure the tails of the workers' logs and the server's log are printed.
"""
import contextlib
import gc
import os
import signal
import subprocess
import sys
import time
import uuid
import warnings

import pytest

from conftest import ServerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# Debian's kombu/celery 5.2 on Python 3.11 use a deprecated importlib.metadata interface.
_DEPRECATED_METADATA = "ignore:SelectableGroups dict interface:DeprecationWarning"
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "SelectableGroups dict interface", DeprecationWarning)
    from celery import chord, group
    from celery_app import app, bcast_queue
    from celery_app.tasks import add, after_release, record_worker, tsum

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(_DEPRECATED_METADATA),
]

CONCURRENCY = 2          # prefork children per worker
READY_TIMEOUT = 30       # seconds for a worker to log "ready." and answer a ping
RESULT_TIMEOUT = 30      # seconds for AsyncResult.get() (all tasks are queued at once)
STOP_TIMEOUT = 5         # seconds for warm shutdown after SIGTERM before SIGKILL


class Worker:
    """One `celery worker` subprocess in its own session (process group), so that it and its
    prefork children can all be killed."""

    def __init__(self, label, env, log_dir):
        # Unique node name: the broadcast test tells the workers apart by it, and ping
        # replies are addressed by it.
        self.name = f"{label}-{os.getpid()}-{uuid.uuid4().hex[:6]}@cinnabar-test"
        self.log_path = os.path.join(log_dir, f"{label}.log")
        self.log = open(self.log_path, "w")
        cmd = [sys.executable, "-m", "celery", "-A", "celery_app", "worker",
               "--loglevel=INFO", f"--concurrency={CONCURRENCY}", "--pool=prefork",
               "-n", self.name]
        self.proc = subprocess.Popen(cmd, cwd=HERE, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def read_log(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def tail(self, lines=40):
        """The log's warnings and errors (with their tracebacks), then its last lines."""
        log = self.read_log().splitlines()
        problems, in_problem = [], False
        for line in log[:-lines]:
            if line.startswith("["):
                in_problem = any(f"{level}/" in line for level in ("WARNING", "ERROR", "CRITICAL"))
            if in_problem:
                problems.append(line)
        out = problems[-100:]
        if out:
            out.append("----- last lines -----")
        return "\n".join(out + log[-lines:])

    def is_ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker {self.name} exited ({self.proc.returncode}):\n"
                               f"{self.tail()}")
        return f"{self.name} ready." in self.read_log()

    def terminate(self):
        """Asks for a warm shutdown (SIGTERM to the main process)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)

    def finish(self, deadline):
        """Waits until `deadline` for the main process to exit, then SIGKILLs its whole group
        (the main process if still running, orphaned pool children) and reaps it."""
        while self.proc.returncode is None and time.time() < deadline:
            try:
                # WNOWAIT: an exited main process stays a zombie, so its pid (the group id)
                # cannot be reused before the killpg below.
                info = os.waitid(os.P_PID, self.proc.pid,
                                 os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                break
            if info is not None:
                break
            time.sleep(0.05)
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.log.close()


class Cluster:
    def __init__(self, server):
        self.server = server
        self.workers = []

    @contextlib.contextmanager
    def diagnostics(self):
        """Prints the workers' and the server's log tails when the block fails."""
        try:
            yield
        except BaseException:
            for w in self.workers:
                rc = w.proc.poll()
                state = "running" if rc is None else f"exited ({rc})"
                print(f"===== worker {w.name} ({state}), log tail =====\n{w.tail()}")
            print("===== server log tail =====\n"
                  + "\n".join(self.server.read_log().splitlines()[-30:]))
            raise


def wait_ready(cluster):
    deadline = time.time() + READY_TIMEOUT
    pending = list(cluster.workers)
    while pending:
        pending = [w for w in pending if not w.is_ready()]
        if pending and time.time() > deadline:
            raise RuntimeError("workers did not log ready: " + ", ".join(w.name for w in pending))
        time.sleep(0.1)
    # A worker answers control commands (a fanout message over PUBLISH/PSUBSCRIBE; the reply
    # comes back through a list) once its event loop runs, which also has subscribed its
    # broadcast queue by then.
    names = {w.name for w in cluster.workers}
    answered = set()
    while True:
        for reply in app.control.ping(destination=sorted(names - answered), timeout=1.0):
            answered.update(reply)
        if answered >= names:
            return
        if time.time() > deadline:
            raise RuntimeError(f"workers logged ready but did not answer a control ping: "
                               f"{sorted(names - answered)}")


@pytest.fixture(scope="module")
def cluster(request):
    server = ServerProcess(request.config)
    cluster = Cluster(server)
    base = f"redis://{server.host}:{server.port}"
    env = dict(os.environ,
               CINNABAR_CELERY_BROKER_URL=f"{base}/0",
               CINNABAR_CELERY_RESULT_BACKEND=f"{base}/1",
               CINNABAR_CELERY_RECORD_URL=f"{base}/2",
               PYTHONPATH=os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p),
               PYTHONUNBUFFERED="1")
    app.conf.update(broker_url=f"{base}/0", result_backend=f"{base}/1")
    try:
        with cluster.diagnostics():
            for label in ("w1", "w2"):
                cluster.workers.append(Worker(label, env, server.dir))
            wait_ready(cluster)
        yield cluster
    finally:
        try:
            # Finalize unreachable AsyncResults now: their __del__ UNSUBSCRIBEs, which with the
            # server gone would retry connecting for many seconds at interpreter exit.
            gc.collect()
            consumer = app.backend.result_consumer
            consumer.stop()
            consumer._pubsub = None  # later cancel_for() calls skip the UNSUBSCRIBE
            app.close()  # the broker connection pool
        finally:
            for w in cluster.workers:
                w.terminate()
            deadline = time.time() + STOP_TIMEOUT
            for w in cluster.workers:
                w.finish(deadline)
            server.stop()


def test_thousand_delay_tasks(cluster):
    with cluster.diagnostics():
        n = 1000
        results = [add.delay(i, i) for i in range(n)]
        values = [r.get(timeout=RESULT_TIMEOUT) for r in results]
        assert values == [2 * i for i in range(n)]
        assert all(r.successful() for r in results)


def test_result_arrives_while_get_waits(cluster):
    """get() GETs celery-task-meta-<id> once, then only listens on its subscription. Most
    results above were stored before get() asked; this task finishes only after get()'s GET
    (the first on_interval call releases it), so its result can only come as a message."""
    with cluster.diagnostics():
        key = f"release:{uuid.uuid4().hex}"
        result = after_release.delay(key, "done")
        released = []

        with cluster.server.client(db=2) as control:
            def release():
                if not released:
                    released.append(time.time())
                    control.rpush(key, 1)

            assert result.get(timeout=RESULT_TIMEOUT, on_interval=release) == "done"
        assert released


def test_group_and_chord(cluster):
    with cluster.diagnostics():
        g = group(add.s(i, i) for i in range(50))()
        assert g.get(timeout=RESULT_TIMEOUT) == [2 * i for i in range(50)]
        assert g.successful()

        c = chord(add.s(i, 1) for i in range(20))(tsum.s())
        assert c.get(timeout=RESULT_TIMEOUT) == sum(i + 1 for i in range(20))
        # The result of the callback is stored in the result-backend db.
        with cluster.server.client(db=1) as backend_db:
            assert backend_db.exists(f"celery-task-meta-{c.id}")


def test_broadcast_reaches_both_workers(cluster):
    with cluster.diagnostics():
        token = uuid.uuid4().hex
        # The producer has to declare the fanout exchange itself: Celery does not declare a
        # Broadcast queue's exchange when publishing, and kombu's virtual (Redis) transport
        # then takes the unknown exchange for a direct one and LPUSHes the message to a list
        # no worker reads (celery/celery#2638, celery/kombu#1090). With the exchange declared,
        # kombu PUBLISHes to /0.bcast/celery, which every worker PSUBSCRIBEs to.
        record_worker.apply_async((token,), declare=[bcast_queue.exchange])
        want = sorted(w.name for w in cluster.workers)
        with cluster.server.client(db=2) as recorded:
            deadline = time.time() + RESULT_TIMEOUT
            while time.time() < deadline and recorded.llen(f"bcast:{token}") < len(want):
                time.sleep(0.05)
            assert sorted(recorded.lrange(f"bcast:{token}", 0, -1)) == want
            # One message, one run per worker: no second run arrives later.
            time.sleep(0.3)
            assert sorted(recorded.lrange(f"bcast:{token}", 0, -1)) == want
