"""memcache_bin.py -- a small memcached binary protocol client for the integration tests: builds
request frames byte by byte and reads response frames off a real socket."""
import socket
import struct
import time

REQ, RES = 0x80, 0x81
GET, SET, ADD, REPLACE, DELETE, INCR, DECR, QUIT, FLUSH, GETQ, NOOP, VERSION = range(12)
GETK, GETKQ, APPEND, PREPEND, STAT = 0x0C, 0x0D, 0x0E, 0x0F, 0x10
SETQ, ADDQ, REPLACEQ, DELETEQ, INCRQ, DECRQ, QUITQ, FLUSHQ = range(0x11, 0x19)
APPENDQ, PREPENDQ, VERBOSITY, TOUCH, GAT, GATQ = 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E
SASL_LIST, SASL_AUTH, GATK, GATKQ = 0x20, 0x21, 0x23, 0x24

OK, ENOENT, EEXISTS, E2BIG, EINVAL, NOT_STORED, DELTA_BADVAL = range(7)
AUTH_ERROR, UNKNOWN = 0x20, 0x81

MARK = 0xDEADBEEF   # the opaque of the NOOP that ends an exchange


def frame(op, key=b"", extras=b"", value=b"", opaque=0, cas=0, magic=REQ, bodylen=None):
    """One request; bodylen may lie about the body that follows."""
    body = len(extras) + len(key) + len(value) if bodylen is None else bodylen
    return (struct.pack(">BBHBBHIIQ", magic, op, len(key), len(extras), 0, 0, body, opaque, cas)
            + extras + key + value)


def store(op, key, value, flags=0, exptime=0, opaque=0, cas=0):
    return frame(op, key, struct.pack(">II", flags, exptime), value, opaque, cas)


def arith(op, key, delta, initial=0, exptime=0, opaque=0, cas=0):
    return frame(op, key, struct.pack(">QQI", delta, initial, exptime), b"", opaque, cas)


def touch(op, key, exptime, opaque=0):
    return frame(op, key, struct.pack(">I", exptime), b"", opaque)


class Response:
    def __init__(self, header, body):
        (self.magic, self.op, keylen, extlen, _, self.status, bodylen, self.opaque,
         self.cas) = struct.unpack(">BBHBBHIIQ", header)
        self.extras, self.key, self.value = body[:extlen], body[extlen:extlen + keylen], body[extlen + keylen:]

    def flags(self):
        return struct.unpack(">I", self.extras)[0] if len(self.extras) == 4 else None

    def number(self):
        return struct.unpack(">Q", self.value)[0]

    def shape(self, keep_cas=False):
        """Everything but the CAS value (only whether there is one), for comparing servers."""
        cas = self.cas if keep_cas else bool(self.cas)
        return (self.magic, self.op, self.status, self.extras, self.key, self.value, self.opaque, cas)

    def __repr__(self):
        return "<op %02x status %02x ext %r key %r value %r opaque %d cas %d>" % (
            self.op, self.status, self.extras, self.key, self.value[:60], self.opaque, self.cas)


class Client:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, n):
        """Reads until n bytes are buffered; False at end of stream."""
        while len(self.buf) < n:
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return False
            self.buf += chunk
        return True

    def read(self):
        """The next response, or None when the server closed the connection."""
        if not self._fill(24):
            return None
        bodylen = struct.unpack(">I", self.buf[8:12])[0]
        if not self._fill(24 + bodylen):
            return None
        r = Response(self.buf[:24], self.buf[24:24 + bodylen])
        self.buf = self.buf[24 + bodylen:]
        return r

    def call(self, data):
        """Sends one request and reads one response."""
        self.send(data)
        return self.read()

    def exchange(self, data):
        """Sends data and a marking NOOP; returns the responses before the mark, then "closed"
        when the server closed the connection first."""
        self.send(data + frame(NOOP, opaque=MARK))
        out = []
        while True:
            r = self.read()
            if r is None:
                return out + ["closed"]
            if r.op == NOOP and r.opaque == MARK:
                return out
            out.append(r)

    def closed(self, deadline=10):
        """True once the server has closed the connection (reads until end of stream)."""
        self.sock.settimeout(deadline)
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return True
                self.buf += chunk
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def wait_port(port, deadline=10):
    end = time.time() + deadline
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)
