"""A raw RESP client for the differential fuzzer.

Commands go out as RESP arrays of bulk strings. A reply is read whole and returned twice:
as the exact bytes the server sent (what the fuzzer compares by default) and as a parsed
tree of `Reply` nodes (what the invariant checks look at). RESP2 and RESP3 types are
understood: + - : $ * _ , # % ~ > = ( |.
"""
import socket
import time


class Reply:
    """One parsed RESP value. `kind` is the type byte as a str ('+', '$', '*', '%', ...);
    `value` is bytes for simple/bulk/verbatim/error/number/double/bignum/bool types, None for
    nulls, and a list of Reply for aggregates (maps and attributes: [k1, v1, k2, v2, ...]).
    `attrs` holds a RESP3 attribute (`|`) that preceded the value, if any."""

    __slots__ = ("kind", "value", "attrs")

    def __init__(self, kind, value, attrs=None):
        self.kind = kind
        self.value = value
        self.attrs = attrs

    def is_error(self):
        return self.kind in ("-", "!")

    def is_null(self):
        return self.value is None

    def is_aggregate(self):
        return self.kind in ("*", "%", "~", ">", "|")

    def text(self):
        """The bytes of a scalar reply (for errors: the message without the dash)."""
        return self.value

    def __repr__(self):
        return f"Reply({self.kind!r}, {self.value!r})"


_SCALAR_LINE = ("+", "-", ":", ",", "#", "(")
_BULKISH = ("$", "=", "!")
_AGGREGATE = ("*", "~", ">", "%", "|")


class Incomplete(Exception):
    """The buffer ends before the reply does."""


class ProtocolError(Exception):
    """The server sent something that is not RESP."""


def parse(buf, i=0):
    """Parses one reply from buf[i:]. Returns (Reply, end offset); raises Incomplete."""
    attrs = None
    while True:
        node, i = _parse_one(buf, i)
        if node.kind != "|":
            node.attrs = attrs
            return node, i
        attrs = node


def _line(buf, i):
    end = buf.find(b"\r\n", i)
    if end < 0:
        raise Incomplete
    return buf[i:end], end + 2


def _parse_one(buf, i):
    if i >= len(buf):
        raise Incomplete
    kind = chr(buf[i])
    line, i = _line(buf, i + 1)
    if kind in _SCALAR_LINE:
        return Reply(kind, bytes(line)), i
    if kind == "_":
        return Reply(kind, None), i
    try:
        n = int(line)
    except ValueError:
        raise ProtocolError(f"bad length {line!r} after {kind!r}")
    if kind in _BULKISH:
        if n < 0:
            return Reply(kind, None), i
        if len(buf) < i + n + 2:
            raise Incomplete
        if buf[i + n:i + n + 2] != b"\r\n":
            raise ProtocolError("bulk string not followed by CRLF")
        return Reply(kind, bytes(buf[i:i + n])), i + n + 2
    if kind in _AGGREGATE:
        if n < 0:
            return Reply(kind, None), i
        count = n * 2 if kind in ("%", "|") else n
        items = []
        for _ in range(count):
            item, i = parse(buf, i)
            items.append(item)
        return Reply(kind, items), i
    raise ProtocolError(f"bad RESP type byte {kind!r}")


def encode(args):
    """A command (a list of bytes/str/int) as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n" % len(a))
        out.append(a)
        out.append(b"\r\n")
    return b"".join(out)


class Closed(Exception):
    """The server closed the connection before a whole reply arrived."""


class Timeout(Exception):
    """No whole reply arrived before the deadline."""


class Conn:
    """One connection. send() writes bytes; read_reply() returns (raw bytes, Reply)."""

    def __init__(self, host, port, timeout=10.0):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.timeout = timeout

    def send(self, data):
        self.sock.sendall(data)

    def send_commands(self, commands):
        self.sock.sendall(b"".join(encode(c) for c in commands))

    def read_reply(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                node, end = parse(self.buf, 0)
                raw = bytes(self.buf[:end])
                del self.buf[:end]
                return raw, node
            except Incomplete:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"no complete reply within the deadline; have {bytes(self.buf[:200])!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except ConnectionError:
                chunk = b""
            if not chunk:
                raise Closed(f"connection closed; have {bytes(self.buf[:200])!r}")
            self.buf += chunk

    def try_reply(self):
        """A complete reply already received, as (raw, Reply), or None."""
        try:
            node, end = parse(self.buf, 0)
        except Incomplete:
            return None
        raw = bytes(self.buf[:end])
        del self.buf[:end]
        return raw, node

    def fill(self, timeout=None):
        """One recv() into the buffer (call when the socket is readable, or give a timeout:
        then Timeout if nothing came); raises Closed."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            if timeout is None:
                raise
            raise Timeout("no data within the deadline")
        except ConnectionError:
            chunk = b""
        if not chunk:
            raise Closed(f"connection closed; have {bytes(self.buf[:200])!r}")
        self.buf += chunk

    def call(self, *args, timeout=None):
        """Sends one command and returns its (raw, Reply)."""
        self.send(encode(args))
        return self.read_reply(timeout)

    def pending(self):
        """Bytes already received but not yet parsed (a reply that should not exist)."""
        self.sock.settimeout(0)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                self.buf += chunk
        except (BlockingIOError, socket.timeout):
            pass
        except ConnectionError:
            pass
        return bytes(self.buf)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
