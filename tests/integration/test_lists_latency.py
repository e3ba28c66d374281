"""test_lists_latency.py -- a huge LRANGE (or GET of a huge list, set or map) does not stall
other clients.

On a keel-server with ONE worker thread (so the LRANGE, its reply encoding and every GET share
the same thread: a command that ran to completion would hold them all), one client loops
LRANGE big 0 999999 on a 3,000,000-element list while another sends GETs one after the other.
GET replies must keep arriving while an LRANGE is outstanding (many per LRANGE), each LRANGE reply
must be complete and correct, and INFO's zvm_yields must grow by at least one yield per slice of
the range.  GET of a 1,000,000-element list and of a 1,000,000-member set is held to the same
rule, and GET of a map of 1,000,000 fields.  The tests assert progress and ordering, never a
wall-clock threshold.
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


class ReplyLoop(threading.Thread):
    """Loops one command with a huge reply on a connection of its own (each followed by a PING,
    which marks the reply's end); checks each reply's size and tail, records its start and end."""

    def __init__(self, port, rounds, request, size, tail):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.rounds, self.spans, self.error = rounds, [], None
        self.request, self.want_size, self.want_tail = request + command(b"PING"), size, tail + b"+PONG\r\n"
        self.start()

    def one(self):
        t0 = time.monotonic()
        self.sock.sendall(self.request)
        size = 0
        tail = b""
        while not tail.endswith(b"+PONG\r\n"):
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise AssertionError("connection closed")
            size += len(chunk)
            tail = (tail + chunk)[-64:]
        t1 = time.monotonic()
        if size != self.want_size + 7 or not tail.endswith(self.want_tail):
            raise AssertionError("bad reply: %d bytes, tail %r" % (size, tail))
        self.spans.append((t0, t1))

    def run(self):
        try:
            for _ in range(self.rounds):
                self.one()
        except BaseException as e:   # noqa: B902 -- reported by the test
            self.error = e
        self.sock.close()


def range_loop(port, rounds):
    """LRANGE big 0 RANGE-1: *1000000, then 1,000,000 x "$15\r\nelem:NNNNNNNNNN\r\n"."""
    size = len(b"*%d\r\n" % RANGE) + RANGE * (5 + 15 + 2)
    return ReplyLoop(port, rounds, command(b"LRANGE", b"big", 0, RANGE - 1), size,
                     b"$15\r\n" + ELEM % (RANGE - 1) + b"\r\n")


def probe_during(test, g, loop, rounds):
    """GETs a string on g while loop runs; asserts many were answered during each of its replies."""
    answered = []
    while loop.is_alive():
        test.assertEqual(g.get("probe"), b"value")
        answered.append(time.monotonic())
    loop.join()
    if loop.error:
        raise loop.error
    test.assertEqual(len(loop.spans), rounds)
    during = [sum(1 for t in answered if t0 < t < t1) for t0, t1 in loop.spans]
    for n in during:
        test.assertGreaterEqual(n, 10, "GETs answered during each big reply: %r" % during)
    return during


@unittest.skipUnless(all(have_module(m) for m in ("lists", "strings", "sets", "maps")), "a module is not built")
class BigRangeDoesNotStall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=1, modules=["resp", "strings", "lists", "sets", "maps"]).start()
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
        loop = range_loop(self.srv.port, rounds=4)
        during = probe_during(self, g, loop, 4)
        yields = int(r.info("stats")["zvm_yields"]) - yields0
        if os.environ.get("KEEL_TEST_VERBOSE"):
            print("GETs answered during each LRANGE: %r, LRANGE ms: %r, yields: %d" % (
                during, [round((t1 - t0) * 1000) for t0, t1 in loop.spans], yields))
        self.assertGreaterEqual(yields, 4 * (RANGE // 20000), "zvm_yields grew by %d" % yields)
        r.delete("big")

    def test_get_of_a_huge_list_or_set_yields_between_slices(self):
        r = self.r
        r.set("probe", "value")
        n = 1000000
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=120)
        for i in range(0, n, 10000):
            s.sendall(command(b"RPUSH", b"biglist", *[ELEM % j for j in range(i, i + 10000)]) +
                      command(b"SADD", b"bigset", *range(i, i + 10000)) +
                      command(b"HSET", b"bigmap", *[x for j in range(i, i + 10000) for x in (b"f%07d" % j, b"v")]))
            read_exactly_lines(s, 3)
        s.close()
        self.assertEqual((r.llen("biglist"), r.scard("bigset")), (n, n))
        g = self.srv.client()
        yields0 = int(r.info("stats")["zvm_yields"])
        # GET of a list: its elements, head first, exactly as LRANGE 0 -1 would send them
        size = len(b"*%d\r\n" % n) + n * (5 + 15 + 2)
        loop = ReplyLoop(self.srv.port, 2, command(b"GET", b"biglist"), size,
                         b"$15\r\n" + ELEM % (n - 1) + b"\r\n")
        probe_during(self, g, loop, 2)
        # the reply is built in slices: one yield per slice at least (as the LRANGE test)
        yields1 = int(r.info("stats")["zvm_yields"])
        self.assertGreaterEqual(yields1 - yields0, 2 * (n // 20000), "zvm_yields grew by %d" % (yields1 - yields0))
        size = len(b"*%d\r\n" % n) + sum(len(b"$%d\r\n%d\r\n" % (len(str(i)), i)) for i in range(n))
        loop = ReplyLoop(self.srv.port, 2, command(b"GET", b"bigset"), size, b"$6\r\n%d\r\n" % (n - 1))
        probe_during(self, g, loop, 2)
        yields2 = int(r.info("stats")["zvm_yields"])
        self.assertGreaterEqual(yields2 - yields1, 2 * (n // 20000), "zvm_yields grew by %d" % (yields2 - yields1))
        # GET of a map: every field and value (RESP2: a flat array), in table order
        size = len(b"*%d\r\n" % (2 * n)) + n * (len(b"$8\r\nf0000000\r\n") + len(b"$1\r\nv\r\n"))
        loop = ReplyLoop(self.srv.port, 2, command(b"GET", b"bigmap"), size, b"$1\r\nv\r\n")
        probe_during(self, g, loop, 2)
        yields3 = int(r.info("stats")["zvm_yields"])
        self.assertGreaterEqual(yields3 - yields2, 2 * (n // 20000), "zvm_yields grew by %d" % (yields3 - yields2))
        # a small one is still one reply, and a missing key nil
        r.rpush("small", "a", "b")
        self.assertEqual(r.execute_command("GET", "small"), [b"a", b"b"])
        self.assertIsNone(r.get("nothing"))
        r.delete("biglist", "bigset", "bigmap", "small")


if __name__ == "__main__":
    unittest.main()
