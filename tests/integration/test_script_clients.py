"""Scripts as real client libraries use them: redis-py's Script objects (EVALSHA with the
NOSCRIPT fallback), its Lock (built on Lua scripts), scripts in pipelines and MULTI/EXEC."""
import multiprocessing
import time

import pytest
import redis
from redis.exceptions import LockError, LockNotOwnedError, NoScriptError


def test_register_script_falls_back_after_flush(r):
    s = r.register_script("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}")
    assert s(keys=["ctr"], args=["x"]) == ["ctr", "x", 1]
    assert r.script_exists(s.sha) == [True]
    assert r.script_flush() is True
    assert r.script_exists(s.sha) == [False]
    with pytest.raises(NoScriptError):
        r.evalsha(s.sha, 1, "ctr", "x")
    # The Script object gets NOSCRIPT, loads the script and retries.
    assert s(keys=["ctr"], args=["y"]) == ["ctr", "y", 2]
    assert r.script_exists(s.sha) == [True]
    r.script_flush("ASYNC")
    assert s(keys=["ctr"], args=["z"], client=r) == ["ctr", "z", 3]


def test_register_script_errors_reach_the_caller(r):
    r.set("s", "text")
    s = r.register_script("return redis.call('INCR', KEYS[1])")
    with pytest.raises(redis.ResponseError, match=r"^value is not an integer or out of range script: "
                       + s.sha + r", on @user_script:1\.$"):
        s(keys=["s"])
    bad = r.register_script("return 1 +")
    with pytest.raises(redis.ResponseError, match=r"^Error compiling script"):
        bad()


def test_scripts_in_a_pipeline_after_flush(r):
    s = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    r.script_flush()
    # redis-py checks SCRIPT EXISTS and loads missing scripts before it sends the pipeline.
    with r.pipeline(transaction=False) as p:
        s(keys=["n"], args=[2], client=p)
        s(keys=["n"], args=[3], client=p)
        p.get("n")
        assert p.execute() == [2, 5, "5"]
    r.script_flush()
    with r.pipeline(transaction=True) as p:
        s(keys=["n"], args=[10], client=p)
        p.eval("return redis.call('GET', KEYS[1])", 1, "n")
        assert p.execute() == [15, "15"]


def test_scripts_inside_multi_exec(r):
    sha = r.script_load("return redis.call('INCR', KEYS[1])")
    with r.pipeline(transaction=True) as p:
        p.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "k", "v")
        p.evalsha(sha, 1, "ctr")
        p.evalsha(sha, 1, "ctr")
        p.eval("return redis.call('INCR', KEYS[1])", 1, "k")  # fails at run time
        p.eval("return {KEYS[1], redis.call('GET', KEYS[1])}", 1, "k")
        out = p.execute(raise_on_error=False)
    assert out[:3] == ["OK", 1, 2]
    assert isinstance(out[3], redis.ResponseError)
    assert str(out[3]).startswith("value is not an integer or out of range script: ")
    assert out[4] == ["k", "v"]
    # A WATCHed key changed by a script elsewhere aborts the transaction.
    other = r.connection_pool.make_connection()
    try:
        with r.pipeline(transaction=True) as p:
            p.watch("w")
            other.send_command("EVAL", "return redis.call('SET', 'w', 'x')", 0)
            assert other.read_response() in (b"OK", "OK")
            p.multi()
            p.eval("return redis.call('SET', 'w', 'y')", 0)
            with pytest.raises(redis.WatchError):
                p.execute()
    finally:
        other.disconnect()
    assert r.get("w") == "x"


# --- redis-py Lock ---

def test_lock_acquire_and_release(r):
    lock = r.lock("lk", timeout=10)
    assert lock.acquire(blocking=False) is True
    assert lock.locked() and lock.owned()
    assert r.get("lk") == lock.local.token.decode()
    assert 9000 < r.pttl("lk") <= 10000
    other = r.lock("lk", timeout=10)
    assert other.acquire(blocking=False) is False
    assert other.locked() and not other.owned()
    lock.release()
    assert r.exists("lk") == 0
    assert other.acquire(blocking=False) is True
    other.release()
    with pytest.raises(LockError, match="Cannot release an unlocked lock"):
        other.release()


def test_lock_blocking_acquire_times_out_then_succeeds(r):
    holder = r.lock("lk", timeout=1)
    assert holder.acquire()
    waiter = r.lock("lk", timeout=5, sleep=0.02)
    t0 = time.time()
    assert waiter.acquire(blocking=True, blocking_timeout=0.3) is False
    assert 0.25 < time.time() - t0 < 2
    # The holder's key expires after 1 s; a longer wait then gets the lock.
    assert waiter.acquire(blocking=True, blocking_timeout=3) is True
    assert waiter.owned()
    with pytest.raises(LockNotOwnedError):
        holder.release()
    waiter.release()


def test_lock_extend_and_reacquire(r):
    lock = r.lock("lk", timeout=2)
    assert lock.acquire()
    assert lock.extend(10) is True                      # adds to the remaining time
    assert 11000 < r.pttl("lk") <= 12000
    assert lock.extend(5, replace_ttl=True) is True     # sets it
    assert 4000 < r.pttl("lk") <= 5000
    assert lock.reacquire() is True                     # back to the lock's timeout
    assert 1000 < r.pttl("lk") <= 2000
    # The extend script refuses a key without a TTL (PTTL -1), as if the lock were lost.
    r.persist("lk")
    with pytest.raises(LockNotOwnedError, match="Cannot extend a lock that's no longer owned"):
        lock.extend(1)
    assert lock.reacquire() is True
    lock.release()
    with pytest.raises(LockError, match="Cannot extend an unlocked lock"):
        lock.extend(1)
    no_timeout = r.lock("lk2")
    assert no_timeout.acquire()
    assert r.ttl("lk2") == -1
    with pytest.raises(LockError, match="Cannot extend a lock with no timeout"):
        no_timeout.extend(1)
    no_timeout.release()


def test_lock_no_longer_owned(r):
    lock = r.lock("lk", timeout=10)
    assert lock.acquire()
    r.set("lk", "someone-else")
    assert lock.locked() and not lock.owned()
    with pytest.raises(LockNotOwnedError, match="Cannot extend a lock that's no longer owned"):
        lock.extend(5)
    with pytest.raises(LockNotOwnedError, match="Cannot reacquire a lock that's no longer owned"):
        lock.reacquire()
    with pytest.raises(LockNotOwnedError, match="Cannot release a lock that's no longer owned"):
        lock.release()
    assert r.get("lk") == "someone-else"
    r.delete("lk")
    lock2 = r.lock("lk", timeout=10)
    assert lock2.acquire()
    r.delete("lk")
    with pytest.raises(LockNotOwnedError):
        lock2.release()


def test_lock_as_context_manager(r):
    with r.lock("lk", timeout=5) as lock:
        assert lock.owned()
        with pytest.raises(LockError, match="Unable to acquire lock within the time specified"):
            with r.lock("lk", timeout=5, blocking_timeout=0.1):
                pass
    assert r.exists("lk") == 0


def _contend(host, port, rounds, result):
    c = redis.Redis(host=host, port=port, socket_timeout=10)
    violations = 0
    try:
        for _ in range(rounds):
            with c.lock("mutex", timeout=10, sleep=0.001):
                # Nobody else may be inside: the marker must be free.
                if not c.set("inside", "1", nx=True):
                    violations += 1
                value = int(c.get("counter") or 0)
                c.set("counter", value + 1)
                c.delete("inside")
        result.put(("ok", violations))
    except Exception as e:  # noqa: BLE001 - reported to the parent
        result.put(("error", repr(e)))
    finally:
        c.close()


@pytest.mark.timeout(60)
def test_lock_mutual_exclusion_between_processes(server, r):
    ctx = multiprocessing.get_context("fork")
    result = ctx.Queue()
    procs = [ctx.Process(target=_contend, args=(server.host, server.port, 100, result)) for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = [result.get(timeout=50) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    assert outcomes == [("ok", 0), ("ok", 0)]
    assert r.get("counter") == "200"
    assert r.exists("mutex", "inside") == 0
