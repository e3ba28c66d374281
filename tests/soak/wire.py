"""wire.py -- raw-socket RESP2 and memcached-text connections for the soak test.

A client library hides what a soak test needs (closing mid-request, reading half a reply,
half-closing), so the workers speak the protocols themselves:

    c = Resp(host, port)
    c.call("SET", "k", "v")             # "OK"; an error reply comes back as a ReplyError value
    c.send([["GET", "k"], ["INCR", "n"]]); c.read(); c.read()
    m = Memcache(host, port)
    m.line(b"set k 0 0 1\\r\\nv\\r\\n")    # b"STORED"

Replies: simple strings as str, bulk strings as bytes, integers as int, nil as None, arrays
as lists, errors as ReplyError (returned, never raised: a pipeline's replies stay in order).
"""
import socket


class ReplyError(str):
    """An error reply (its text without the leading '-')."""

    @property
    def kind(self):
        return self.split(" ", 1)[0]


class Mismatch(Exception):
    """The server answered something other than what the worker's model expects."""


class Closed(ConnectionError):
    """The server closed the connection where a reply was expected."""


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, (bytes, bytearray)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A TCP connection with a read buffer."""

    def __init__(self, host, port, timeout=60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def sendall(self, data):
        self.sock.sendall(data)

    def _fill(self):
        if self.pos > 1 << 20 and self.pos * 2 > len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        data = self.sock.recv(1 << 20)
        if not data:
            raise Closed("connection closed by the server")
        self.buf += data

    def readline(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos:end])
                self.pos = end + 2
                return line
            self._fill()

    def readexact(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        data = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return data

    def read_until_eof(self, limit=1 << 30):
        """Everything up to the server's EOF (at most limit bytes); the bytes."""
        while len(self.buf) - self.pos < limit:
            try:
                data = self.sock.recv(1 << 20)
            except ConnectionResetError:
                break
            if not data:
                break
            self.buf += data
        data = bytes(self.buf[self.pos:])
        self.pos = len(self.buf)
        return data

    def close(self, reset=False):
        """Closes; reset=True makes the kernel send RST instead of FIN (SO_LINGER 0)."""
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.sock.close()
        except OSError:
            pass


class Resp(Conn):
    """A RESP2 connection."""

    def send(self, cmds):
        self.sendall(b"".join(encode(c) for c in cmds))

    def read(self):
        line = self.readline()
        t = line[:1]
        if t == b"+":
            return line[1:].decode()
        if t == b"-":
            return ReplyError(line[1:].decode(errors="replace"))
        if t == b":":
            return int(line[1:])
        if t == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            return self.readexact(n + 2)[:-2]
        if t == b"*":
            n = int(line[1:])
            if n < 0:
                return None
            return [self.read() for _ in range(n)]
        raise Mismatch("not a RESP2 reply: %r" % line[:80])

    def call(self, *args):
        self.sendall(encode(args))
        return self.read()

    def pipeline(self, cmds):
        self.send(cmds)
        return [self.read() for _ in cmds]


class Memcache(Conn):
    """A memcached text/meta connection."""

    def line(self, data):
        """Sends data, returns the first reply line."""
        self.sendall(data)
        return self.readline()

    def read_values(self):
        """Reads VALUE blocks up to END: {key: (flags, bytes, cas or None)}."""
        out = {}
        while True:
            line = self.readline()
            if line == b"END":
                return out
            parts = line.split()
            if parts[0] != b"VALUE":
                raise Mismatch("expected VALUE or END, got %r" % line[:80])
            data = self.readexact(int(parts[3]) + 2)[:-2]
            out[parts[1]] = (int(parts[2]), data, int(parts[4]) if len(parts) > 4 else None)
