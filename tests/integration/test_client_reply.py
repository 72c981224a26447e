"""CLIENT REPLY ON|OFF|SKIP as Redis: OFF and SKIP get no answer, OFF drops every reply until
ON (which is answered), SKIP drops the next command's; commands still run; bad arguments."""
import pytest

from conftest import RawConnection


@pytest.fixture
def raw(server):
    c = RawConnection(server.host, server.port)
    yield c
    c.close()


def test_off_and_on(raw, r):
    raw.send("CLIENT REPLY OFF\r\nSET k1 v1\r\nGET k1\r\nNOSUCH\r\nCLIENT REPLY ON\r\nGET k1\r\n")
    assert raw.read() == b"+OK\r\n"
    assert raw.read() == b"$2\r\nv1\r\n"
    assert r.get("k1") == "v1"  # it ran


def test_skip_drops_only_the_next_reply(raw, r):
    raw.send("CLIENT REPLY SKIP\r\nSET k2 v2\r\nGET k2\r\n")
    assert raw.read() == b"$2\r\nv2\r\n"
    # Pipelined over keys of every shard: one reply dropped, the rest in order.
    cmds = "CLIENT REPLY SKIP\r\n" + "".join(f"SET p{i} {i}\r\n" for i in range(20)) + "PING\r\n"
    raw.send(cmds)
    assert raw.read(nbytes=19 * 5 + 7) == b"+OK\r\n" * 19 + b"+PONG\r\n"
    assert r.get("p0") == "0"


def test_on_when_on_and_errors(raw):
    raw.send("CLIENT REPLY ON\r\n")
    assert raw.read() == b"+OK\r\n"
    raw.send("CLIENT REPLY MAYBE\r\n")
    assert raw.read() == b"-ERR syntax error\r\n"
    raw.send("CLIENT REPLY\r\n")
    assert raw.read() == b"-ERR wrong number of arguments for 'client|reply' command\r\n"


def test_a_blocking_pop_under_skip(raw, r):
    raw.send("CLIENT REPLY SKIP\r\nBLPOP q 0\r\n")
    r.lpush("q", "job")
    raw.send("PING\r\n")
    assert raw.read() == b"+PONG\r\n"
    assert r.llen("q") == 0
