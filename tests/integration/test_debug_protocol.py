"""DEBUG PROTOCOL <type> (every RESP3 type, in RESP2 and RESP3) and DEBUG LOG, byte for byte
as redis-server 7.0 answers them."""

import pytest

from conftest import encode

RESP2 = {
    "string": b"$11\r\nHello World\r\n",
    "integer": b":12345\r\n",
    "double": b"$5\r\n3.141\r\n",
    "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
    "null": b"$-1\r\n",
    "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "set": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
    "attrib": b"$39\r\nSome real reply following the attribute\r\n",
    "push": b"-ERR RESP2 is not supported by this command\r\n",
    "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
    "true": b":1\r\n",
    "false": b":0\r\n",
}

RESP3 = {
    "string": b"$11\r\nHello World\r\n",
    "integer": b":12345\r\n",
    "double": b",3.141\r\n",
    "bignum": b"(1234567999999999999999999999999999999\r\n",
    "null": b"_\r\n",
    "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "set": b"~3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
    "attrib": b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
              b"$39\r\nSome real reply following the attribute\r\n",
    "push": b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n",
    "verbatim": b"=29\r\ntxt:This is a verbatim\nstring\r\n",
    "true": b"#t\r\n",
    "false": b"#f\r\n",
}


@pytest.mark.parametrize("protocol,expected", [(2, RESP2), (3, RESP3)])
def test_every_type(raw, protocol, expected):
    c = raw()
    c.send(encode("HELLO", protocol))
    c.read()
    for name, want in expected.items():
        # Names are matched without regard to case.
        for spelled in (name, name.upper()):
            c.send(encode("DEBUG", "PROTOCOL", spelled))
            got = c.read()
            if name in ("attrib", "push") and protocol == 3:
                got += c.read()  # the reply that follows the attribute or the push
            assert got == want, name


def test_errors(raw):
    c = raw()
    c.send(encode("DEBUG", "PROTOCOL", "bogus"))
    assert c.read() == (b"-ERR Wrong protocol type name. Please use one of the following: "
                        b"string|integer|double|bignum|null|array|set|map|attrib|push|"
                        b"verbatim|true|false\r\n")
    c.send(encode("DEBUG", "PROTOCOL"))
    assert c.read() == (b"-ERR unknown subcommand or wrong number of arguments for "
                        b"'PROTOCOL'. Try DEBUG HELP.\r\n")
    c.send(encode("DEBUG", "LOG"))
    assert c.read() == (b"-ERR unknown subcommand or wrong number of arguments for "
                        b"'LOG'. Try DEBUG HELP.\r\n")


def test_log_writes_the_message(server, r):
    assert r.execute_command("DEBUG", "LOG", "a marker from the test 7731") == "OK"
    assert "DEBUG LOG: a marker from the test 7731" in server.read_log()


def test_help_names_them(r):
    lines = r.execute_command("DEBUG", "HELP")
    for entry in ("LOG <message>", "PROTOCOL <type>"):
        assert entry in lines
