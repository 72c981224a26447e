"""Client-side caching (CLIENT TRACKING), as Redis 7.0 has it: raw RESP2/RESP3 connections,
every expectation proven against redis-server."""

import time

from conftest import encode

PUSH = b">2\r\n$10\r\ninvalidate\r\n"
MSG = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"


def keys(*ks):
    out = b"*%d\r\n" % len(ks)
    for k in ks:
        out += b"$%d\r\n%s\r\n" % (len(k), k.encode())
    return out


def call(c, *args, expect):
    c.send(encode(*args))
    got = c.read(len(expect))
    assert got == expect, (args, got)


def resp3(raw):
    c = raw()
    c.send(encode("HELLO", "3"))
    c.read()
    return c


def cid(c):
    c.send(encode("CLIENT", "ID"))
    return int(c.read()[1:-2])


def test_errors(raw, r):
    c = raw()
    cases = [
        (("on", "PREFIX", "a"), b"-ERR PREFIX option requires BCAST mode to be enabled\r\n"),
        (("on", "OPTIN", "OPTOUT"), b"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"),
        (("on", "BCAST", "OPTIN"), b"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"),
        (("on", "REDIRECT", "99999"), b"-ERR The client ID you want redirect to does not exist\r\n"),
        (("off", "REDIRECT", "99999"), b"-ERR The client ID you want redirect to does not exist\r\n"),
        (("on", "REDIRECT", "x"), b"-ERR value is not an integer or out of range\r\n"),
        (("foo",), b"-ERR syntax error\r\n"),
        (("on", "foo"), b"-ERR syntax error\r\n"),
        (("on", "REDIRECT"), b"-ERR syntax error\r\n"),
        (("on", "BCAST", "PREFIX", "a", "PREFIX", "ab"),
         b"-ERR Prefix 'a' overlaps with another provided prefix 'ab'. "
         b"Prefixes for a single client must not overlap.\r\n"),
    ]
    for args, want in cases:
        call(c, "CLIENT", "TRACKING", *args, expect=want)
    call(c, "CLIENT", "CACHING", "yes",
         expect=b"-ERR CLIENT CACHING can be called only when the client is in tracking mode "
                b"with OPTIN or OPTOUT mode enabled\r\n")
    call(c, "CLIENT", "GETREDIR", expect=b":-1\r\n")
    me = cid(c)
    call(c, "CLIENT", "TRACKING", "on", "REDIRECT", str(me), "REDIRECT", str(me),
         expect=b"-ERR A client can only redirect to a single other client\r\n")
    call(c, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", expect=b"+OK\r\n")
    call(c, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ax",
         expect=b"-ERR Prefix 'ax' overlaps with an existing prefix 'a'. "
                b"Prefixes for a single client must not overlap.\r\n")
    call(c, "CLIENT", "TRACKING", "on",
         expect=b"-ERR You can't switch BCAST mode on/off before disabling tracking for this "
                b"client, and then re-enabling it with a different mode.\r\n")
    call(c, "CLIENT", "TRACKING", "off", expect=b"+OK\r\n")
    call(c, "CLIENT", "TRACKING", "on", "OPTIN", expect=b"+OK\r\n")
    call(c, "CLIENT", "CACHING", "no",
         expect=b"-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n")
    call(c, "CLIENT", "CACHING", "maybe", expect=b"-ERR syntax error\r\n")
    call(c, "CLIENT", "TRACKING", "on", "OPTOUT",
         expect=b"-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
                b"client, and then re-enabling it with a different mode.\r\n")


def test_trackinginfo_shapes(raw, r):
    c = resp3(raw)
    call(c, "CLIENT", "TRACKINGINFO",
         expect=b"%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
                b"$8\r\nprefixes\r\n*0\r\n")
    call(c, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "a", expect=b"+OK\r\n")
    call(c, "CLIENT", "TRACKINGINFO",
         expect=b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
                b"$8\r\nprefixes\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n")
    call(c, "CLIENT", "TRACKING", "off", expect=b"+OK\r\n")
    call(c, "CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP", expect=b"+OK\r\n")
    call(c, "CLIENT", "CACHING", "yes", expect=b"+OK\r\n")
    call(c, "CLIENT", "TRACKINGINFO",
         expect=b"%3\r\n$5\r\nflags\r\n~4\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n"
                b"$6\r\nnoloop\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n")
    d = raw()
    call(d, "CLIENT", "TRACKINGINFO",
         expect=b"*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
                b"$8\r\nprefixes\r\n*0\r\n")


def test_default_mode_resp3(raw, r):
    a = resp3(raw)
    b = raw()
    call(a, "CLIENT", "TRACKING", "on", expect=b"+OK\r\n")
    call(a, "GET", "k", expect=b"_\r\n")
    call(a, "SET", "k", "1", expect=b"+OK\r\n" + PUSH + keys("k"))
    call(a, "GET", "k", expect=b"$1\r\n1\r\n")
    call(b, "SET", "k", "2", expect=b"+OK\r\n")
    assert a.read(len(PUSH + keys("k"))) == PUSH + keys("k")
    # Invalidated once: the next write says nothing until the key is read again.
    call(b, "SET", "k", "3", expect=b"+OK\r\n")
    call(a, "MGET", "k", "j", expect=b"*2\r\n$1\r\n3\r\n_\r\n")
    call(a, "MULTI", expect=b"+OK\r\n")
    call(a, "SET", "k", "4", expect=b"+QUEUED\r\n")
    call(a, "SET", "j", "4", expect=b"+QUEUED\r\n")
    call(a, "EXEC", expect=b"*2\r\n+OK\r\n+OK\r\n" + PUSH + keys("k") + PUSH + keys("j"))
    # Another database's key of the same name invalidates too (one table for all).
    call(a, "GET", "k", expect=b"$1\r\n4\r\n")
    call(b, "SELECT", "1", expect=b"+OK\r\n")
    call(b, "SET", "k", "x", expect=b"+OK\r\n")
    assert a.read(len(PUSH + keys("k"))) == PUSH + keys("k")
    call(a, "GET", "k", expect=b"$1\r\n4\r\n")
    call(b, "FLUSHALL", expect=b"+OK\r\n")
    assert a.read(len(PUSH + b"_\r\n")) == PUSH + b"_\r\n"


def test_noloop_and_scripts(raw, r):
    a = resp3(raw)
    b = raw()
    call(a, "CLIENT", "TRACKING", "on", "NOLOOP", expect=b"+OK\r\n")
    call(a, "GET", "n", expect=b"_\r\n")
    call(a, "SET", "n", "1", expect=b"+OK\r\n")
    call(a, "GET", "n", expect=b"$1\r\n1\r\n")
    call(b, "SET", "n", "2", expect=b"+OK\r\n")
    assert a.read(len(PUSH + keys("n"))) == PUSH + keys("n")
    c = resp3(raw)
    call(c, "CLIENT", "TRACKING", "on", expect=b"+OK\r\n")
    call(c, "EVAL", "return redis.call('get', KEYS[1])", "1", "s", expect=b"_\r\n")
    call(c, "EVAL", "return redis.call('set', KEYS[1], '1')", "1", "s",
         expect=b"+OK\r\n" + PUSH + keys("s"))


def test_optin_optout(raw, r):
    b = raw()
    d = resp3(raw)
    call(d, "CLIENT", "TRACKING", "on", "OPTIN", expect=b"+OK\r\n")
    call(d, "GET", "o1", expect=b"_\r\n")
    call(d, "CLIENT", "CACHING", "yes", expect=b"+OK\r\n")
    call(d, "GET", "o2", expect=b"_\r\n")
    call(d, "GET", "o3", expect=b"_\r\n")
    call(b, "MSET", "o1", "1", "o2", "2", "o3", "3", expect=b"+OK\r\n")
    call(d, "PING", expect=PUSH + keys("o2") + b"+PONG\r\n")
    call(d, "CLIENT", "CACHING", "yes", expect=b"+OK\r\n")
    call(d, "MULTI", expect=b"+OK\r\n")
    call(d, "GET", "o1", expect=b"+QUEUED\r\n")
    call(d, "EXEC", expect=b"*1\r\n$1\r\n1\r\n")
    call(d, "GET", "o3", expect=b"$1\r\n3\r\n")
    call(b, "MSET", "o1", "1", "o3", "3", expect=b"+OK\r\n")
    call(d, "PING", expect=PUSH + keys("o1") + b"+PONG\r\n")
    e = resp3(raw)
    call(e, "CLIENT", "TRACKING", "on", "OPTOUT", expect=b"+OK\r\n")
    call(e, "GET", "p1", expect=b"_\r\n")
    call(e, "CLIENT", "CACHING", "no", expect=b"+OK\r\n")
    call(e, "GET", "p2", expect=b"_\r\n")
    call(b, "MSET", "p1", "1", "p2", "2", expect=b"+OK\r\n")
    call(e, "PING", expect=PUSH + keys("p1") + b"+PONG\r\n")


def test_resp2_redirect_and_broken(raw, r):
    sub = raw()
    rid = cid(sub)
    call(sub, "SUBSCRIBE", "__redis__:invalidate",
         expect=b"*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n")
    t = raw()
    w = raw()
    call(t, "CLIENT", "TRACKING", "on", "REDIRECT", str(rid), expect=b"+OK\r\n")
    call(t, "CLIENT", "GETREDIR", expect=b":%d\r\n" % rid)
    call(t, "GET", "x", expect=b"$-1\r\n")
    call(w, "SET", "x", "1", expect=b"+OK\r\n")
    assert sub.read(len(MSG + keys("x"))) == MSG + keys("x")
    call(t, "GET", "x", expect=b"$1\r\n1\r\n")
    call(w, "FLUSHALL", expect=b"+OK\r\n")
    assert sub.read(len(MSG + b"$-1\r\n")) == MSG + b"$-1\r\n"
    t3 = resp3(raw)
    call(t3, "CLIENT", "TRACKING", "on", "REDIRECT", str(rid), expect=b"+OK\r\n")
    call(t3, "GET", "z", expect=b"_\r\n")
    sub.close()
    time.sleep(0.3)
    call(w, "SET", "z", "1", expect=b"+OK\r\n")
    broken = b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % rid
    assert t3.read(len(broken)) == broken
    t3.send(encode("CLIENT", "INFO"))
    assert b" flags=tR " in t3.read()


def test_bcast(raw, r):
    a = resp3(raw)
    b = raw()
    call(a, "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "NOLOOP", expect=b"+OK\r\n")
    call(b, "SET", "a1", "1", expect=b"+OK\r\n")
    assert a.read(len(PUSH + keys("a1"))) == PUSH + keys("a1")
    call(b, "SET", "c1", "1", expect=b"+OK\r\n")
    call(a, "SET", "a2", "1", expect=b"+OK\r\n")  # its own write: NOLOOP
    call(a, "PING", expect=b"+PONG\r\n")
    a.send(encode("CLIENT", "INFO"))
    assert b" flags=tB " in a.read()
    info = r.info("stats")
    assert info["tracking_total_prefixes"] == 1
    assert r.info("clients")["tracking_clients"] >= 1


def test_expiry_and_table_limit(raw, r):
    a = resp3(raw)
    call(a, "CLIENT", "TRACKING", "on", expect=b"+OK\r\n")
    r.set("ex", "1", px=100)
    call(a, "GET", "ex", expect=b"$1\r\n1\r\n")
    time.sleep(0.2)
    r.get("ex")  # expires it
    assert a.read(len(PUSH + keys("ex"))) == PUSH + keys("ex")
    assert r.config_get("tracking-table-max-keys") == {"tracking-table-max-keys": "1000000"}
    r.config_set("tracking-table-max-keys", 1)
    try:
        a.send(encode("MGET", "m1", "m2"))
        a.read(len(b"*2\r\n_\r\n_\r\n"))
        call(a, "PING", expect=b"")  # let the limit act
        a.read(len(PUSH + keys("m1")))
        time.sleep(0.1)
        assert r.info("stats")["tracking_total_keys"] <= 1
    finally:
        r.config_set("tracking-table-max-keys", 1000000)
