"""test_lists_latency.py -- a huge LRANGE does not stall other clients.

On a keel-server with ONE worker thread (so the LRANGE, its reply encoding and every GET share
the same thread: a command that ran to completion would hold them all), one client loops
LRANGE big 0 999999 on a 3,000,000-element list while another sends GETs one after the other.
GET replies must keep arriving while an LRANGE is outstanding (many per LRANGE), each LRANGE reply
must be complete and correct, and INFO's zvm_yields must grow by at least one yield per slice of
the range.  The test asserts progress and ordering, never a wall-clock threshold.
"""
import os
import socket
import threading
import time
import unittest

from keel_harness import KeelServer, MODULE_DIR

N = 3000000
RANGE = 1000000
ELEM = b"elem:%010d"


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_exactly_lines(sock, nlines, buf=b""):
    """Reads until buf holds nlines CRLF-terminated lines; returns the rest after them."""
    while buf.count(b"\r\n") < nlines:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise AssertionError("connection closed")
        buf += chunk
    return buf


def load_list(port):
    """RPUSHes N elements, 10,000 per command, each command waiting for the one before (the
    core may run a connection's pipelined request before an earlier one that yielded)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    batch = 10000
    for i in range(0, N, batch):
        s.sendall(command(b"RPUSH", b"big", *[ELEM % j for j in range(i, i + batch)]))
        buf = read_exactly_lines(s, 1)
        assert buf == b":%d\r\n" % (i + batch), buf
    s.close()


class RangeLoop(threading.Thread):
    """Loops LRANGE big 0 RANGE-1 on one connection; records each one's start and end."""

    def __init__(self, port, rounds):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.rounds, self.spans, self.error = rounds, [], None
        self.expect_tail = b"$15\r\n" + ELEM % (RANGE - 1) + b"\r\n"
        self.start()

    def one(self):
        req = command(b"LRANGE", b"big", 0, RANGE - 1) + command(b"PING")
        t0 = time.monotonic()
        self.sock.sendall(req)
        size = 0
        tail = b""
        while not tail.endswith(b"+PONG\r\n"):
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise AssertionError("connection closed")
            size += len(chunk)
            tail = (tail + chunk)[-64:]
        t1 = time.monotonic()
        # *1000000, then 1,000,000 x "$15\r\nelem:NNNNNNNNNN\r\n", then +PONG
        want = len(b"*%d\r\n" % RANGE) + RANGE * (5 + 15 + 2) + len(b"+PONG\r\n")
        if size != want or not tail.endswith(self.expect_tail + b"+PONG\r\n"):
            raise AssertionError("bad LRANGE reply: %d bytes, tail %r" % (size, tail))
        self.spans.append((t0, t1))

    def run(self):
        try:
            for _ in range(self.rounds):
                self.one()
        except BaseException as e:   # noqa: B902 -- reported by the test
            self.error = e
        self.sock.close()


@unittest.skipUnless(have_module("lists") and have_module("strings"), "lists/strings modules not built")
class BigRangeDoesNotStall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=1, modules=["resp", "strings", "lists"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_lists_get_answered_while_lrange_of_a_million_runs(self):
        r = self.r
        r.set("probe", "value")
        load_list(self.srv.port)
        self.assertEqual(r.llen("big"), N)
        yields0 = int(r.info("stats")["zvm_yields"])
        g = self.srv.client()
        g.ping()
        loop = RangeLoop(self.srv.port, rounds=4)
        answered = []
        while loop.is_alive():
            self.assertEqual(g.get("probe"), b"value")
            answered.append(time.monotonic())
        loop.join()
        if loop.error:
            raise loop.error
        self.assertEqual(len(loop.spans), 4)
        during = [sum(1 for t in answered if t0 < t < t1) for t0, t1 in loop.spans]
        # a GET is served between slices of every LRANGE: each LRANGE sees many of them
        for n in during:
            self.assertGreaterEqual(n, 10, "GETs answered during each LRANGE: %r" % during)
        yields = int(r.info("stats")["zvm_yields"]) - yields0
        if os.environ.get("KEEL_TEST_VERBOSE"):
            print("GETs answered during each LRANGE: %r, LRANGE ms: %r, yields: %d" % (
                during, [round((t1 - t0) * 1000) for t0, t1 in loop.spans], yields))
        self.assertGreaterEqual(yields, 4 * (RANGE // 20000), "zvm_yields grew by %d" % yields)
        r.delete("big")


if __name__ == "__main__":
    unittest.main()
