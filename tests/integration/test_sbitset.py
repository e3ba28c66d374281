"""test_sbitset.py -- sbitset.so through python3-redis on a real keel-server with 2 threads:
SSETBIT SGETBIT SBITCOUNT SBITPOS SBITOP SBITRANK SBITSELECT SBITSCAN over the signed 64-bit
range, every error (arity, bad positions, -0, non-integers, cursor garbage, huge COUNT, WRONGTYPE),
SBITOP across shards (atomic, yielding, empty results deleting the destination, NOT's bound), the
generic keyspace (TYPE, GET in both dialects, DEL, EXPIRE, RENAME, COPY, OBJECT ENCODING, MEMORY
USAGE, SCAN TYPE, namespaces, notifications, read-only networks), SAVE + restart, the append-only
log, DUMP/RESTORE, and random commands checked against a Python set of ints.
"""
import random
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, have_module, served_meanwhile, wait_until
from test_sets import error_of, keys_on_threads

NEEDS_SBITSET = unittest.skipUnless(have_module("sbitset"), "sbitset module not built")
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_OFFSET = "bit offset is not an integer or out of range"
ERR_INT = "value is not an integer or out of range"
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
MODULES = ["resp", "strings", "maps", "sbitset"] + [m for m in ("dump", "pubsub") if have_module(m)]


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected), as DUMP payloads end with it (8 bytes LE)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95ac9329ac4bc9b5 if crc & 1 else 0)
    return crc.to_bytes(8, "little")


def loaded_client(srv):
    """A client once the server has loaded its data (PING answers while data commands get
    -LOADING)."""
    r = srv.client()
    wait_until("the data to load", lambda: r.info("persistence")["loading"] == 0, timeout=120)
    return r


def scan_all(r, key, count=None):
    """Every position SBITSCAN walks, in call order, and the number of calls."""
    out, cursor, calls = [], b"0", 0
    while True:
        args = ["SBITSCAN", key, cursor] + (["COUNT", count] if count else [])
        cursor, batch = r.execute_command(*args)
        out += batch
        calls += 1
        if cursor == b"0":
            return out, calls


@NEEDS_SBITSET
class Sbitset(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=MODULES).start()
        cls.r = cls.srv.client()
        cls.raw = cls.srv.client()
        cls.raw.response_callbacks = {}     # OBJECT ENCODING as the server replies it
        cls.a0, cls.b1, cls.c0, cls.d1 = keys_on_threads(cls.r, "sb")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def x(self, *args):
        return self.r.execute_command(*args)

    # ---- single bits ----

    def test_sbitset_setbit_getbit_over_the_signed_range(self):
        for pos in (0, 1, -1, I64_MIN, I64_MAX, 1000000000, -(1 << 40), 65535, 65536):
            self.assertEqual(self.x("SSETBIT", "k", pos, 1), 0)
            self.assertEqual(self.x("SSETBIT", "k", pos, 1), 1)
            self.assertEqual(self.x("SGETBIT", "k", pos), 1)
        self.assertEqual(self.x("SGETBIT", "k", 2), 0)
        self.assertEqual(self.x("SGETBIT", "k", I64_MIN + 1), 0)
        self.assertEqual(self.x("SBITCOUNT", "k"), 9)
        self.assertEqual(self.x("SSETBIT", "k", -1, 0), 1)
        self.assertEqual(self.x("SSETBIT", "k", -1, 0), 0)
        self.assertEqual(self.x("SGETBIT", "k", -1), 0)
        self.assertEqual(self.x("SBITCOUNT", "k"), 8)
        self.assertEqual(self.x("SGETBIT", "missing", 5), 0)

    def test_sbitset_clearing_the_last_bit_deletes_the_key(self):
        self.assertEqual(self.x("SSETBIT", "k", 7, 0), 0)      # clearing on a missing key: no key
        self.assertEqual(self.r.exists("k"), 0)
        self.x("SSETBIT", "k", 7, 1)
        self.x("SSETBIT", "k", -7, 1)
        self.assertEqual(self.x("SSETBIT", "k", 7, 0), 1)
        self.assertEqual(self.r.exists("k"), 1)
        self.assertEqual(self.x("SSETBIT", "k", -7, 0), 1)
        self.assertEqual(self.r.exists("k"), 0)

    def test_sbitset_errors(self):
        r = self.r
        r.set("str", "v")
        for bad in ("-0", "1.5", "x", "", " 1", "+1", "01", "9223372036854775808",
                    "-9223372036854775809", "1e3"):
            self.assertIn(ERR_OFFSET, error_of(r, "SSETBIT", "k", bad, 1), bad)
            self.assertIn(ERR_OFFSET, error_of(r, "SGETBIT", "k", bad), bad)
            self.assertIn(ERR_INT, error_of(r, "SBITRANK", "k", bad), bad)
            self.assertIn(ERR_INT, error_of(r, "SBITCOUNT", "k", bad, 5), bad)
            self.assertIn(ERR_INT, error_of(r, "SBITCOUNT", "k", 5, bad), bad)
            self.assertIn(ERR_INT, error_of(r, "SBITPOS", "k", 1, bad), bad)
            self.assertIn(ERR_INT, error_of(r, "SBITSELECT", "k", bad), bad)
        for bad in ("2", "-1", "x", "-0", "1.0", ""):
            self.assertIn("bit is not an integer or out of range", error_of(r, "SSETBIT", "k", 1, bad))
        self.assertEqual(r.exists("k"), 0)
        self.assertIn(ERR_INT, error_of(r, "SBITPOS", "k", "x"))
        self.assertIn("The bit argument must be 1 or 0.", error_of(r, "SBITPOS", "k", 2))
        self.assertIn("syntax error", error_of(r, "SBITCOUNT", "k", 1))
        self.assertIn("syntax error", error_of(r, "SBITCOUNT", "k", 1, 2, "BYTE"))
        self.assertIn("syntax error", error_of(r, "SBITCOUNT", "k", 1, 2, "BIT", "x"))
        self.assertIn("syntax error", error_of(r, "SBITPOS", "k", 1, 2, 3, "BYTE"))
        for cmd in (("SSETBIT", "k", 1), ("SGETBIT", "k"), ("SBITCOUNT",), ("SBITPOS", "k"),
                    ("SBITRANK", "k"), ("SBITSELECT", "k"), ("SBITSCAN", "k"), ("SBITOP", "OR", "d"),
                    ("SSETBIT", "k", 1, 1, 1), ("SGETBIT", "k", 1, 2)):
            self.assertIn("wrong number of arguments", error_of(r, *cmd), cmd)
        for cmd in (("SSETBIT", "str", 1, 1), ("SGETBIT", "str", 1), ("SBITCOUNT", "str"),
                    ("SBITCOUNT", "str", 0, 9), ("SBITPOS", "str", 1), ("SBITRANK", "str", 1),
                    ("SBITSELECT", "str", 0), ("SBITSCAN", "str", 0), ("SBITOP", "OR", "d", "str")):
            self.assertEqual(error_of(r, *cmd), WRONGTYPE, cmd)
        self.x("SSETBIT", "k", 1, 1)
        self.assertEqual(r.type("k"), b"sbitset")
        self.assertEqual(error_of(r, "INCR", "k"), WRONGTYPE)
        self.assertEqual(r.get("str"), b"v")                 # nothing changed the string
        self.assertEqual(self.x("PING"), True)

    # ---- counts and searches ----

    def test_sbitset_bitcount_ranges_by_bit(self):
        for pos in (-100, -1, 0, 5, 70000, I64_MAX, I64_MIN):
            self.x("SSETBIT", "k", pos, 1)
        self.assertEqual(self.x("SBITCOUNT", "k"), 7)
        self.assertEqual(self.x("SBITCOUNT", "k", -100, 5), 4)
        self.assertEqual(self.x("SBITCOUNT", "k", -99, 4), 2)
        self.assertEqual(self.x("SBITCOUNT", "k", 0, 0, "BIT"), 1)
        self.assertEqual(self.x("SBITCOUNT", "k", 5, -5), 0)          # start > end
        self.assertEqual(self.x("SBITCOUNT", "k", I64_MIN, I64_MAX), 7)
        self.assertEqual(self.x("SBITCOUNT", "k", 6, I64_MAX), 2)
        self.assertEqual(self.x("SBITCOUNT", "missing"), 0)
        self.assertEqual(self.x("SBITCOUNT", "missing", 0, 10), 0)

    def test_sbitset_bitpos(self):
        self.assertEqual(self.x("SBITPOS", "missing", 1), -1)
        self.assertEqual(self.x("SBITPOS", "missing", 0), I64_MIN)      # all zeros
        self.assertEqual(self.x("SBITPOS", "missing", 0, 42), 42)
        self.assertEqual(self.x("SBITPOS", "missing", 0, 42, 41), -1)
        for pos in (-3, -2, -1, 0, 1, 10):
            self.x("SSETBIT", "k", pos, 1)
        self.assertEqual(self.x("SBITPOS", "k", 1), -3)
        self.assertEqual(self.x("SBITPOS", "k", 1, 2), 10)
        self.assertEqual(self.x("SBITPOS", "k", 1, 2, 9), -1)
        self.assertEqual(self.x("SBITPOS", "k", 1, 2, 10, "BIT"), 10)
        self.assertEqual(self.x("SBITPOS", "k", 0), I64_MIN)
        self.assertEqual(self.x("SBITPOS", "k", 0, -3), 2)
        self.assertEqual(self.x("SBITPOS", "k", 0, -3, 1), -1)
        self.assertEqual(self.x("SBITPOS", "k", 1, 11), -1)
        self.x("SSETBIT", "top", I64_MAX, 1)
        self.assertEqual(self.x("SBITPOS", "top", 0, I64_MAX), -1)
        self.assertEqual(self.x("SBITPOS", "top", 1), I64_MAX)

    def test_sbitset_rank_and_select(self):
        positions = sorted({I64_MIN, -70000, -1, 0, 3, 65536, 1 << 40, I64_MAX})
        for pos in positions:
            self.x("SSETBIT", "k", pos, 1)
        for i, pos in enumerate(positions):
            self.assertEqual(self.x("SBITRANK", "k", pos), i)
            self.assertEqual(self.x("SBITSELECT", "k", i), pos)
            self.assertEqual(self.x("SBITSELECT", "k", i - len(positions)), pos)
        self.assertEqual(self.x("SBITRANK", "k", 1), 4)
        self.assertIsNone(self.x("SBITSELECT", "k", len(positions)))
        self.assertIsNone(self.x("SBITSELECT", "k", -len(positions) - 1))
        self.assertIsNone(self.x("SBITSELECT", "k", I64_MIN))
        self.assertIsNone(self.x("SBITSELECT", "k", I64_MAX))
        self.assertIsNone(self.x("SBITSELECT", "missing", 0))
        self.assertEqual(self.x("SBITRANK", "missing", 5), 0)

    # ---- SBITSCAN ----

    def test_sbitset_scan_walks_every_position_once(self):
        rnd = random.Random(3)
        want = sorted({rnd.randrange(-(1 << 50), 1 << 50) for _ in range(700)} | {I64_MIN, I64_MAX, 0})
        for pos in want:
            self.x("SSETBIT", "k", pos, 1)
        got, calls = scan_all(self.r, "k")
        self.assertEqual(got, want)
        self.assertEqual(calls, -(-len(want) // 10))                  # COUNT 10 by default
        got, calls = scan_all(self.r, "k", 64)
        self.assertEqual(got, want)
        got, calls = scan_all(self.r, "k", I64_MAX)                   # huge COUNT: one call
        self.assertEqual((got, calls), (want, 1))
        self.assertEqual(self.x("SBITSCAN", "missing", 0), [b"0", []])
        self.assertEqual(self.x("SBITSCAN", "missing", 12345), [b"0", []])
        self.assertEqual(self.x("SBITSCAN", "k", "18446744073709551615", "COUNT", 5), [b"0", [I64_MAX]])

    def test_sbitset_scan_huge_count_is_capped_and_yields(self):
        self.load("ends", [0, 3_000_000])
        self.assertEqual(self.x("SBITOP", "NOT", "k", "ends"), 2_999_999)
        y0 = zvm_yields(self.r)
        cursor, batch = self.x("SBITSCAN", "k", 0, "COUNT", 5_000_000)
        self.assertEqual(len(batch), 1_000_000)                       # at most 1,000,000 a call
        self.assertEqual((batch[0], batch[-1]), (1, 1_000_000))
        self.assertGreater(zvm_yields(self.r), y0)                    # built in slices
        cursor, batch = self.x("SBITSCAN", "k", cursor, "COUNT", 5_000_000)
        self.assertEqual((len(batch), batch[0]), (1_000_000, 1_000_001))
        cursor, batch = self.x("SBITSCAN", "k", cursor, "COUNT", 5_000_000)
        self.assertEqual((cursor, len(batch), batch[-1]), (b"0", 999_999, 2_999_999))

    def test_sbitset_scan_cursor_survives_changes(self):
        for pos in range(-500, 500, 5):
            self.x("SSETBIT", "k", pos, 1)
        stable = set(range(-500, 500, 10))          # never touched during the scan
        seen, cursor = [], b"0"
        rnd = random.Random(9)
        while True:
            cursor, batch = self.x("SBITSCAN", "k", cursor, "COUNT", 7)
            seen += batch
            for _ in range(5):                       # change bits around, not the stable ones
                pos = rnd.randrange(-600, 600)
                if pos not in stable:
                    self.x("SSETBIT", "k", pos, rnd.randrange(2))
            if cursor == b"0":
                break
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(stable <= set(seen))

    def test_sbitset_scan_errors(self):
        r = self.r
        self.x("SSETBIT", "k", 1, 1)
        for bad in ("-1", "abc", "18446744073709551616", "", "1.5", " 1"):
            self.assertIn("invalid cursor", error_of(r, "SBITSCAN", "k", bad), bad)
        self.assertIn("syntax error", error_of(r, "SBITSCAN", "k", 0, "COUNT", 0))
        self.assertIn("syntax error", error_of(r, "SBITSCAN", "k", 0, "COUNT", -5))
        self.assertIn(ERR_INT, error_of(r, "SBITSCAN", "k", 0, "COUNT", "x"))
        self.assertIn("syntax error", error_of(r, "SBITSCAN", "k", 0, "COUNT"))
        self.assertIn("syntax error", error_of(r, "SBITSCAN", "k", 0, "MATCH", "*"))

    # ---- SBITOP ----

    def load(self, key, positions):
        pipe = self.r.pipeline(transaction=False)
        for i, pos in enumerate(positions, 1):
            pipe.execute_command("SSETBIT", key, pos, 1)
            if i % 5000 == 0:
                pipe.execute()
        pipe.execute()

    def members(self, key):
        return set(scan_all(self.r, key, 100000)[0])

    def test_sbitset_bitop_across_shards(self):
        a, b, c, d = self.a0, self.b1, self.c0, self.d1
        rnd = random.Random(11)
        sa = {rnd.randrange(-300000, 300000) for _ in range(3000)} | set(range(70000, 75000))
        sb = {rnd.randrange(-300000, 300000) for _ in range(3000)} | set(range(72000, 140000))
        sc = {rnd.randrange(-300000, 300000) for _ in range(500)}
        self.load(a, sa)
        self.load(b, sb)
        self.load(c, sc)
        cases = [("AND", sa & sb & sc), ("OR", sa | sb | sc), ("XOR", sa ^ sb ^ sc),
                 ("ANDNOT", sa - sb - sc)]
        for op, want in cases:
            self.assertEqual(self.x("SBITOP", op, d, a, b, c), len(want), op)
            self.assertEqual(self.members(d), want, op)
        # the order of the sources matters only for ANDNOT, whose first key may live anywhere
        self.assertEqual(self.x("SBITOP", "ANDNOT", d, b, c, a), len(sb - sc - sa))
        self.assertEqual(self.members(d), sb - sc - sa)
        # the destination may be a source
        self.assertEqual(self.x("SBITOP", "OR", c, c, a), len(sc | sa))
        self.assertEqual(self.members(c), sc | sa)

    def test_sbitset_bitop_missing_sources_and_empty_results(self):
        a, b, d = self.a0, self.b1, self.d1
        self.load(a, [1, 2, 3])
        self.load(b, [3, 4])
        self.x("SSETBIT", d, 99, 1)
        self.r.expire(d, 1000)
        self.assertEqual(self.x("SBITOP", "OR", d, a, "nosuch"), 3)
        self.assertEqual(self.r.ttl(d), -1)                           # a store drops the TTL
        self.assertEqual(self.x("SBITOP", "AND", d, a, "nosuch"), 0)   # empty: deleted
        self.assertEqual(self.r.exists(d), 0)
        self.load(d, [5])
        self.assertEqual(self.x("SBITOP", "ANDNOT", d, "nosuch", a), 0)
        self.assertEqual(self.r.exists(d), 0)
        self.assertEqual(self.x("SBITOP", "ANDNOT", d, a, "nosuch"), 3)
        self.assertEqual(self.x("SBITOP", "XOR", d, a, a), 0)
        self.assertEqual(self.r.exists(d), 0)
        self.assertEqual(self.x("SBITOP", "NOT", d, "nosuch"), 0)
        self.assertEqual(self.x("SBITOP", "OR", d, "n1", "n2"), 0)
        self.assertEqual(self.r.exists(d), 0)

    def test_sbitset_bitop_not_within_the_source_span(self):
        a, d = self.a0, self.d1
        self.load(a, [-10, -8, 0, 5])
        self.assertEqual(self.x("SBITOP", "NOT", d, a), 12)
        self.assertEqual(self.members(d), set(range(-10, 6)) - {-10, -8, 0, 5})
        self.load("single", [42])
        self.assertEqual(self.x("SBITOP", "NOT", d, "single"), 0)      # span of one set bit
        self.assertEqual(self.r.exists(d), 0)
        # the widest span allowed: 2^32 positions; wider is refused and changes nothing
        self.load("wide", [-(1 << 31), (1 << 31) - 1])
        self.assertEqual(self.x("SBITOP", "NOT", d, "wide"), (1 << 32) - 2)
        self.assertEqual(self.x("SBITCOUNT", d, 0, 99), 100)
        self.assertEqual(self.raw.execute_command("OBJECT", "ENCODING", d), b"runs")
        # the first clear bit past 65,535 full containers: found by counts, not by a walk
        self.assertEqual(self.x("SBITPOS", d, 0, -(1 << 31) + 1), (1 << 31) - 1)
        self.assertEqual(self.x("SBITPOS", d, 0, 5), (1 << 31) - 1)
        self.assertEqual(self.x("SBITPOS", d, 0, 5, (1 << 31) - 2), -1)
        self.assertEqual(self.x("SBITPOS", d, 0), I64_MIN)
        self.assertEqual(self.x("SBITPOS", d, 1, I64_MIN), -(1 << 31) + 1)
        self.assertLess(self.r.memory_usage(d), 4 << 20)
        self.load("wider", [-(1 << 31), 1 << 31])
        self.assertIn("SBITOP NOT source spans more than 4294967296 positions",
                      error_of(self.r, "SBITOP", "NOT", d, "wider"))
        self.load(a, [I64_MIN, I64_MAX])
        self.assertIn("spans more than", error_of(self.r, "SBITOP", "NOT", d, a))
        self.assertEqual(self.x("SBITCOUNT", d), (1 << 32) - 2)         # unchanged
        self.assertIn("NOT must be called with a single source key",
                      error_of(self.r, "SBITOP", "NOT", d, a, a))
        self.assertIn("syntax error", error_of(self.r, "SBITOP", "NAND", d, a))

    def test_sbitset_bitop_wrongtype_changes_nothing(self):
        a, b, d = self.a0, self.b1, self.d1
        self.load(a, [1])
        self.load(d, [7])
        self.r.set(b, "str")
        self.assertEqual(error_of(self.r, "SBITOP", "OR", d, a, b), WRONGTYPE)
        self.assertEqual(self.members(d), {7})
        self.assertEqual(error_of(self.r, "SBITOP", "AND", d, "nosuch", b), WRONGTYPE)
        self.assertEqual(self.members(d), {7})
        # a destination of another type is replaced, as BITOP replaces one
        self.assertEqual(self.x("SBITOP", "OR", b, a), 1)
        self.assertEqual(self.r.type(b), b"sbitset")

    def test_sbitset_big_bitop_yields_and_others_are_served(self):
        a, b, d = self.a0, self.b1, self.d1
        span = 1 << 28  # NOT fills 2^28 - 2 positions: thousands of containers, many slices
        self.load("span", [0, span - 1])
        y0 = zvm_yields(self.r)
        self.assertEqual(self.x("SBITOP", "NOT", a, "span"), span - 2)
        self.assertGreater(zvm_yields(self.r), y0)
        self.load(b, range(0, 1 << 20, 3))
        n_b = len(range(0, 1 << 20, 3))
        other = self.srv.client()
        other.set("small", "v")
        y0 = zvm_yields(self.r)
        big = self.srv.client()

        def job():
            return (big.execute_command("SBITOP", "XOR", d, a, b), big.execute_command("SBITOP", "AND", d, a, b))

        def probe():
            self.assertEqual(other.get("small"), b"v")

        results, served = served_meanwhile(job, probe)
        # |a ^ b| = |a| + |b| - 2 |a & b| (b's 0 is not in a); |a & b| = |b| - 1
        self.assertEqual(set(results), {(span - n_b, n_b - 1)})
        self.assertGreater(zvm_yields(self.r), y0)
        self.assertGreater(served, 0)

    # ---- the generic keyspace ----

    def test_sbitset_type_get_del_expire_rename_copy(self):
        r = self.r
        self.load("k", [-2, 9])
        self.assertEqual(r.type("k"), b"sbitset")
        self.assertEqual(r.get("k"), [-2, 9])                        # keel dialect: the positions
        self.assertEqual(r.expire("k", 100), True)
        self.assertGreater(r.ttl("k"), 0)
        self.assertEqual(r.rename("k", self.b1), True)
        self.assertEqual(self.x("SBITCOUNT", self.b1), 2)
        self.assertGreater(r.ttl(self.b1), 0)
        self.assertEqual(r.copy(self.b1, self.a0), True)
        self.x("SSETBIT", self.a0, 100, 1)
        self.assertEqual(self.x("SBITCOUNT", self.a0), 3)
        self.assertEqual(self.x("SBITCOUNT", self.b1), 2)            # a deep copy
        self.assertEqual(r.delete(self.a0, self.b1), 2)
        self.load("p", [1])
        r.pexpire("p", 30)
        wait_until("p to expire", lambda: r.exists("p") == 0)
        self.assertEqual(self.x("SGETBIT", "p", 1), 0)
        self.load("s1", [1])
        self.load("s2", [1])
        r.set("str", "v")
        got = set()
        for key in r.scan_iter(_type="sbitset"):
            got.add(key)
        self.assertEqual(got, {b"s1", b"s2"})

    def test_sbitset_get_replies_in_slices_up_to_int64_max(self):
        # GET yields every ~20,000 positions: slide the bitset so that a slice ends at each
        # position near the top (INT64_MAX - 1 then INT64_MAX is the edge of the cursor's range)
        pipe = self.r.pipeline(transaction=False)
        for pos in list(range(20300)) + [I64_MAX - 1, I64_MAX]:
            pipe.execute_command("SSETBIT", "k", pos, 1)
        pipe.execute()
        for low in range(0, 300, 5):
            want = list(range(low, 20300)) + [I64_MAX - 1, I64_MAX]
            self.assertEqual(self.r.get("k"), want)
            for pos in range(low, low + 5):
                self.x("SSETBIT", "k", pos, 0)

    def test_sbitset_get_in_the_redis_dialect_is_wrongtype(self):
        with KeelServer(threads=1, modules=MODULES) as srv:     # RESP networks default to redis
            rr = srv.client()
            rr.execute_command("SSETBIT", "k", 1, 1)
            self.assertEqual(error_of(rr, "GET", "k"), WRONGTYPE)
            self.assertEqual(rr.execute_command("SGETBIT", "k", 1), 1)

    def test_sbitset_encodings_and_memory(self):
        r = self.r
        self.x("SSETBIT", "one", 1000000000, 1)
        self.assertEqual(self.raw.execute_command("OBJECT", "ENCODING", "one"), b"array")
        self.assertLessEqual(r.memory_usage("one"), 4096)
        self.x("SSETBIT", "run", 0, 1)
        self.assertEqual(self.x("SBITOP", "OR", "run", "run"), 1)
        self.load("span", [0, 1 << 20])
        self.x("SBITOP", "NOT", "full", "span")
        self.assertEqual(self.raw.execute_command("OBJECT", "ENCODING", "full"), b"runs")
        rnd = random.Random(5)
        self.load("dense", rnd.sample(range(65536), 20000))
        self.assertEqual(self.raw.execute_command("OBJECT", "ENCODING", "dense"), b"bitmap")
        self.assertLess(r.memory_usage("dense"), 8192 + 1024)
        self.x("SSETBIT", "dense", 1 << 30, 1)
        self.assertEqual(self.raw.execute_command("OBJECT", "ENCODING", "dense"), b"mixed")

    def test_sbitset_namespaces_keep_keys_apart(self):
        inner, outer = self.srv.client(), self.r
        inner.execute_command("NS", "team")
        inner.execute_command("SSETBIT", "k", 5, 1)
        self.assertEqual(outer.execute_command("SGETBIT", "k", 5), 0)
        outer.execute_command("SSETBIT", "k", 6, 1)
        self.assertEqual(inner.execute_command("SBITCOUNT", "k"), 1)
        self.assertEqual(inner.execute_command("SGETBIT", "k", 5), 1)
        self.assertEqual(inner.type("k"), b"sbitset")
        inner.execute_command("SBITOP", "OR", "d", "k")
        self.assertEqual(inner.execute_command("SBITSELECT", "d", 0), 5)
        self.assertEqual(outer.exists("d"), 0)

    @unittest.skipUnless(have_module("pubsub"), "pubsub module not built")
    def test_sbitset_notifications(self):
        r = self.r
        r.config_set("notify-keyspace-events", "KEdg")
        try:
            ps = self.srv.client().pubsub()
            ps.psubscribe("__keyevent@0__:*")
            self.assertEqual(ps.get_message(timeout=10)["type"], "psubscribe")
            self.x("SSETBIT", "k", 1, 1)
            self.x("SBITOP", "OR", "d", "k")
            self.x("SSETBIT", "k", 1, 0)
            self.x("SBITOP", "AND", "d", "k")
            heard = []
            while len(heard) < 5:
                m = ps.get_message(timeout=10)
                self.assertIsNotNone(m, "heard only %s" % heard)
                heard.append((m["channel"].split(b":", 1)[1], m["data"]))
            self.assertEqual(heard, [(b"ssetbit", b"k"), (b"sbitop", b"d"), (b"ssetbit", b"k"),
                                     (b"del", b"k"), (b"del", b"d")])
            ps.close()
        finally:
            r.config_set("notify-keyspace-events", "")

    @unittest.skipUnless(have_module("dump"), "dump module not built")
    def test_sbitset_dump_restore_round_trip(self):
        r = self.r
        rnd = random.Random(8)
        want = {rnd.randrange(-(1 << 40), 1 << 40) for _ in range(300)} | set(range(1000, 40000))
        want |= set(rnd.sample(range(1 << 20, (1 << 20) + 65536), 30000)) | {I64_MIN, I64_MAX}
        self.load("src", want)
        payload = r.dump("src")
        self.assertEqual(payload[0], 0xd0)
        self.assertEqual(r.restore("dst", 0, payload), b"OK")
        self.assertEqual(r.type("dst"), b"sbitset")
        self.assertEqual(self.members("dst"), want)
        self.assertIn("BUSYKEY", error_of(r, "RESTORE", "dst", 0, payload))
        self.assertEqual(r.restore("dst", 5000, payload, replace=True), b"OK")
        self.assertGreater(r.pttl("dst"), 0)
        self.assertEqual(crc64(payload[:-8]), payload[-8:])
        broken = bytearray(payload)
        broken[len(broken) // 2] ^= 0x40
        self.assertIn("checksum are wrong", error_of(r, "RESTORE", "bad", 0, bytes(broken)))
        # damaged snapshot bytes under a right checksum: the type's load op refuses them
        self.load("small", [3, 5])
        small = r.dump("small")
        ver = small.index(b"sbitset") + len(b"sbitset") + 1     # after the 1-byte length
        enc = ver + 1
        while small[enc] & 0x80:                                  # the block key's varint
            enc += 1
        enc += 1
        self.assertEqual(small[enc:enc + 6], b"\x00\x02\x03\x00\x05\x00")   # array: 3, 5
        for at, byte in ((ver, 2), (enc, 7), (enc + 1, 0), (enc + 2, 6), (enc + 1, 0x81)):
            bad = bytearray(small[:-8])
            bad[at] = byte
            bad += crc64(bytes(bad))
            self.assertIn("Bad data format", error_of(r, "RESTORE", "bad", 0, bytes(bad)), (at, byte))
        self.assertEqual(r.exists("bad"), 0)
        self.assertEqual(self.x("PING"), True)

    # ---- a model ----

    def test_sbitset_random_commands_match_a_python_set(self):
        rnd = random.Random(2026)
        model = {"m1": set(), "m2": set()}
        keys = {"m1": self.a0, "m2": self.b1}
        spots = [I64_MIN, I64_MAX, -1, 0, 65535, 65536, -65536, -65537]

        def pick():
            c = rnd.random()
            if c < 0.1:
                return rnd.choice(spots)
            if c < 0.6:
                return rnd.randrange(-3000, 3000)
            return rnd.randrange(-(1 << 62), 1 << 62)

        for step in range(3000):
            name = rnd.choice(["m1", "m2"])
            key, s = keys[name], model[name]
            c = rnd.random()
            if c < 0.5:
                pos, bit = pick(), rnd.randrange(2)
                self.assertEqual(self.x("SSETBIT", key, pos, bit), int(pos in s))
                (s.add if bit else s.discard)(pos)
            elif c < 0.6:
                pos = pick()
                self.assertEqual(self.x("SGETBIT", key, pos), int(pos in s))
            elif c < 0.7:
                lo, hi = sorted((pick(), pick()))
                self.assertEqual(self.x("SBITCOUNT", key, lo, hi), sum(lo <= p <= hi for p in s))
            elif c < 0.78:
                pos = pick()
                self.assertEqual(self.x("SBITRANK", key, pos), sum(p < pos for p in s))
            elif c < 0.86:
                k = rnd.randrange(-len(s) - 2, len(s) + 2)
                ordered = sorted(s)
                want = ordered[k] if -len(s) <= k < len(s) else None
                self.assertEqual(self.x("SBITSELECT", key, k), want)
            elif c < 0.92:
                lo = pick()
                above = [p for p in s if p >= lo]
                self.assertEqual(self.x("SBITPOS", key, 1, lo), min(above) if above else -1)
                zero = lo
                while zero in s:
                    zero += 1
                zero = zero if zero <= I64_MAX else -1
                self.assertEqual(self.x("SBITPOS", key, 0, lo), zero)
            else:
                op = rnd.choice(["AND", "OR", "XOR", "ANDNOT"])
                a, b = model["m1"], model["m2"]
                want = {"AND": a & b, "OR": a | b, "XOR": a ^ b, "ANDNOT": a - b}[op]
                self.assertEqual(self.x("SBITOP", op, self.c0, keys["m1"], keys["m2"]), len(want))
                self.assertEqual(self.members(self.c0) if want else set(), want)
            if step % 500 == 0:
                self.assertEqual(self.x("SBITCOUNT", key), len(s))
                self.assertEqual(set(scan_all(self.r, key, 50)[0]) if s else set(), s)
        for name in model:
            self.assertEqual(self.members(keys[name]) if model[name] else set(), model[name])


@NEEDS_SBITSET
class SbitsetPersistence(unittest.TestCase):
    def fill(self, r):
        rnd = random.Random(4)
        sets = {
            "sparse": {rnd.randrange(-(1 << 62), 1 << 62) for _ in range(2000)} | {I64_MIN, I64_MAX},
            "dense": set(rnd.sample(range(65536 * 3), 100000)),
            "runs": set(range(-70000, 70000)) - {0, 5, 9},
            "tiny": {-1},
        }
        pipe = r.pipeline(transaction=False)
        for key, s in sets.items():
            for pos in s:
                pipe.execute_command("SSETBIT", key, pos, 1)
        pipe.execute()
        r.pexpire("tiny", 600000)
        return sets

    def check(self, r, sets):
        for key, s in sets.items():
            self.assertEqual(r.type(key), b"sbitset")
            self.assertEqual(r.execute_command("SBITCOUNT", key), len(s))
            self.assertEqual(set(scan_all(r, key, 100000)[0]), s)
        self.assertGreater(r.pttl("tiny"), 0)
        self.assertEqual(r.execute_command("SSETBIT", "tiny", 3, 1), 0)   # still writable

    def test_sbitset_survives_save_and_restart(self):
        srv = KeelServer(threads=2, modules=MODULES).start()
        try:
            r = srv.client()
            sets = self.fill(r)
            self.assertTrue(r.execute_command("SAVE"))
            srv.stop()
            srv.start()
            self.check(loaded_client(srv), sets)
        finally:
            if srv.proc:
                srv.stop()

    def test_sbitset_replays_from_the_append_only_log(self):
        srv = KeelServer("--appendonly", "yes", "--save", "", threads=2, modules=MODULES).start()
        try:
            r = srv.client()
            sets = self.fill(r)
            r.execute_command("SBITOP", "XOR", "x", "dense", "runs")
            want_x = set(scan_all(r, "x", 100000)[0])
            r.execute_command("SSETBIT", "gone", 1, 1)
            r.execute_command("SSETBIT", "gone", 1, 0)
            srv.stop()
            srv.start()
            r = loaded_client(srv)
            self.check(r, sets)
            self.assertEqual(set(scan_all(r, "x", 100000)[0]), want_x)
            self.assertEqual(r.exists("gone"), 0)
        finally:
            if srv.proc:
                srv.stop()


@NEEDS_SBITSET
class SbitsetReadOnlyNetwork(unittest.TestCase):
    def test_sbitset_writes_refused_on_a_read_only_network(self):
        nets = [{"name": "rw", "port": 0, "permissions": ["read", "write"]},
                {"name": "ro", "port": 0, "permissions": ["read"]}]
        srv = KeelConfigServer({"modules": ["resp", "strings", "sbitset"], "threads": 2,
                                "networks": nets}).start()
        try:
            rw, ro = srv.client("rw"), srv.client("ro")
            rw.execute_command("SSETBIT", "k", 1, 1)
            for c in [("SSETBIT", "k", 2, 1), ("SSETBIT", "k", 1, 0), ("SBITOP", "OR", "d", "k")]:
                with self.assertRaises(redis.ResponseError) as cm:
                    ro.execute_command(*c)
                self.assertIn("this network does not allow", str(cm.exception))
            for c in [("SGETBIT", "k", 1), ("SBITCOUNT", "k"), ("SBITPOS", "k", 1), ("SBITRANK", "k", 5),
                      ("SBITSELECT", "k", 0), ("SBITSCAN", "k", 0)]:
                ro.execute_command(*c)
            self.assertEqual(ro.execute_command("SBITCOUNT", "k"), 1)
            self.assertEqual(ro.exists("d"), 0)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
