"""The basics every other test relies on."""


def test_ping(r):
    assert r.ping() is True


def test_set_get(r):
    assert r.set("k", "v") is True
    assert r.get("k") == "v"


def test_raw_inline_and_multibulk(raw):
    c = raw()
    c.send("PING\r\n*1\r\n$4\r\nPING\r\n")
    assert c.read(14) == b"+PONG\r\n+PONG\r\n"
