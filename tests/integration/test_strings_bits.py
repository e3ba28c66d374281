"""test_strings_bits.py -- bitmaps on strings and LCS against a real keel-server through redis-py:
SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO LCS, every option and error, the bytes
they leave (GET/GETRANGE), expiry kept, keyspace events, BITOP across shards (atomic), big values
changed where they lie, and long operations yielding: on a one-thread server, another client's
GETs are answered while a BITCOUNT, BITPOS, BITOP or LCS over tens of megabytes runs, and INFO's
zvm_yields grows with the slices.  Replies are also compared with redis-server 7.0 in
test_bits_compat.py.
"""
import threading
import time
import unittest

import redis

from keel_harness import KeelServer, have_module

MB = 1024 * 1024


def error_of(r, *args):
    """The error text redis-py raises for a command (redis-py drops a leading 'ERR ')."""
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def popcount(data):
    return sum(bin(b).count("1") for b in data)


OFFSET_ERR = "bit offset is not an integer or out of range"
TYPE_ERR = "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


@unittest.skipUnless(have_module("lists"), "lists.so is not built (WRONGTYPE cases need it)")
class Bits(unittest.TestCase):
    """One server (2 threads, so keys live on both shards); flushed per test."""

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists", "pubsub"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def test_bits_setbit_getbit_bytes(self):
        r = self.r
        self.assertEqual(r.setbit("k", 7, 1), 0)
        self.assertEqual(r.get("k"), b"\x01")
        self.assertEqual(r.setbit("k", 7, 1), 1)
        self.assertEqual(r.setbit("k", 0, 1), 0)
        self.assertEqual(r.get("k"), b"\x81")
        self.assertEqual(r.setbit("k", 100, 1), 0)   # grows with zero bytes, as Redis
        self.assertEqual(r.strlen("k"), 13)
        self.assertEqual(r.get("k"), b"\x81" + b"\x00" * 11 + b"\x08")
        self.assertEqual(r.getrange("k", 12, 12), b"\x08")
        self.assertEqual([r.getbit("k", i) for i in (0, 1, 7, 99, 100, 101, 10**6)], [1, 0, 1, 0, 1, 0, 0])
        self.assertEqual(r.getbit("nokey", 5), 0)
        self.assertEqual(r.exists("nokey"), 0)
        self.assertEqual(r.setbit("k", 100, 0), 1)
        self.assertEqual(r.get("k"), b"\x81" + b"\x00" * 12)
        # a number's text is its bytes: "42" = 0x34 0x32
        r.set("n", 42)
        self.assertEqual(r.getbit("n", 2), 1)
        self.assertEqual(r.setbit("n", 15, 1), 0)
        self.assertEqual(r.get("n"), b"43")
        self.assertEqual(r.incr("n"), 44)
        # the largest offset is 2^32 - 1 (a 512 MB string): checked before anything is built
        self.assertEqual(r.getbit("k", 2**32 - 1), 0)
        for bad in ("-1", "4294967296", "abc", "1.5", "", " 1", "+1", "99999999999999999999"):
            self.assertEqual(error_of(r, "SETBIT", "k", bad, "1"), OFFSET_ERR, bad)
            self.assertEqual(error_of(r, "GETBIT", "k", bad), OFFSET_ERR, bad)
        for bad in ("2", "-1", "x", "", "1.0"):
            self.assertEqual(error_of(r, "SETBIT", "k", "1", bad), "bit is not an integer or out of range")
        self.assertEqual(r.get("k"), b"\x81" + b"\x00" * 12)   # nothing changed by the errors

    def test_bits_setbit_keeps_expiry_and_wrong_types(self):
        r = self.r
        r.set("k", "abc", ex=1000)
        r.setbit("k", 0, 1)
        r.setbit("k", 200, 1)
        self.assertGreater(r.ttl("k"), 900)
        self.assertEqual(r.get("k")[:3], b"\xe1bc")
        r.rpush("l", "x")
        for args in (["SETBIT", "l", "0", "1"], ["GETBIT", "l", "0"], ["BITCOUNT", "l"], ["BITPOS", "l", "1"],
                     ["BITFIELD", "l", "GET", "u8", "0"], ["BITFIELD", "l", "SET", "u8", "0", "1"],
                     ["BITFIELD_RO", "l", "GET", "u8", "0"], ["BITOP", "OR", "d", "k", "l"]):
            self.assertEqual(error_of(r, *args), WRONGTYPE, args)
        self.assertEqual(error_of(r, "LCS", "k", "l"), "The specified keys must contain string values")
        self.assertEqual(r.lrange("l", 0, -1), [b"x"])
        self.assertEqual(r.exists("d"), 0)

    def test_bits_bitcount(self):
        r = self.r
        r.set("k", "foobar")
        self.assertEqual(r.bitcount("k"), 26)
        self.assertEqual(r.bitcount("k", 0, 0), 4)
        self.assertEqual(r.bitcount("k", 1, 1), 6)
        self.assertEqual(r.execute_command("BITCOUNT", "k", 1, 1, "BYTE"), 6)
        self.assertEqual(r.execute_command("BITCOUNT", "k", 5, 30, "BIT"), 17)
        self.assertEqual(r.execute_command("BITCOUNT", "k", -9, -2, "bit"), 5)
        self.assertEqual(r.bitcount("k", -2, -1), popcount(b"ar"))
        self.assertEqual(r.bitcount("k", 2, 1), 0)
        self.assertEqual(r.bitcount("k", -1, -2), 0)
        self.assertEqual(r.bitcount("k", -100, 100), 26)
        self.assertEqual(r.bitcount("nokey"), 0)
        self.assertEqual(r.execute_command("BITCOUNT", "nokey", "x", "y"), 0)   # Redis 7.0: key first
        self.assertEqual(error_of(r, "BITCOUNT", "k", "0"), "syntax error")
        self.assertEqual(error_of(r, "BITCOUNT", "k", "0", "1", "BITS"), "syntax error")
        self.assertEqual(error_of(r, "BITCOUNT", "k", "0", "1", "BIT", "x"), "syntax error")
        self.assertEqual(error_of(r, "BITCOUNT", "k", "a", "1"), "value is not an integer or out of range")
        self.assertEqual(error_of(r, "BITCOUNT"), "wrong number of arguments for 'bitcount' command")

    def test_bits_bitpos(self):
        r = self.r
        r.set("k", b"\xff\xf0\x00")
        self.assertEqual(r.bitpos("k", 0), 12)
        r.set("k", b"\x00\xff\xf0")
        self.assertEqual(r.bitpos("k", 1, 0), 8)
        self.assertEqual(r.bitpos("k", 1, 2), 16)
        self.assertEqual(r.bitpos("k", 1, 2, -1), 16)
        self.assertEqual(r.execute_command("BITPOS", "k", 1, 7, 15, "BIT"), 8)
        self.assertEqual(r.execute_command("BITPOS", "k", 1, 7, -3, "BIT"), 8)
        r.set("f", b"\xff\xff\xff")
        self.assertEqual(r.bitpos("f", 0), 24)        # no end given: the bit after the string
        self.assertEqual(r.bitpos("f", 0, 0), 24)
        self.assertEqual(r.bitpos("f", 0, 0, -1), -1)  # an end given: none in the range
        r.set("z", b"\x00\x00")
        self.assertEqual(r.bitpos("z", 1), -1)
        self.assertEqual(r.bitpos("nokey", 0), 0)
        self.assertEqual(r.bitpos("nokey", 1), -1)
        r.set("e", "")
        self.assertEqual(r.bitpos("e", 0), -1)
        self.assertEqual(error_of(r, "BITPOS", "k", "2"), "The bit argument must be 1 or 0.")
        self.assertEqual(error_of(r, "BITPOS", "k", "x"), "value is not an integer or out of range")
        self.assertEqual(error_of(r, "BITPOS", "k", "1", "0", "1", "BYTES"), "syntax error")
        self.assertEqual(error_of(r, "BITPOS", "k", "1", "0", "1", "BIT", "x"), "syntax error")
        self.assertEqual(error_of(r, "BITPOS", "k", "1", "0", "x"), "value is not an integer or out of range")

    def test_bits_bitop(self):
        r = self.r
        a, b, c = b"foobar", b"abcdef", b"\xff\x0f"
        r.set("a", a)
        r.set("b", b)
        r.set("c", c)
        pad = lambda s, n: s + b"\x00" * (n - len(s))   # noqa: E731
        self.assertEqual(r.bitop("AND", "d", "a", "b"), 6)
        self.assertEqual(r.get("d"), bytes(x & y for x, y in zip(a, b)))
        self.assertEqual(r.bitop("OR", "d", "a", "b", "c"), 6)
        self.assertEqual(r.get("d"), bytes(x | y | z for x, y, z in zip(a, b, pad(c, 6))))
        self.assertEqual(r.bitop("XOR", "d", "a", "c"), 6)
        self.assertEqual(r.get("d"), bytes(x ^ z for x, z in zip(a, pad(c, 6))))
        self.assertEqual(r.bitop("AND", "d", "c", "a"), 6)   # the shorter one is zero-padded
        self.assertEqual(r.get("d"), bytes(x & z for x, z in zip(a, pad(c, 6))))
        self.assertEqual(r.bitop("NOT", "d", "c"), 2)
        self.assertEqual(r.get("d"), b"\x00\xf0")
        self.assertEqual(r.bitop("AND", "d", "a", "nokey"), 6)
        self.assertEqual(r.get("d"), b"\x00" * 6)
        self.assertEqual(r.bitop("XOR", "a", "a", "b"), 6)   # the destination among the sources
        self.assertEqual(r.get("a"), bytes(x ^ y for x, y in zip(a, b)))
        r.set("d", "x", ex=100)
        self.assertEqual(r.bitop("OR", "d", "c"), 2)
        self.assertEqual(r.ttl("d"), -1)   # a new value: no expiry
        self.assertEqual(r.bitop("OR", "d", "nokey", "nokey2"), 0)   # all empty: deleted
        self.assertEqual(r.exists("d"), 0)
        r.rpush("l", "x")
        self.assertEqual(r.bitop("OR", "l", "c"), 2)   # any destination type is replaced
        self.assertEqual(r.get("l"), c)
        self.assertEqual(error_of(r, "BITOP", "NAND", "d", "a"), "syntax error")
        self.assertEqual(error_of(r, "BITOP", "NOT", "d", "a", "b"),
                         "BITOP NOT must be called with a single source key.")
        self.assertEqual(error_of(r, "BITOP", "AND", "d"), "wrong number of arguments for 'bitop' command")

    def test_bits_bitop_across_shards(self):
        """Sources and destination spread over both shards (many keys: some land on each)."""
        r = self.r
        keys = ["src:%d" % i for i in range(24)]
        want_or, want_and, want_xor = bytearray(40), bytearray(b"\xff" * 40), bytearray(40)
        for i, k in enumerate(keys):
            v = bytes((i * 37 + j * 11) & 0xff for j in range(16 + i))
            r.set(k, v)
            padded = v + b"\x00" * (40 - len(v))
            for j in range(40):
                want_or[j] |= padded[j]
                want_and[j] &= padded[j]
                want_xor[j] ^= padded[j]
        for op, want in (("OR", want_or), ("AND", want_and), ("XOR", want_xor)):
            for dest in ("dest:a", "dest:b", "dest:c"):
                self.assertEqual(r.bitop(op, dest, *keys), 39)
                self.assertEqual(r.get(dest), bytes(want[:39]), (op, dest))

    def test_bits_bitfield(self):
        r = self.r
        self.assertEqual(r.execute_command("BITFIELD", "k", "SET", "i8", "0", "100", "GET", "i8", "0"), [0, 100])
        self.assertEqual(r.execute_command("BITFIELD", "k", "INCRBY", "i8", "0", "100"), [-56])
        self.assertEqual(r.execute_command("BITFIELD", "k", "GET", "u8", "0", "GET", "u4", "4"), [200, 8])
        self.assertEqual(r.execute_command("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-200",
                                           "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1",
                                           "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "-1"), [-128, None, 127])
        self.assertEqual(r.execute_command("BITFIELD", "k", "SET", "u8", "#2", "255", "GET", "u8", "16"), [0, 255])
        self.assertEqual(r.get("k"), b"\x7f\x00\xff")
        self.assertEqual(r.execute_command("BITFIELD", "k", "SET", "i64", "0", "-1", "GET", "u63", "1",
                                           "GET", "i64", "0"), [0x7f00ff0000000000, 2**63 - 1, -1])
        self.assertEqual(r.execute_command("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0",
                                           str(2**63 - 1), "INCRBY", "i64", "0", "1"), [2**63 - 2, 2**63 - 1])
        self.assertEqual(r.execute_command("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "256",
                                           "SET", "u8", "0", "-1", "SET", "u8", "0", "7"), [None, None, 127])
        self.assertEqual(r.execute_command("BITFIELD", "nokey", "GET", "u8", "0", "GET", "i5", "3"), [0, 0])
        self.assertEqual(r.exists("nokey"), 0)
        self.assertEqual(r.execute_command("BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "9"), [None])
        self.assertEqual(r.get("new"), b"\x00\x00")   # grown (and created) even though nothing was written
        self.assertEqual(r.execute_command("BITFIELD", "k"), [])
        self.assertEqual(r.execute_command("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i16", "#1"), [7, -1])
        for t in ("u64", "i65", "i0", "u0", "x8", "I8", "i", "i08", "i-1", "u 8"):
            self.assertEqual(error_of(r, "BITFIELD", "k", "GET", t, "0"), TYPE_ERR, t)
        for off in ("-1", "4294967296", "#-1", "#536870912", "x", "##1", "#", "1.0"):
            self.assertEqual(error_of(r, "BITFIELD", "k", "GET", "i8", off), OFFSET_ERR, off)
        self.assertEqual(r.execute_command("BITFIELD", "k", "GET", "i8", "#536870911"), [0])
        self.assertEqual(error_of(r, "BITFIELD", "k", "SET", "i8", "0", "x"), "value is not an integer or out of range")
        self.assertEqual(error_of(r, "BITFIELD", "k", "OVERFLOW", "FOO"), "Invalid OVERFLOW type specified")
        for args in (["GET", "i8"], ["SET", "i8", "0"], ["INCRBY", "u8", "0"], ["FOO"], ["OVERFLOW"],
                     ["GET", "u8", "0", "extra"]):
            self.assertEqual(error_of(r, "BITFIELD", "k", *args), "syntax error", args)
        self.assertEqual(error_of(r, "BITFIELD_RO", "k", "SET", "u8", "0", "1"),
                         "BITFIELD_RO only supports the GET subcommand")
        self.assertEqual(error_of(r, "BITFIELD_RO", "k", "INCRBY", "u8", "0", "1"),
                         "BITFIELD_RO only supports the GET subcommand")
        # a failed command changes nothing, even when an earlier subcommand was fine
        self.assertEqual(error_of(r, "BITFIELD", "k", "SET", "u8", "0", "9", "GET", "u64", "0"), TYPE_ERR)
        self.assertEqual(r.execute_command("BITFIELD_RO", "k", "GET", "u8", "0"), [7])

    def test_bits_lcs(self):
        r = self.r
        r.set("a", "ohmytext")
        r.set("b", "mynewtext")
        self.assertEqual(r.execute_command("LCS", "a", "b"), b"mytext")
        self.assertEqual(r.execute_command("LCS", "a", "b", "LEN"), 6)
        self.assertEqual(r.execute_command("LCS", "a", "b", "IDX"),
                         [b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6])
        self.assertEqual(r.execute_command("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
                         [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6])
        self.assertEqual(r.execute_command("LCS", "a", "nokey"), b"")
        self.assertEqual(r.execute_command("LCS", "a", "a", "LEN"), 8)
        self.assertEqual(error_of(r, "LCS", "a", "b", "LEN", "IDX"),
                         "If you want both the length and indexes, please just use IDX.")
        self.assertEqual(error_of(r, "LCS", "a", "b", "MINMATCHLEN"), "syntax error")
        self.assertEqual(error_of(r, "LCS", "a", "b", "MINMATCHLEN", "x"), "value is not an integer or out of range")
        self.assertEqual(error_of(r, "LCS", "a", "b", "FOO"), "syntax error")
        # the table past 512 MB is refused, as Redis refuses it (8192 x 16385 cells of 4 bytes)
        r.set("x", "a" * 8191)
        r.set("y", "b" * 16384)
        self.assertEqual(error_of(r, "LCS", "x", "y", "LEN"),
                         "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        r.set("y", "b" * 100 + "a" * 50)
        self.assertEqual(r.execute_command("LCS", "x", "y", "LEN"), 50)

    def test_bits_big_values_change_in_place_and_stay_exact(self):
        """Values of 1 KB or more: SETBIT and BITFIELD change them where they lie (and grow them
        with zero bytes), keeping their expiry; every byte stays as Redis would have it."""
        r = self.r
        for size in (1000, 1024, 4000, 70000):   # below and above the in-place and reserve sizes
            mid = bytearray((i * 3) & 0xff for i in range(size))
            r.set("mid", bytes(mid), ex=1000)
            self.assertEqual(r.setbit("mid", 8 * 10 + 1, 1), (mid[10] >> 6) & 1)
            mid[10] |= 0x40
            self.assertEqual(r.setbit("mid", 8 * (size + 2), 1), 0)
            mid += b"\x00\x00\x80"
            self.assertEqual(r.execute_command("BITFIELD", "mid", "INCRBY", "u8", "#5", "1"), [(mid[5] + 1) & 0xff])
            mid[5] = (mid[5] + 1) & 0xff
            self.assertEqual(r.get("mid"), bytes(mid), size)
            self.assertGreater(r.ttl("mid"), 900)
        block = bytes((i * 7) & 0xff for i in range(MB))
        r.set("big", block, ex=1000)
        self.assertEqual(r.setbit("big", 8 * 1000 + 3, 1), (block[1000] >> 4) & 1)
        want = bytearray(block)
        want[1000] |= 0x10
        self.assertEqual(r.setbit("big", 8 * (MB + 10), 1), 0)   # grows by 11 bytes
        want += b"\x00" * 10 + b"\x80"
        self.assertEqual(r.execute_command("BITFIELD", "big", "SET", "u16", "#5", "4660",
                                           "INCRBY", "i8", str(8 * (2 * MB)), "-1"), [
            (want[10] << 8) | want[11], -1])
        want[10:12] = b"\x12\x34"
        want += b"\x00" * (2 * MB - len(want)) + b"\xff"
        self.assertEqual(r.strlen("big"), len(want))
        self.assertEqual(r.get("big"), bytes(want))
        self.assertGreater(r.ttl("big"), 900)
        self.assertEqual(r.bitcount("big"), popcount(want))
        # a new big value (SETBIT far out) is all zero bytes but the one bit
        self.assertEqual(r.setbit("fresh", 8 * 3 * MB + 7, 1), 0)
        self.assertEqual(r.strlen("fresh"), 3 * MB + 1)
        self.assertEqual(r.bitpos("fresh", 1), 8 * 3 * MB + 7)
        self.assertEqual(r.getrange("fresh", 3 * MB - 2, -1), b"\x00\x00\x01")
        self.assertEqual(r.ttl("fresh"), -1)

    def test_bits_keyspace_events(self):
        r = self.r
        r.config_set("notify-keyspace-events", "KEA")
        try:
            p = r.pubsub()
            p.psubscribe("__keyevent@0__:*")
            self.assertEqual(p.get_message(timeout=10)["type"], "psubscribe")
            r.setbit("k", 0, 1)        # created: setbit
            r.setbit("k", 0, 1)        # unchanged: nothing
            r.setbit("k", 20, 0)       # grown: setbit
            r.execute_command("BITFIELD", "k", "SET", "u8", "0", "128")   # unchanged: nothing
            r.execute_command("BITFIELD", "k", "INCRBY", "u8", "0", "1")  # setbit
            r.execute_command("BITFIELD", "n", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9")   # nothing
            r.bitop("OR", "d", "k")    # set
            r.bitop("OR", "d", "nokey")   # del
            r.bitop("OR", "d", "nokey")   # nothing
            r.set("end", 1)
            got = []
            while not got or got[-1] != ("set", b"end"):
                m = p.get_message(timeout=10)
                self.assertIsNotNone(m, got)
                got.append((m["channel"].decode().split(":", 1)[1], m["data"]))
            self.assertEqual(got, [("setbit", b"k"), ("setbit", b"k"), ("setbit", b"k"), ("set", b"d"),
                                   ("del", b"d"), ("set", b"end")])
            p.close()
        finally:
            r.config_set("notify-keyspace-events", "")


class LongRun(threading.Thread):
    """Runs one command `rounds` times on a connection of its own; records each run's span."""

    def __init__(self, port, rounds, args, want):
        super().__init__(daemon=True)
        self.c = redis.Redis(port=port, socket_timeout=300)
        self.rounds, self.args, self.want, self.spans, self.error = rounds, args, want, [], None
        self.start()

    def run(self):
        try:
            for _ in range(self.rounds):
                t0 = time.monotonic()
                got = self.c.execute_command(*self.args)
                self.spans.append((t0, time.monotonic()))
                if got != self.want:
                    raise AssertionError("%r replied %r, not %r" % (self.args, got, self.want))
        except BaseException as e:   # noqa: B902 -- reported by the test
            self.error = e


class LongOperationsYield(unittest.TestCase):
    """A one-thread server, so the long command and the probing GETs share the thread: GETs
    answered during a command's run prove that it yields."""

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=1, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.r.set("probe", "value")
        block = bytes((i * 13 + (i >> 9)) & 0xff for i in range(MB))
        cls.big_count = 0
        for _ in range(48):   # 48 MB, appended where it lies
            cls.r.append("big", block)
            cls.big_count += popcount(block)
        cls.r.setbit("sparse", 8 * 48 * MB - 3, 1)   # 48 MB of zeros and one bit near the end

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def probe_during(self, args, want, rounds=4, least_yields=10, alongside=None):
        g = self.srv.client()
        g.ping()
        yields0 = int(self.r.info("stats")["zvm_yields"])
        run = LongRun(self.srv.port, rounds, args, want)
        side = threading.Thread(target=alongside, daemon=True) if alongside else None
        if side:
            side.start()
        answered = []
        while run.is_alive():
            self.assertEqual(g.get("probe"), b"value")
            answered.append(time.monotonic())
        run.join()
        if side:
            side.join()
        if run.error:
            raise run.error
        self.assertEqual(len(run.spans), rounds)
        during = [sum(1 for t in answered if t0 < t < t1) for t0, t1 in run.spans]
        # GETs answered while runs were outstanding (how many depends on the machine's speed, so
        # only some over all the runs are required); the yields counted below show the slices
        self.assertGreaterEqual(sum(during), 1, "GETs answered during each %s: %r" % (args[0], during))
        yields = int(self.r.info("stats")["zvm_yields"]) - yields0
        self.assertGreaterEqual(yields, least_yields * rounds, "zvm_yields grew by %d" % yields)

    def test_bits_bitcount_of_48_mb_yields(self):
        self.probe_during(["BITCOUNT", "big"], self.big_count)
        edges = popcount(self.r.getrange("big", 0, 0)) + popcount(self.r.getrange("big", -1, -1))
        self.probe_during(["BITCOUNT", "big", "1", "-2"], self.big_count - edges, rounds=2)

    def test_bits_bitpos_of_48_mb_yields(self):
        self.probe_during(["BITPOS", "sparse", "1"], 8 * 48 * MB - 3)
        self.assertEqual(self.r.bitpos("big", 0, 0, -1), 0)   # found in the first byte: no slices
        self.assertEqual(self.r.bitpos("sparse", 0, 0, -1), 0)

    def test_bits_bitop_of_48_mb_yields_and_is_atomic(self):
        r = self.r
        r.set("dest", "old")
        seen = []
        reader = self.srv.client()

        def read_dest():   # while BITOP runs: the old value or the whole result, nothing between
            for _ in range(3):
                seen.append(reader.get("dest"))

        reader.ping()
        self.probe_during(["BITOP", "XOR", "dest", "big", "sparse"], 48 * MB, rounds=2, alongside=read_dest)
        self.assertEqual(len(seen), 3)
        for v in seen:
            self.assertIn(len(v), (3, 48 * MB))
            if len(v) == 3:
                self.assertEqual(v, b"old")
        self.assertEqual(len(reader.get("dest")), 48 * MB)   # (the reads may all come before it)
        self.assertEqual(r.bitcount("dest"), self.big_count + (1 if r.getbit("big", 8 * 48 * MB - 3) == 0 else -1))
        self.assertEqual(r.getrange("dest", 0, 15), r.getrange("big", 0, 15))
        self.probe_during(["BITOP", "NOT", "dest", "sparse"], 48 * MB, rounds=2)
        self.assertEqual(r.bitcount("dest"), 8 * 48 * MB - 1)
        r.delete("dest")

    def test_bits_lcs_yields(self):
        r = self.r
        a = "".join("acgt"[(i * 7 + i // 5) % 4] for i in range(3000))
        b = "".join("acgt"[(i * 5 + i // 3) % 4] for i in range(3000))
        r.set("la", a)
        r.set("lb", b)
        want = r.execute_command("LCS", "la", "lb", "LEN")
        self.assertGreater(want, 1000)
        self.probe_during(["LCS", "la", "lb", "LEN"], want, rounds=2)
        got = r.execute_command("LCS", "la", "lb")
        self.assertEqual(len(got), want)


if __name__ == "__main__":
    unittest.main()
