"""test_bits_compat.py -- bitmaps on strings and LCS reply exactly as redis-server 7.0 does.

Runs the same command scripts against keel-server (two threads, so keys live on both shards)
and a real redis-server (when one is on PATH) and compares every reply byte for byte: values,
integers, nils and error texts, and the strings the commands leave behind (GET, GETRANGE).  A
seeded random sequence of SETBIT / BITFIELD / BITCOUNT / BITPOS / BITOP / GETRANGE / SETRANGE /
APPEND is compared step by step, and LCS on random strings.
"""
import random
import shutil
import unittest

from keel_harness import KeelServer, RedisServer, have_module, raw_client, reply_of
from test_notify_compat import collect

I64 = "9223372036854775807"
# Each script runs after FLUSHALL; every reply is compared.
SCRIPTS = {
    "setbit_getbit": [
        ["SETBIT", "k", "7", "1"], ["GET", "k"], ["SETBIT", "k", "7", "0"], ["GET", "k"],
        ["SETBIT", "k", "100", "1"], ["GET", "k"], ["STRLEN", "k"], ["GETBIT", "k", "100"],
        ["GETBIT", "k", "99"], ["GETBIT", "k", "1000000"], ["GETBIT", "nokey", "0"],
        ["SETBIT", "k", "-1", "1"], ["SETBIT", "k", "4294967296", "1"], ["SETBIT", "k", "abc", "1"],
        ["SETBIT", "k", "1", "2"], ["SETBIT", "k", "1", "-1"], ["SETBIT", "k", "1", "x"],
        ["SETBIT", "k", "1.5", "1"], ["SETBIT", "k", " 1", "1"], ["SETBIT", "k", "+1", "1"],
        ["SETBIT", "k", "01", "1"], ["SETBIT", "k", "1", "01"], ["SETBIT", "k", "1", ""],
        ["GETBIT", "k", "-1"], ["GETBIT", "k", "4294967296"], ["GETBIT", "k", "4294967295"],
        ["GETBIT", "k", "x"], ["SETBIT", "k"], ["GETBIT", "k"], ["SETBIT", "k", "1", "1", "1"],
        ["SET", "n", "42"], ["SETBIT", "n", "0", "1"], ["GET", "n"], ["SETBIT", "n", "2", "1"],
        ["GET", "n"], ["GETBIT", "n", "2"], ["SET", "m", "-7"], ["GETBIT", "m", "2"],
        ["SET", "s", "1"], ["SETBIT", "s", "6", "1"], ["GET", "s"], ["INCR", "s"],
        ["SETBIT", "s", "7", "1"], ["GET", "s"], ["INCR", "s"],
        ["RPUSH", "l", "a"], ["SETBIT", "l", "0", "1"], ["GETBIT", "l", "0"],
        ["SETBIT", "l", "-1", "1"], ["SETBIT", "l", "0", "5"], ["GETBIT", "l", "x"],
        ["SET", "e", ""], ["GETBIT", "e", "0"], ["SETBIT", "e", "9", "1"], ["GET", "e"],
    ],
    "setbit_expiry": [
        ["SET", "k", "abc", "EX", "1000"], ["SETBIT", "k", "0", "1"], ["TTL", "k"], ["GET", "k"],
        ["SETBIT", "k", "100", "1"], ["TTL", "k"], ["GET", "k"],
    ],
    "bitcount": [
        ["SET", "k", "foobar"], ["BITCOUNT", "k"], ["BITCOUNT", "k", "0", "0"],
        ["BITCOUNT", "k", "1", "1"], ["BITCOUNT", "k", "1", "1", "BYTE"], ["BITCOUNT", "k", "5", "30", "BIT"],
        ["BITCOUNT", "k", "5", "30", "bit"], ["BITCOUNT", "k", "0", "-1"], ["BITCOUNT", "k", "-2", "-1"],
        ["BITCOUNT", "k", "-1", "-2"], ["BITCOUNT", "k", "-1", "-2", "FOO"], ["BITCOUNT", "k", "2", "1"],
        ["BITCOUNT", "k", "-100", "100"], ["BITCOUNT", "k", "100", "200"], ["BITCOUNT", "k", "0", "47", "BIT"],
        ["BITCOUNT", "k", "0", "48", "BIT"], ["BITCOUNT", "k", "-1", "-1", "BIT"], ["BITCOUNT", "k", "-9", "-2", "BIT"],
        ["BITCOUNT", "k", "3", "3", "BIT"], ["BITCOUNT", "k", "1", "6", "BIT"], ["BITCOUNT", "k", "9", "9", "BIT"],
        ["BITCOUNT", "k", "0"], ["BITCOUNT", "k", "0", "1", "2"], ["BITCOUNT", "k", "0", "1", "BIT", "x"],
        ["BITCOUNT", "k", "a", "1"], ["BITCOUNT", "k", "0", "b"], ["BITCOUNT", "k", "0", "1", "bits"],
        ["BITCOUNT", "k", "-" + I64, I64], ["BITCOUNT", "k", I64, "-" + I64],
        ["BITCOUNT", "k", "-" + I64, I64, "BIT"], ["BITCOUNT", "nokey"], ["BITCOUNT", "nokey", "a", "b"],
        ["BITCOUNT", "nokey", "0"], ["SET", "n", "12345"], ["BITCOUNT", "n"], ["BITCOUNT", "n", "1", "2"],
        ["SET", "e", ""], ["BITCOUNT", "e"], ["BITCOUNT", "e", "0", "-1"], ["BITCOUNT", "e", "0", "-1", "BIT"],
        ["LPUSH", "l", "x"], ["BITCOUNT", "l"], ["BITCOUNT", "l", "0"], ["BITCOUNT"],
    ],
    "bitpos": [
        ["SET", "k", "\xff\xf0\x00"], ["BITPOS", "k", "0"], ["BITPOS", "k", "1"], ["BITPOS", "k", "0", "2"],
        ["BITPOS", "k", "1", "2"], ["BITPOS", "k", "1", "2", "-1"], ["BITPOS", "k", "0", "0", "0"],
        ["BITPOS", "k", "0", "0", "-1"], ["BITPOS", "k", "1", "7", "15", "BIT"], ["BITPOS", "k", "0", "7", "15", "BIT"],
        ["BITPOS", "k", "0", "7", "11", "BIT"], ["BITPOS", "k", "1", "12", "-1", "BIT"], ["BITPOS", "k", "0", "3", "BIT"],
        ["SET", "f", "\xff\xff\xff"], ["BITPOS", "f", "0"], ["BITPOS", "f", "0", "0"], ["BITPOS", "f", "0", "0", "-1"],
        ["BITPOS", "f", "0", "1", "BIT"], ["BITPOS", "f", "0", "1", "-1", "BIT"], ["BITPOS", "f", "0", "5", "9", "BIT"],
        ["BITPOS", "f", "1", "5", "9", "BIT"], ["BITPOS", "f", "0", "-3", "-1", "BYTE"], ["BITPOS", "f", "0", "-1"],
        ["SET", "z", "\x00\x00\x00"], ["BITPOS", "z", "1"], ["BITPOS", "z", "0"], ["BITPOS", "z", "1", "1"],
        ["BITPOS", "z", "1", "0", "-1", "BIT"], ["BITPOS", "z", "0", "20", "BIT"], ["BITPOS", "z", "0", "30", "BIT"],
        ["BITPOS", "nokey", "0"], ["BITPOS", "nokey", "1"], ["BITPOS", "nokey", "1", "x"], ["BITPOS", "nokey", "2"],
        ["BITPOS", "k", "2"], ["BITPOS", "k", "-1"], ["BITPOS", "k", "x"], ["BITPOS", "k", "1", "x"],
        ["BITPOS", "k", "1", "0", "x"], ["BITPOS", "k", "1", "0", "1", "x"], ["BITPOS", "k", "1", "x", "1", "x"],
        ["BITPOS", "k", "1", "0", "x", "x"], ["BITPOS", "k", "1", "0", "1", "BIT", "x"], ["BITPOS", "k", "1", "2", "1"],
        ["BITPOS", "k", "1", "-1", "-2"], ["BITPOS", "k", "0", "100"], ["BITPOS", "k", "1", "-100", "100"],
        ["SET", "e", ""], ["BITPOS", "e", "0"], ["BITPOS", "e", "1"], ["BITPOS", "e", "0", "0"],
        ["SET", "n", "7"], ["BITPOS", "n", "1"], ["BITPOS", "n", "0"], ["LPUSH", "l", "x"], ["BITPOS", "l", "1"],
        ["BITPOS", "l", "5"], ["BITPOS", "k"],
    ],
    "bitop": [
        ["SET", "a", "foobar"], ["SET", "b", "abcdef"], ["SET", "c", "\xff"], ["BITOP", "AND", "d", "a", "b"],
        ["GET", "d"], ["BITOP", "OR", "d", "a", "b", "c"], ["GET", "d"], ["BITOP", "XOR", "d", "a", "b", "c"],
        ["GET", "d"], ["BITOP", "NOT", "d", "a"], ["GET", "d"], ["BITOP", "and", "d", "a", "c"], ["GET", "d"],
        ["BITOP", "AND", "d", "a", "nokey"], ["GET", "d"], ["BITOP", "OR", "d", "nokey", "c"], ["GET", "d"],
        ["BITOP", "AND", "d", "nokey", "nokey2"], ["EXISTS", "d"], ["BITOP", "OR", "d", "nokey"],
        ["BITOP", "NOT", "d", "a", "b"], ["BITOP", "NOT", "d"], ["BITOP", "NAND", "d", "a"], ["BITOP", "AND", "d"],
        ["BITOP", "XOR", "a", "a", "b"], ["GET", "a"], ["BITOP", "XOR", "b", "b", "b"], ["GET", "b"],
        ["LPUSH", "l", "x"], ["BITOP", "AND", "d", "a", "l"], ["BITOP", "AND", "l", "a"], ["TYPE", "l"], ["GET", "l"],
        ["SET", "n", "123"], ["BITOP", "OR", "d", "n", "c"], ["GET", "d"], ["SET", "e", ""],
        ["BITOP", "OR", "d", "e"], ["EXISTS", "d"], ["SET", "t", "x", "EX", "100"], ["BITOP", "OR", "t", "c"],
        ["TTL", "t"], ["BITOP", "NOT", "d", "nokey"], ["EXISTS", "d"],
    ],
    "bitfield": [
        ["BITFIELD", "k", "SET", "i8", "0", "100"], ["BITFIELD", "k", "GET", "i8", "0"],
        ["BITFIELD", "k", "INCRBY", "i8", "0", "100"], ["BITFIELD", "k", "GET", "u8", "0", "GET", "i4", "4"],
        ["BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "200", "INCRBY", "i8", "0", "-300"],
        ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1", "INCRBY", "i8", "0", "300"],
        ["BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", "u2", "100", "1", "INCRBY", "u2", "100", "3"],
        ["BITFIELD", "k", "SET", "u8", "#1", "255", "GET", "u8", "#1", "GET", "u16", "#0"], ["GET", "k"],
        ["BITFIELD", "k", "SET", "i64", "0", "-1", "GET", "i64", "0", "GET", "u63", "1"],
        ["BITFIELD", "k", "INCRBY", "i64", "0", I64], ["BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", I64],
        ["BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-" + I64, "INCRBY", "i64", "0", "-" + I64],
        ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-" + I64],
        ["BITFIELD", "k", "SET", "u63", "0", "-1"], ["BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u63", "0", "-1"],
        ["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "256", "SET", "u8", "0", "255"],
        ["BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i4", "0", "100", "SET", "i4", "0", "-100", "GET", "i4", "0"],
        ["BITFIELD", "k", "OVERFLOW", "WRAP", "SET", "i4", "0", "100", "INCRBY", "u1", "3", "1"],
        ["BITFIELD", "k", "GET", "u64", "0"], ["BITFIELD", "k", "GET", "i65", "0"], ["BITFIELD", "k", "GET", "i0", "0"],
        ["BITFIELD", "k", "GET", "x8", "0"], ["BITFIELD", "k", "GET", "I8", "0"], ["BITFIELD", "k", "GET", "i", "0"],
        ["BITFIELD", "k", "GET", "i08", "0"], ["BITFIELD", "k", "GET", "i8", "-1"], ["BITFIELD", "k", "GET", "i8", "#-1"],
        ["BITFIELD", "k", "GET", "i8", "4294967296"], ["BITFIELD", "k", "GET", "i8", "4294967295"],
        ["BITFIELD", "k", "GET", "i8", "#536870912"], ["BITFIELD", "k", "GET", "i8", "#536870911"],
        ["BITFIELD", "k", "GET", "i64", "#" + I64], ["BITFIELD", "k", "GET", "i8", "##1"], ["BITFIELD", "k", "GET", "i8", "#"],
        ["BITFIELD", "k", "GET", "i8"], ["BITFIELD", "k", "SET", "i8", "0"], ["BITFIELD", "k", "INCRBY", "i8", "0"],
        ["BITFIELD", "k", "SET", "i8", "0", "x"], ["BITFIELD", "k", "INCRBY", "i8", "0", "1.5"],
        ["BITFIELD", "k", "OVERFLOW"], ["BITFIELD", "k", "OVERFLOW", "FOO", "GET", "i8", "0"],
        ["BITFIELD", "k", "OVERFLOW", "SAT"], ["BITFIELD", "k", "FOO"], ["BITFIELD", "k", "get", "i8", "0", "extra"],
        ["BITFIELD", "k"], ["BITFIELD", "nokey", "GET", "u8", "0"], ["EXISTS", "nokey"],
        ["BITFIELD", "new", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10"], ["EXISTS", "new"], ["GET", "new"],
        ["BITFIELD", "new2", "SET", "u8", "100", "1"], ["STRLEN", "new2"], ["GET", "new2"],
        ["SET", "n", "99"], ["BITFIELD", "n", "GET", "u8", "0", "INCRBY", "u8", "8", "1"], ["GET", "n"], ["INCR", "n"],
        ["LPUSH", "l", "x"], ["BITFIELD", "l", "GET", "u8", "0"], ["BITFIELD", "l", "SET", "u8", "0", "1"],
        ["BITFIELD", "l"], ["BITFIELD", "k", "GET", "u8", "0", "SET", "i8", "x", "1"],
        ["BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i16", "#1"], ["BITFIELD_RO", "k", "SET", "u8", "0", "1"],
        ["BITFIELD_RO", "l", "SET", "u8", "0", "1"], ["BITFIELD_RO", "k", "INCRBY", "u8", "0", "1"],
        ["BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0"], ["BITFIELD_RO", "nokey", "GET", "u8", "0"],
        ["BITFIELD_RO", "l", "GET", "u8", "0"], ["BITFIELD_RO", "k"], ["BITFIELD_RO", "k", "GET", "u8"],
        ["BITFIELD"], ["BITFIELD_RO"],
    ],
    "lcs": [
        ["SET", "a", "ohmytext"], ["SET", "b", "mynewtext"], ["LCS", "a", "b"], ["LCS", "a", "b", "LEN"],
        ["LCS", "a", "b", "IDX"], ["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"], ["LCS", "a", "b", "IDX", "WITHMATCHLEN"],
        ["LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"], ["LCS", "a", "b", "idx", "minmatchlen", "-5"],
        ["LCS", "a", "b", "LEN", "IDX"], ["LCS", "a", "b", "IDX", "LEN"], ["LCS", "a", "b", "MINMATCHLEN"],
        ["LCS", "a", "b", "MINMATCHLEN", "x"], ["LCS", "a", "b", "FOO"], ["LCS", "a", "b", "LEN", "WITHMATCHLEN"],
        ["LCS", "a", "nokey"], ["LCS", "nokey", "b", "IDX"], ["LCS", "nokey", "nokey2", "LEN"], ["LCS", "a", "a"],
        ["LCS", "a", "a", "IDX", "WITHMATCHLEN"], ["SET", "n", "12345"], ["SET", "m", "2468"], ["LCS", "n", "m"],
        ["LPUSH", "l", "x"], ["LCS", "a", "l"], ["LCS", "l", "a", "FOO"], ["LCS", "a", "l", "LEN"], ["LCS", "a"],
        ["SET", "e", ""], ["LCS", "e", "a"], ["LCS", "e", "a", "IDX"], ["LCS", "a", "b", "MINMATCHLEN", "2", "LEN"],
        ["SET", "x", "aaaabbbbccccdddd"], ["SET", "y", "ddddccccbbbbaaaa"], ["LCS", "x", "y", "IDX", "WITHMATCHLEN"],
        ["SET", "x", "abcabcabc"], ["SET", "y", "cbacbacba"], ["LCS", "x", "y"], ["LCS", "x", "y", "IDX"],
        ["SET", "big1", "a" * 8191], ["SET", "big2", "b" * 16383], ["LCS", "big1", "big2", "LEN"],
        ["SET", "big2", "b" * 16384], ["LCS", "big1", "big2", "LEN"], ["LCS", "big1", "big2"],
    ],
}


def bits_of(s):
    return s.encode("latin-1") if isinstance(s, str) else s


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class BitsLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings", "lists"]).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.keel.stop()

    def both(self, cmd):
        cmd = [bits_of(a) for a in cmd]
        want = reply_of(self.r, cmd)
        got = reply_of(self.k, cmd)
        self.assertEqual(got, want, "%r" % (cmd,))
        return got

    def run_script(self, name):
        self.k.flushall()
        self.r.flushall()
        for cmd in SCRIPTS[name]:
            self.both(cmd)

    def test_bits_compat_setbit_getbit(self):
        self.run_script("setbit_getbit")

    def test_bits_compat_setbit_keeps_expiry(self):
        self.run_script("setbit_expiry")

    def test_bits_compat_bitcount(self):
        self.run_script("bitcount")

    def test_bits_compat_bitpos(self):
        self.run_script("bitpos")

    def test_bits_compat_bitop(self):
        self.run_script("bitop")

    def test_bits_compat_bitfield(self):
        self.run_script("bitfield")

    def test_bits_compat_lcs(self):
        self.run_script("lcs")

    def test_bits_compat_every_range_of_a_short_string(self):
        """BITCOUNT and BITPOS over every small range, in bytes and bits, on a few patterns."""
        self.k.flushall()
        self.r.flushall()
        for value in ["\x00\xff\x0f", "\xf0\x01\x80\x7f", "\xff", "\x00", "ab"]:
            self.both(["SET", "k", value])
            n = len(value)
            for unit in (None, "BYTE", "BIT"):
                top = n * 8 if unit == "BIT" else n
                for start in range(-top - 2, top + 2):
                    for end in range(-top - 2, top + 2):
                        extra = [unit] if unit else []
                        self.both(["BITCOUNT", "k", str(start), str(end)] + extra)
                        for bit in ("0", "1"):
                            self.both(["BITPOS", "k", bit, str(start), str(end)] + extra)
                    for bit in ("0", "1"):
                        if unit is None:
                            self.both(["BITPOS", "k", bit, str(start)])

    def test_bits_compat_random_sequence(self):
        """A seeded random mix of bit commands on a few keys: every reply, and every string
        left behind, is Redis's to the byte."""
        rng = random.Random(2026)
        self.k.flushall()
        self.r.flushall()
        keys = ["b0", "b1", "b2", "b3"]

        def offset(limit=300):
            return str(rng.randrange(limit))

        def field_type():
            if rng.randrange(2):
                return "i%d" % rng.randrange(1, 65)
            return "u%d" % rng.randrange(1, 64)

        def number(bits_hint=64):
            return str(rng.choice([rng.randrange(-300, 300), rng.randrange(-2**63, 2**63),
                                   2**63 - 1, -2**63, rng.randrange(2**bits_hint) if bits_hint < 64 else 0]))

        def ranges():
            out = []
            if rng.randrange(4):
                out = [str(rng.randrange(-60, 60)), str(rng.randrange(-60, 60))]
                if rng.randrange(2):
                    out.append(rng.choice(["BIT", "BYTE"]))
            return out

        for step in range(1500):
            key = rng.choice(keys)
            kind = rng.randrange(11)
            if kind == 0:
                cmd = ["SETBIT", key, offset(), str(rng.randrange(2))]
            elif kind == 1:
                cmd = ["GETBIT", key, offset()]
            elif kind == 2:
                cmd = ["BITCOUNT", key] + ranges()
            elif kind == 3:
                r = ranges()
                if len(r) == 2 and rng.randrange(2):
                    r = r[:1]
                cmd = ["BITPOS", key, str(rng.randrange(2))] + r
            elif kind == 4:
                op = rng.choice(["AND", "OR", "XOR", "NOT"])
                srcs = [rng.choice(keys + ["missing"])] if op == "NOT" else \
                    [rng.choice(keys + ["missing"]) for _ in range(rng.randrange(1, 4))]
                cmd = ["BITOP", op, rng.choice(keys)] + srcs
            elif kind in (5, 6):
                cmd = ["BITFIELD", key]
                for _ in range(rng.randrange(1, 5)):
                    sub = rng.randrange(4)
                    t = field_type()
                    off = ("#" + str(rng.randrange(20))) if rng.randrange(4) == 0 else offset(200)
                    if sub == 0:
                        cmd += ["GET", t, off]
                    elif sub == 1:
                        cmd += ["SET", t, off, number(int(t[1:]))]
                    elif sub == 2:
                        cmd += ["INCRBY", t, off, number(int(t[1:]))]
                    else:
                        cmd += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
            elif kind == 7:
                cmd = ["GETRANGE", key, str(rng.randrange(-40, 40)), str(rng.randrange(-40, 40))]
            elif kind == 8:
                cmd = ["SETRANGE", key, offset(40), "".join(chr(rng.randrange(256)) for _ in range(rng.randrange(1, 5)))]
            elif kind == 9:
                cmd = ["BITFIELD_RO", key, "GET", field_type(), offset(200)]
            else:
                cmd = ["GET", key]
            self.both(cmd)
        for key in keys:
            self.both(["GET", key])

    def test_bits_compat_lcs_random(self):
        """LCS of random strings over small alphabets: the string, LEN and every IDX form."""
        rng = random.Random(15)
        self.k.flushall()
        self.r.flushall()
        for step in range(120):
            alphabet = "ab" if step % 3 == 0 else "abcdefgh"
            a = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
            b = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
            self.both(["SET", "x", a])
            self.both(["SET", "y", b])
            self.both(["LCS", "x", "y"])
            self.both(["LCS", "y", "x", "LEN"])
            self.both(["LCS", "x", "y", "IDX"])
            self.both(["LCS", "x", "y", "IDX", "MINMATCHLEN", str(rng.randrange(4)), "WITHMATCHLEN"])


# Keyspace events of the bit commands, compared in order (notify-keyspace-events "AKEnm"),
# "keymiss" for the sources BITOP and a GET-only BITFIELD read included.
EVENTS = [
    ["SETBIT", "k", "0", "1"], ["SETBIT", "k", "0", "1"], ["SETBIT", "k", "0", "0"], ["SETBIT", "k", "30", "0"],
    ["SETBIT", "k", "-1", "1"], ["GETBIT", "k", "0"], ["GETBIT", "nokey", "0"], ["BITCOUNT", "nokey"],
    ["BITPOS", "nokey", "1"], ["BITFIELD", "k", "SET", "u8", "0", "0"], ["BITFIELD", "k", "SET", "u8", "0", "9"],
    ["BITFIELD", "k", "INCRBY", "u8", "0", "0"], ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"],
    ["BITFIELD", "n1", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"], ["BITFIELD", "n2", "SET", "u2", "0", "0"],
    ["BITFIELD", "n3", "GET", "u2", "0"], ["BITFIELD_RO", "n4", "GET", "u2", "0"],
    ["BITFIELD", "k", "SET", "u8", "100", "0"], ["BITOP", "OR", "d", "k"], ["BITOP", "AND", "d", "k", "nokey"],
    ["BITOP", "OR", "d", "nokey"], ["BITOP", "OR", "d", "nokey"], ["BITOP", "NOT", "d2", "k"],
    ["BITOP", "XOR", "d3", "nokey", "nokey"], ["BITOP", "NOT", "d3", "nokey"],
    ["SET", "s", "ab"], ["LCS", "s", "k"], ["LCS", "s", "nokey", "LEN"],
]


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class BitsEventsLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.keel = KeelServer(threads=2, modules=["resp", "strings", "pubsub"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def test_bits_compat_keyspace_events(self):
        want = collect(self.redis.port, EVENTS)
        got = collect(self.keel.port, EVENTS)
        self.assertEqual(len(got), len(want))
        for w, g in zip(want, got):
            self.assertEqual(g, w)


if __name__ == "__main__":
    unittest.main()
