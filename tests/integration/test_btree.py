"""test_btree.py -- btree.so through python3-redis on a real keel-server with 2 threads: every
command and its errors, typed sort keys, filters, aggregations, group-by and top-N checked
against a Python model on random data, the type as every key (TYPE, SCAN TYPE, GET, DEL, EXPIRE,
RENAME, COPY, namespaces, INFO keyspace, notifications, MULTI/EXEC, scripts, read-only networks),
a big aggregation that yields while another client is served (progress counted, never timed),
and a SAVE + restart round trip.
"""
import functools
import math
import os
import random
import re
import socket
import threading
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, RespReader, have_module, resp_command, served_meanwhile

INT_RE = re.compile(rb"^(0|-?[1-9][0-9]*)$")


def typed(text):
    """What the server makes of an argument: an int, a float, or bytes (bt_parse_box)."""
    b = text if isinstance(text, bytes) else str(text).encode()
    if INT_RE.match(b) and -2**63 <= int(b) < 2**63:
        return int(b)
    if b and len(b) <= 64 and all(c in b"0123456789+-.eE" for c in b):
        try:
            f = float(b)
            if math.isfinite(f):
                return f
        except ValueError:
            pass
    return b


def order(v):
    """The box order: numbers by value before bytes."""
    return (0, v) if isinstance(v, (int, float)) else (1, v)


def text(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v)).encode()
    return repr(v).encode()


def cmp_ok(a, op, b):
    oa, ob = order(a), order(b)
    return {"=": oa == ob, "!=": oa != ob, "<": oa < ob, "<=": oa <= ob, ">": oa > ob,
            ">=": oa >= ob}[op]


def pipeline(port, commands):
    """Sends commands pipelined on one socket; returns how many replies came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        s.sendall(b"".join(resp_command(*c) for c in commands))
        got, buf = 0, b""
        while got < len(commands):
            buf += s.recv(1 << 16)
            got = buf.count(b"\r\n")
        return got


def resp3(port, *cmd):
    """The raw RESP3 reply (bytes) of one command after HELLO 3 on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        rd = RespReader(s)
        s.sendall(resp_command("HELLO", "3"))
        rd.reply()
        s.sendall(resp_command(*cmd))
        return rd.reply()


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


class Model:
    """Rows as {key: value | {field: value}} with the server's typing."""

    def __init__(self):
        self.rows = {}

    def sorted_keys(self, lo=None, hi=None, lo_excl=False, hi_excl=False):
        keys = sorted(self.rows, key=order)
        out = []
        for k in keys:
            if lo is not None and (order(k) < order(lo) or (lo_excl and order(k) == order(lo))):
                continue
            if hi is not None and (order(k) > order(hi) or (hi_excl and order(k) == order(hi))):
                continue
            out.append(k)
        return out

    def operand(self, k, what):
        row = self.rows[k]
        if what == "KEY":
            return True, k
        if what == "VALUE":
            return (False, None) if isinstance(row, dict) else (True, row)
        name = what[1:].encode()
        if isinstance(row, dict) and name in row:
            return True, row[name]
        return False, None


NEEDS_BTREE = unittest.skipUnless(have_module("btree"), "btree module not built")


@NEEDS_BTREE
class Btree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mods = ["resp", "strings", "maps", "btree"] + [m for m in ("scripting", "pubsub") if have_module(m)]
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=mods).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def x(self, *args):
        return self.r.execute_command(*args)

    def err(self, fragment, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        self.assertIn(fragment, str(cm.exception))
        return str(cm.exception)

    # ---- commands ----

    def test_btree_set_get_card_rank_del(self):
        self.assertEqual(self.x("BTSET", "t", 10, "a", 9, "b", "x", "c", 2.5, "d"), 4)
        self.assertEqual(self.x("BTSET", "t", 10, "A", "y", "1.50"), 1)   # 10 updated, y added
        self.assertEqual(self.x("BTGET", "t", 10), b"A")
        self.assertEqual(self.x("BTGET", "t", "10.0"), b"A")             # the same number
        self.assertEqual(self.x("BTGET", "t", "y"), b"1.5")              # typed: a number
        self.assertIsNone(self.x("BTGET", "t", "nope"))
        self.assertIsNone(self.x("BTGET", "missing", 1))
        self.assertEqual(self.x("BTCARD", "t"), 5)
        self.assertEqual(self.x("BTCARD", "missing"), 0)
        # numbers by value (9 before 10), then bytes
        self.assertEqual(self.x("BTRANGE", "t", "-inf", "+inf")[::2], [b"2.5", b"9", b"10", b"x", b"y"])
        self.assertEqual(self.x("BTRANK", "t", 10), 2)
        self.assertEqual(self.x("BTRANK", "t", 10, "REV"), 2)
        self.assertEqual(self.x("BTRANK", "t", "x", "REV"), 1)
        self.assertIsNone(self.x("BTRANK", "t", 11))
        self.assertIsNone(self.x("BTRANK", "missing", 11))
        self.assertEqual(self.x("BTDEL", "t", 9, 10, 11), 2)
        self.assertEqual(self.x("BTDEL", "missing", 1), 0)
        self.assertEqual(self.x("BTDEL", "t", 2.5, "x", "y"), 3)
        self.assertEqual(self.r.exists("t"), 0)                         # emptied: deleted

    def test_btree_fields_upsert_and_merge(self):
        self.assertEqual(self.x("BTSETF", "t", 1, "user", "ann", "amount", 10), 1)
        self.assertEqual(self.x("BTSETF", "t", 1, "amount", 12, "note", "late"), 0)
        self.assertEqual(self.x("BTGET", "t", 1), [b"user", b"ann", b"amount", b"12", b"note", b"late"])
        self.x("BTSET", "t", 1, "plain")                                 # a plain value replaces
        self.assertEqual(self.x("BTGET", "t", 1), b"plain")
        self.assertEqual(self.x("BTSETF", "t", 1, "a", 1), 0)            # fields replace plain
        self.assertEqual(self.x("BTGET", "t", 1), [b"a", b"1"])
        self.assertEqual(self.x("BTSETF", "t", 2, "a", 1, "a", 2), 1)     # the last one wins
        self.assertEqual(self.x("BTGET", "t", 2), [b"a", b"2"])
        self.assertEqual(resp3(self.srv.port, "BTGET", "t", 2), b"%1\r\n$1\r\na\r\n$1\r\n2\r\n")

    def test_btree_field_limits(self):
        self.err("field names are 1 to 256 bytes", "BTSETF", "t", 1, "", "v")
        self.err("field names are 1 to 256 bytes", "BTSETF", "t", 1, "n" * 257, "v")
        self.assertEqual(self.r.exists("t"), 0)        # a refused first write leaves no key
        args = []
        for i in range(256):
            args += ["f%d" % i, i]
        self.assertEqual(self.x("BTSETF", "t", 1, *args), 1)
        self.err("at most 256 fields", "BTSETF", "t", 1, "one_more", 1)
        self.err("at most 256 fields", "BTSETF", "t", 2, *(args + ["f256", 1]))
        self.assertEqual(len(self.x("BTGET", "t", 1)), 512)
        self.assertEqual(self.x("BTCARD", "t"), 1)

    def test_btree_range_bounds_rev_limit(self):
        self.x("BTSET", "t", *sum(([i, "v%d" % i] for i in range(10)), []))
        self.x("BTSET", "t", "a", "A", "b", "B")
        keys = lambda *a: self.x("BTRANGE", "t", *a)[::2]
        self.assertEqual(keys(3, 5), [b"3", b"4", b"5"])
        self.assertEqual(keys("(3", "(5"), [b"4"])
        self.assertEqual(keys("[3", "[3"), [b"3"])
        self.assertEqual(keys("(3", "3"), [])
        self.assertEqual(keys(5, 3), [])
        self.assertEqual(keys(8, "+inf"), [b"8", b"9", b"a", b"b"])
        self.assertEqual(keys("-inf", "("), [b"%d" % i for i in range(10)])   # every number
        self.assertEqual(keys("", "+inf"), [b"a", b"b"])                      # every string
        self.assertEqual(keys("-inf", "+inf", "REV", "LIMIT", 0, 3), [b"b", b"a", b"9"])
        self.assertEqual(keys(2, 7, "REV", "LIMIT", 1, 2), [b"6", b"5"])
        self.assertEqual(keys(2, 7, "LIMIT", 1, 2), [b"3", b"4"])
        self.assertEqual(keys(2, 7, "LIMIT", 4, -1), [b"6", b"7"])
        self.assertEqual(keys(2, 7, "LIMIT", 0, 2**63 - 1), [b"%d" % i for i in range(2, 8)])
        self.assertEqual(keys(2, 7, "LIMIT", 2**63 - 1, 5), [])
        self.assertEqual(keys(2, 7, "LIMIT", 0, 0), [])
        self.assertEqual(self.x("BTRANGE", "t", 1, 1), [b"1", b"v1"])
        self.assertEqual(self.x("BTRANGE", "missing", "-inf", "+inf"), [])
        self.assertEqual(self.x("BTCOUNT", "t", "-inf", "+inf"), 12)
        self.assertEqual(self.x("BTCOUNT", "t", "(0", "(9"), 8)
        self.assertEqual(self.x("BTCOUNT", "t", "b", "a"), 0)
        self.assertEqual(self.x("BTCOUNT", "missing", "-inf", "+inf"), 0)
        self.err("offset must not be negative", "BTRANGE", "t", 0, 1, "LIMIT", -1, 2)
        self.err("not an integer", "BTRANGE", "t", 0, 1, "LIMIT", "x", 2)
        self.err("syntax error", "BTRANGE", "t", 0, 1, "LIMIT", 1)
        self.err("syntax error", "BTRANGE", "t", 0, 1, "BOGUS")
        self.err("syntax error", "BTCOUNT", "t", 0, 1, "REV")
        self.err("syntax error", "BTRANK", "t", 1, "NOTREV")

    def test_btree_filters(self):
        self.x("BTSETF", "t", 1, "kind", "buy", "amount", 5)
        self.x("BTSETF", "t", 2, "kind", "sell", "amount", 15)
        self.x("BTSETF", "t", 3, "kind", "buy", "amount", 25, "odd field", "yes")
        self.x("BTSET", "t", 4, 40, 5, "text")
        keys = lambda f, *more: self.x("BTRANGE", "t", "-inf", "+inf", "FILTER", f, *more)[::2]
        self.assertEqual(keys("@kind = 'buy'"), [b"1", b"3"])
        self.assertEqual(keys("@kind = \"buy\" AND @amount >= 10"), [b"3"])
        self.assertEqual(keys("@amount < 10 or value > 30"), [b"1", b"4", b"5"])   # "text" > numbers
        self.assertEqual(keys("NOT (@kind = 'buy') AND key != 5"), [b"2", b"4"])
        self.assertEqual(keys("(@amount > 1 OR VALUE = 40) AND (KEY <= 2 OR KEY = 4)"), [b"1", b"2", b"4"])
        self.assertEqual(keys("@'odd field' = 'yes'"), [b"3"])
        self.assertEqual(keys("@missing != 1"), [])            # no operand: false
        self.assertEqual(keys("@amount != 'x'"), [b"1", b"2", b"3"])
        self.assertEqual(keys("KEY >= 2", "LIMIT", 1, 2), [b"3", b"4"])
        self.assertEqual(keys("KEY >= 2", "REV", "LIMIT", 1, 10), [b"4", b"3", b"2"])
        self.assertEqual(keys("VALUE = 'te\\'xt'"), [])
        self.assertEqual(self.x("BTCOUNT", "t", 2, 5, "FILTER", "@amount > 10"), 2)
        self.assertEqual(self.x("BTRANGE", "missing", "-inf", "+inf", "FILTER", "KEY > 1"), [])
        bad = {
            "@amount >": "expected a number or quoted text",
            "@amount > bare": "expected a number or quoted text",
            "@amount > nan": "expected a number or quoted text",
            "amount > 1": "expected VALUE, KEY or @field",
            "@amount ~ 1": "expected one of",
            "@a = 1 AND": "expected VALUE, KEY or @field",
            "(@a = 1": "expected )",
            "@a = 1)": "unexpected text",
            "@a = 'open": "unterminated quoted text",
            "": "expected VALUE, KEY or @field",
            "(" * 40 + "@a = 1" + ")" * 40: "nested too deep",
            "NOT " * 40 + "@a = 1": "nested too deep",
            " OR ".join(["@a = 1"] * 65): "too many comparisons",
        }
        for f, why in bad.items():
            msg = self.err("filter", "BTRANGE", "t", "-inf", "+inf", "FILTER", f)
            self.assertIn(why, msg, f)
            self.assertIn("filter syntax error at offset", msg)
        self.err("filter longer than 4096 bytes", "BTCOUNT", "t", "-inf", "+inf", "FILTER", "@a = 1" + " " * 5000)
        self.err("syntax error", "BTRANGE", "t", "-inf", "+inf", "FILTER", "KEY > 1", "FILTER", "KEY > 2")
        self.assertEqual(len(keys(" OR ".join(["@amount = %d" % i for i in range(64)]))), 3)
        self.assertEqual(self.r.ping(), True)

    def test_btree_aggregates_and_mixed_types(self):
        self.x("BTSETF", "t", 1, "amount", 5, "kind", "buy")
        self.x("BTSETF", "t", 2, "amount", 2.5, "kind", "sell")
        self.x("BTSETF", "t", 3, "amount", "n/a", "kind", "buy")
        self.x("BTSETF", "t", 4, "kind", "hold")
        self.x("BTSET", "t", 5, 100)
        got = self.x("BTAGG", "t", "-inf", "+inf", "COUNT", "SUM", "@amount", "AVG", "@amount",
                     "MIN", "@amount", "MAX", "@amount", "SUM", "VALUE", "MIN", "KEY")
        self.assertEqual(got, [5, b"7.5", b"3.75", b"2.5", b"n/a", 100, b"1"])
        got = self.x("BTAGG", "t", "-inf", "+inf", "GROUPBY", "@kind", "COUNT", "SUM", "@amount")
        self.assertEqual(got, [[None, 1, 0], [b"buy", 2, 5], [b"hold", 1, 0], [b"sell", 1, b"2.5"]])
        empty = self.x("BTAGG", "t", 10, 20, "COUNT", "SUM", "VALUE", "AVG", "VALUE", "MIN", "VALUE", "MAX", "VALUE")
        self.assertEqual(empty, [0, 0, None, None, None])
        self.assertEqual(self.x("BTAGG", "missing", "-inf", "+inf", "COUNT"), [0])
        self.assertEqual(self.x("BTAGG", "missing", "-inf", "+inf", "GROUPBY", "KEY", "COUNT"), [])
        self.assertEqual(self.x("BTAGG", "t", "-inf", "+inf", "FILTER", "@kind = 'buy'", "SUM", "@amount"), [5])
        big = 2**62
        self.x("BTSET", "o", 1, big, 2, big, 3, -5)
        self.assertEqual(float(self.x("BTAGG", "o", "-inf", "+inf", "SUM", "VALUE")[0]), float(2 * big - 5))
        self.x("BTSET", "o", 4, 2**64 - 1)                    # a uint64 value: summed as a real
        self.assertAlmostEqual(float(self.x("BTAGG", "o", 4, 4, "SUM", "VALUE")[0]), 2.0**64, delta=1e5)
        self.assertEqual(self.x("BTAGG", "o", 4, 4, "MAX", "VALUE")[0], b"18446744073709551615")
        self.assertEqual(resp3(self.srv.port, "BTAGG", "t", "-inf", "+inf", "AVG", "@amount"),
                         b"*1\r\n,3.75\r\n")
        self.err("no aggregate", "BTAGG", "t", "-inf", "+inf", "FILTER", "KEY > 1")
        self.err("take VALUE, KEY or @field", "BTAGG", "t", "-inf", "+inf", "SUM")
        self.err("take VALUE, KEY or @field", "BTAGG", "t", "-inf", "+inf", "SUM", "amount")
        self.err("expected FILTER, GROUPBY", "BTAGG", "t", "-inf", "+inf", "MEDIAN", "VALUE")
        self.err("at most 16 aggregates", "BTAGG", "t", "-inf", "+inf", *(["COUNT"] * 17))
        self.err("GROUPBY takes", "BTAGG", "t", "-inf", "+inf", "GROUPBY", "kind", "COUNT")
        for w in ("0", "-1", "nan", "inf", "x"):
            self.err("BUCKET width must be a positive finite number", "BTAGG", "t", "-inf", "+inf",
                     "GROUPBY", "BUCKET", w, "COUNT")
        self.err("syntax error", "BTAGG", "t", "-inf", "+inf", "GROUPBY", "KEY", "GROUPBY", "VALUE", "COUNT")

    def test_btree_group_by_buckets_and_group_limit(self):
        self.x("BTSET", "t", *sum(([i, i] for i in range(-5, 25)), []), "s", 1)
        got = self.x("BTAGG", "t", "-inf", "+inf", "GROUPBY", "BUCKET", 10, "COUNT", "SUM", "VALUE")
        self.assertEqual(got, [[b"-10", 5, -15], [b"0", 10, 45], [b"10", 10, 145], [b"20", 5, 110]])
        got = self.x("BTAGG", "t", 0, 24, "GROUPBY", "BUCKET", 10, 5, "COUNT")   # origin 5
        self.assertEqual(got, [[b"-5", 5], [b"5", 10], [b"15", 10]])
        got = self.x("BTAGG", "t", 0, 3, "GROUPBY", "BUCKET", 0.5, "COUNT")
        self.assertEqual(got, [[b"0", 1], [b"1", 1], [b"2", 1], [b"3", 1]])
        n = 100001
        pipeline(self.srv.port, [["BTSET", "g"] + sum(([i, i] for i in range(s, min(n, s + 5000))), [])
                                 for s in range(0, n, 5000)])
        self.assertEqual(self.x("BTCARD", "g"), n)
        self.err("more than 100000 groups", "BTAGG", "g", "-inf", "+inf", "GROUPBY", "KEY", "COUNT")
        self.assertEqual(len(self.x("BTAGG", "g", 1, "+inf", "GROUPBY", "KEY", "COUNT")), 100000)

    def test_btree_top(self):
        self.x("BTSETF", "t", 1, "score", 30)
        self.x("BTSETF", "t", 2, "score", 10)
        self.x("BTSETF", "t", 3, "score", 30)
        self.x("BTSETF", "t", 4, "other", 1)
        self.x("BTSETF", "t", 5, "score", 20)
        top = lambda *a: self.x("BTTOP", "t", *a)[::2]
        self.assertEqual(top("-inf", "+inf", 2, "@score"), [b"1", b"3"])
        self.assertEqual(top("-inf", "+inf", 10, "@score"), [b"1", b"3", b"5", b"2"])
        self.assertEqual(top("-inf", "+inf", 2, "@score", "ASC"), [b"2", b"5"])
        self.assertEqual(top("(1", "+inf", 1, "@score", "DESC"), [b"3"])
        self.assertEqual(top("-inf", "+inf", 3, "KEY", "FILTER", "@score >= 20"), [b"5", b"3", b"1"])
        self.assertEqual(self.x("BTTOP", "t", 5, 5, 1, "@score"), [b"5", [b"score", b"20"]])
        self.assertEqual(self.x("BTTOP", "missing", "-inf", "+inf", 1, "VALUE"), [])
        self.assertEqual(self.x("BTTOP", "t", 9, 10, 100000, "VALUE"), [])
        self.err("count must be between 1 and 100000", "BTTOP", "t", "-inf", "+inf", 0, "VALUE")
        self.err("count must be between 1 and 100000", "BTTOP", "t", "-inf", "+inf", 100001, "VALUE")
        self.err("not an integer", "BTTOP", "t", "-inf", "+inf", "many", "VALUE")
        self.err("ranks by VALUE, KEY or @field", "BTTOP", "t", "-inf", "+inf", 1, "score")
        self.err("syntax error", "BTTOP", "t", "-inf", "+inf", 1, "VALUE", "SIDEWAYS")

    def test_btree_delrange(self):
        self.x("BTSET", "t", *sum(([i, i] for i in range(100)), []))
        self.assertEqual(self.x("BTDELRANGE", "t", 10, "(90"), 80)
        self.assertEqual(self.x("BTCARD", "t"), 20)
        self.assertEqual(self.x("BTDELRANGE", "t", 50, 60), 0)
        self.assertEqual(self.x("BTDELRANGE", "missing", "-inf", "+inf"), 0)
        self.assertEqual(self.x("BTDELRANGE", "t", "-inf", "+inf"), 20)
        self.assertEqual(self.r.exists("t"), 0)

    def test_btree_arity_and_wrongtype(self):
        self.r.set("s", "v")
        calls = [("BTSET", "s", 1, 1), ("BTSETF", "s", 1, "f", 1), ("BTDEL", "s", 1),
                 ("BTDELRANGE", "s", 0, 1), ("BTGET", "s", 1), ("BTCARD", "s"), ("BTRANK", "s", 1),
                 ("BTRANGE", "s", 0, 1), ("BTCOUNT", "s", 0, 1), ("BTAGG", "s", 0, 1, "COUNT"),
                 ("BTTOP", "s", 0, 1, 1, "VALUE")]
        for c in calls:
            self.err("WRONGTYPE", *c)
        for c in [("BTSET", "t", 1), ("BTSET", "t", 1, 2, 3), ("BTSETF", "t", 1, "f"),
                  ("BTSETF", "t", 1, "f", 1, "g"), ("BTDEL", "t"), ("BTDELRANGE", "t", 1),
                  ("BTGET", "t"), ("BTCARD",), ("BTRANK", "t"), ("BTRANGE", "t", 1),
                  ("BTCOUNT", "t", 1), ("BTAGG", "t", 0, 1), ("BTTOP", "t", 0, 1, 1)]:
            self.err("wrong number of arguments", *c)
        self.assertEqual(self.r.exists("t"), 0)
        self.assertEqual(self.r.get("s"), b"v")

    def test_btree_odd_keys_nan_and_binary(self):
        self.x("BTSET", "t", "nan", "n", "inf", "i", "-0", "z", "", "empty", b"\x00\xff", "bin",
               "1e3", "k", "0x10", "hex", "007", "lead")
        keys = self.x("BTRANGE", "t", "-inf", "+inf")[::2]
        # 0 (from -0), 7 (007), 1000 (1e3), then bytes: "", "\0\xff", "0x10", "inf", "nan"
        self.assertEqual(keys, [b"0", b"7", b"1000", b"", b"\x00\xff", b"0x10", b"inf", b"nan"])
        self.assertEqual(self.x("BTGET", "t", 0), b"z")
        self.assertEqual(self.x("BTGET", "t", 1000), b"k")
        self.assertEqual(self.x("BTGET", "t", ""), b"empty")
        self.x("BTSET", "t", "-inf", "word", "(a", "paren")
        self.assertEqual(self.x("BTRANGE", "t", "[-inf", "[-inf"), [b"-inf", b"word"])   # [ quotes
        self.assertEqual(self.x("BTRANGE", "t", "[(a", "[(a"), [b"(a", b"paren"])
        self.assertEqual(self.x("BTGET", "t", "-inf"), b"word")                  # literal here
        self.assertEqual(self.x("BTDEL", "t", "-inf", "(a"), 2)
        self.assertEqual(self.x("BTSET", "t", 1, "nan"), 1)          # "nan" stays text
        self.assertEqual(self.x("BTAGG", "t", 1, 1, "SUM", "VALUE", "MAX", "VALUE"), [0, b"nan"])

    def test_btree_random_garbage_keeps_the_server_serving(self):
        rnd = random.Random(99)
        atoms = ["-inf", "+inf", "inf", "(", "[", "(5", "[x", "", "nan", "-0", "1e308", "1e-308",
                 "18446744073709551616", "-9223372036854775808", "0x10", "@", "@a", "@'a b'", "VALUE",
                 "KEY", "COUNT", "SUM", "MIN", "MAX", "AVG", "GROUPBY", "BUCKET", "FILTER", "LIMIT", "REV",
                 "ASC", "DESC", "0", "1", "-1", "3", "1000000", "a", "@a > 1", "(@a > 1 OR KEY < 'x')",
                 "NOT NOT VALUE = 1", "@a = 'open", "(((", ")))", "\x00", "\xff"]
        cmds = ["BTSET", "BTSETF", "BTDEL", "BTDELRANGE", "BTGET", "BTCARD", "BTRANK", "BTRANGE",
                "BTCOUNT", "BTAGG", "BTTOP"]
        self.r.set("s", "v")
        for i in range(100):
            self.x("BTSETF", "t", rnd.randrange(-50, 50), "a", rnd.randrange(100), "b", rnd.choice("xy"))
        errors = 0
        for _ in range(3000):
            c = [rnd.choice(cmds), rnd.choice(["t", "u", "s"])] + \
                [rnd.choice(atoms) for _ in range(rnd.randrange(0, 9))]
            try:
                self.x(*c)
            except redis.ResponseError as e:
                errors += 1
                self.assertTrue(str(e), c)
        self.assertGreater(errors, 0)
        self.assertEqual(self.r.get("s"), b"v")
        self.assertTrue(self.r.ping())

    # ---- the type as every key ----

    def test_btree_type_scan_get_expire_rename_copy_info(self):
        r = self.r
        self.x("BTSET", "t", 1, "a", 2, "b")
        self.x("BTSETF", "t", 3, "f", "v")
        r.set("s", "v")
        self.assertEqual(r.type("t"), b"btree")
        self.assertEqual(sorted(r.scan_iter(_type="btree")), [b"t"])
        self.assertEqual(self.x("GET", "t"), [b"1", b"a", b"2", b"b", b"3", [b"f", b"v"]])
        self.assertTrue(r.pexpire("t", 60000))
        self.assertGreater(r.pttl("t"), 0)
        self.assertTrue(r.rename("t", "u"))
        self.assertEqual(self.x("BTCARD", "u"), 3)
        self.assertTrue(self.x("COPY", "u", "c"))
        self.x("BTSET", "c", 9, "x")
        self.assertEqual((self.x("BTCARD", "u"), self.x("BTCARD", "c")), (3, 4))
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 3)
        self.assertEqual(r.delete("c"), 1)
        self.assertTrue(r.pexpire("u", 1))
        deadline = 600
        while r.exists("u") and deadline:
            threading.Event().wait(0.05)
            deadline -= 1
        self.assertEqual(r.exists("u"), 0)
        self.assertIsNone(self.x("BTGET", "u", 1))

    def test_btree_lives_inside_namespaces(self):
        a, b = self.srv.client(), self.srv.client()
        a.execute_command("NS", "tenant1")
        b.execute_command("NS", "tenant2")
        a.execute_command("BTSET", "events", 1, "a")
        b.execute_command("BTSET", "events", 1, "b", 2, "c")
        self.assertEqual(a.execute_command("BTCARD", "events"), 1)
        self.assertEqual(b.execute_command("BTGET", "events", 1), b"c"[:0] + b"b")
        self.assertEqual(self.x("BTCARD", "events"), 0)

    def test_btree_multi_exec_and_scripts(self):
        p = self.r.pipeline(transaction=True)
        p.execute_command("BTSET", "t", 1, 10, 2, 20)
        p.execute_command("BTAGG", "t", "-inf", "+inf", "SUM", "VALUE")
        p.execute_command("BTRANGE", "t", 2, 2)
        self.assertEqual(p.execute(), [2, [30], [b"2", b"20"]])
        w = self.r.pipeline(transaction=True)
        w.watch("t")
        self.srv.client().execute_command("BTSETF", "t", 9, "f", 1)   # a write another client made
        w.multi()
        w.execute_command("BTCARD", "t")
        with self.assertRaises(redis.WatchError):
            w.execute()
        if not have_module("scripting"):
            return
        got = self.r.eval("redis.call('BTSET', KEYS[1], 3, 30) "
                          "return redis.call('BTAGG', KEYS[1], '-inf', '+inf', 'COUNT', 'SUM', 'VALUE')",
                          1, "t")
        self.assertEqual(got, [4, 60])   # rows 1, 2, 3 and the record 9 (no VALUE to sum)

    def test_btree_notifications(self):
        r = self.r
        r.config_set("notify-keyspace-events", "KEdg")
        try:
            ps = self.srv.client().pubsub()
            ps.psubscribe("__keyevent@0__:*")
            self.assertEqual(ps.get_message(timeout=10)["type"], "psubscribe")
            self.x("BTSET", "t", 1, 1, 2, 2)
            self.x("BTSETF", "t", 3, "f", 1)
            self.x("BTDEL", "t", 1)
            self.x("BTDELRANGE", "t", "-inf", "+inf")
            heard = []
            while len(heard) < 5:
                m = ps.get_message(timeout=10)
                self.assertIsNotNone(m, "heard only %s" % heard)
                heard.append((m["channel"].split(b":", 1)[1], m["data"]))
            self.assertEqual(heard, [(b"btset", b"t"), (b"btset", b"t"), (b"btdel", b"t"),
                                     (b"btdelrange", b"t"), (b"del", b"t")])
            ps.close()
        finally:
            r.config_set("notify-keyspace-events", "")

    # ---- random data against the model ----

    def random_rows(self, rnd, model, n):
        kinds = [b"buy", b"sell", b"hold"]
        args = []
        for _ in range(n):
            k = rnd.choice([rnd.randrange(-200, 200), rnd.randrange(-200, 200) + 0.25,
                            "k%03d" % rnd.randrange(300)])
            kt = typed(k)
            if rnd.random() < 0.2:
                v = rnd.choice([rnd.randrange(-50, 50), rnd.randrange(-50, 50) + 0.5, "s%d" % rnd.randrange(9)])
                self.x("BTSET", "t", k, v)
                model.rows[kt] = typed(v)
                continue
            fields = {}
            if rnd.random() < 0.9:
                fields[b"kind"] = rnd.choice(kinds)
            if rnd.random() < 0.9:
                fields[b"amount"] = rnd.choice([rnd.randrange(-1000, 1000), rnd.randrange(-1000, 1000) + 0.125,
                                                b"n/a"])
            if not fields:
                fields[b"note"] = b"x"
            flat = []
            for f, v in fields.items():
                flat += [f, v if isinstance(v, bytes) else str(v)]
            old = model.rows.get(kt)
            self.x("BTSETF", "t", k, *flat)
            merged = dict(old) if isinstance(old, dict) else {}
            merged.update(fields)
            model.rows[kt] = merged
        return args

    def random_filter(self, rnd, depth=0):
        if depth < 3 and rnd.random() < 0.4:
            op = rnd.choice(["AND", "OR"])
            l, fl = self.random_filter(rnd, depth + 1)
            rr, fr = self.random_filter(rnd, depth + 1)
            fn = (lambda m, k, a=fl, b=fr: a(m, k) and b(m, k)) if op == "AND" else \
                 (lambda m, k, a=fl, b=fr: a(m, k) or b(m, k))
            return "(%s %s %s)" % (l, op, rr), fn
        if depth < 3 and rnd.random() < 0.1:
            s, f = self.random_filter(rnd, depth + 1)
            return "NOT %s" % s, lambda m, k, f=f: not f(m, k)
        opnd = rnd.choice(["@amount", "@kind", "VALUE", "KEY"])
        op = rnd.choice(["=", "!=", "<", "<=", ">", ">="])
        lit = rnd.choice([rnd.randrange(-300, 300), "'buy'", "'sell'", "'n/a'", "'k150'", 0.125])
        lit_v = lit[1:-1].encode() if isinstance(lit, str) else lit

        def fn(m, k, opnd=opnd, op=op, lit_v=lit_v):
            ok, v = m.operand(k, opnd)
            return ok and cmp_ok(v, op, lit_v)
        return "%s %s %s" % (opnd, op, lit), fn

    def expected_aggs(self, model, keys, specs):
        out = []
        for fn, opnd in specs:
            vals = [v for ok, v in (model.operand(k, opnd) for k in keys) if ok] if opnd else []
            if fn == "COUNT":
                out.append(len(keys))
            elif fn in ("SUM", "AVG"):
                nums = [v for v in vals if isinstance(v, (int, float))]
                if fn == "AVG":
                    out.append(None if not nums else sum(float(v) for v in nums) / len(nums))
                elif all(isinstance(v, int) for v in nums):
                    out.append(sum(nums))
                else:
                    acc = 0.0
                    for v in nums:
                        acc += float(v)
                    out.append(acc)
            else:
                if not vals:
                    out.append(None)
                else:
                    pick = min if fn == "MIN" else max
                    out.append(text(pick(vals, key=order)))
        return out

    def assert_aggs(self, got, want, why):
        self.assertEqual(len(got), len(want), why)
        for g, w in zip(got, want):
            if isinstance(w, float):
                self.assertAlmostEqual(float(g), w, delta=1e-9 * max(1.0, abs(w)), msg=why)
            else:
                self.assertEqual(g, w, why)

    def test_btree_random_data_matches_model(self):
        rnd = random.Random(1234)
        model = Model()
        self.random_rows(rnd, model, 1500)
        self.assertEqual(self.x("BTCARD", "t"), len(model.rows))
        all_keys = model.sorted_keys()
        got = self.x("BTRANGE", "t", "-inf", "+inf")
        self.assertEqual(got[::2], [text(k) for k in all_keys])
        for k in all_keys[:50]:
            self.assertEqual(self.x("BTRANK", "t", text(k)), all_keys.index(k))
        bounds = [("-inf", None, False), ("+inf", None, False)]
        for _ in range(150):
            def bound():
                k = rnd.choice(all_keys + [rnd.randrange(-250, 250), "k%03d" % rnd.randrange(300)])
                excl = rnd.random() < 0.3
                return (("(" if excl else "") + text(typed(k)).decode()), typed(k), excl
            lo = rnd.choice([bound(), bound(), ("-inf", None, False)])
            hi = rnd.choice([bound(), bound(), ("+inf", None, False)])
            keys = model.sorted_keys(lo[1], hi[1], lo[2], hi[2])
            ftext, fn = self.random_filter(rnd)
            why = "range %s %s filter %s" % (lo[0], hi[0], ftext)
            fkeys = [k for k in keys if fn(model, k)]
            self.assertEqual(self.x("BTCOUNT", "t", lo[0], hi[0]), len(keys), why)
            self.assertEqual(self.x("BTCOUNT", "t", lo[0], hi[0], "FILTER", ftext), len(fkeys), why)
            off, cnt = rnd.randrange(5), rnd.choice([-1, 0, 3, 50])
            rev = rnd.random() < 0.5
            want = fkeys[::-1] if rev else fkeys
            want = want[off:] if cnt < 0 else want[off:off + cnt]
            got = self.x("BTRANGE", "t", lo[0], hi[0], *(["REV"] if rev else []),
                         "LIMIT", off, cnt, "FILTER", ftext)
            self.assertEqual(got[::2], [text(k) for k in want], why)
            specs = [("COUNT", None), ("SUM", "@amount"), ("AVG", "@amount"), ("MIN", "@amount"),
                     ("MAX", "@kind"), ("SUM", "VALUE"), ("MIN", "KEY")]
            flat = sum(([f] + ([o] if o else []) for f, o in specs), [])
            got = self.x("BTAGG", "t", lo[0], hi[0], "FILTER", ftext, *flat)
            self.assert_aggs(got, self.expected_aggs(model, fkeys, specs), why)
            # group by a field
            groups = {}
            for k in fkeys:
                ok, g = model.operand(k, "@kind")
                groups.setdefault(g if ok else None, []).append(k)
            got = self.x("BTAGG", "t", lo[0], hi[0], "FILTER", ftext, "GROUPBY", "@kind",
                         "COUNT", "SUM", "@amount")
            order_g = sorted(groups, key=lambda g: (-1, b"") if g is None else order(g))
            self.assertEqual([g[0] for g in got], [None if g is None else text(g) for g in order_g], why)
            for row, g in zip(got, order_g):
                self.assert_aggs(row[1:], self.expected_aggs(model, groups[g], specs[:2]), why)
            # buckets of the sort key
            width = rnd.choice([7, 50, 0.5])
            buckets = {}
            for k in fkeys:
                if isinstance(k, (int, float)):
                    buckets.setdefault(math.floor(k / width) * width, []).append(k)
            got = self.x("BTAGG", "t", lo[0], hi[0], "FILTER", ftext, "GROUPBY", "BUCKET", width,
                         "COUNT", "MIN", "KEY")
            self.assertEqual([float(g[0]) for g in got], sorted(buckets), why)
            for row, b in zip(got, sorted(buckets)):
                self.assertEqual(row[1:], [len(buckets[b]), text(buckets[b][0])], why)
            # top-N by a field
            n = rnd.choice([1, 5, 40])
            asc = rnd.random() < 0.3
            cands = [(model.operand(k, "@amount")[1], k) for k in fkeys if model.operand(k, "@amount")[0]]

            def top_cmp(a, b):
                oa, ob = order(a[0]), order(b[0])
                if oa != ob:
                    return (oa > ob) - (oa < ob) if asc else (oa < ob) - (oa > ob)
                return (order(a[1]) > order(b[1])) - (order(a[1]) < order(b[1]))
            want = [k for _, k in sorted(cands, key=functools.cmp_to_key(top_cmp))[:n]]
            got = self.x("BTTOP", "t", lo[0], hi[0], n, "@amount", "ASC" if asc else "DESC",
                         "FILTER", ftext)
            self.assertEqual(got[::2], [text(k) for k in want],
                             "%s top %d %s: %s" % (why, n, asc, got))

    # ---- big ranges yield ----

    def test_btree_big_aggregation_yields_while_others_are_served(self):
        r = self.r
        n = 200000
        cmds = [["BTSET", "big"] + sum(([i, i % 1000] for i in range(s, min(n, s + 2000))), [])
                for s in range(0, n, 2000)]
        pipeline(self.srv.port, cmds)
        self.assertEqual(self.x("BTCARD", "big"), n)
        r.set("small", "v")
        big = self.srv.client(socket_timeout=600)
        jobs = [
            (lambda: big.execute_command("BTAGG", "big", "-inf", "+inf", "COUNT", "SUM", "VALUE"),
             [n, sum(i % 1000 for i in range(n))]),
            (lambda: len(big.execute_command("BTAGG", "big", "-inf", "+inf", "GROUPBY", "BUCKET",
                                             3600, "SUM", "VALUE")), math.ceil(n / 3600)),
            (lambda: big.execute_command("BTCOUNT", "big", "-inf", "+inf", "FILTER", "VALUE < 10"),
             n // 100),
            (lambda: len(big.execute_command("BTRANGE", "big", "-inf", "+inf", "REV")), 2 * n),
            (lambda: big.execute_command("BTTOP", "big", "-inf", "+inf", 2, "VALUE")[::2],
             [b"999", b"1999"]),
            (lambda: len(big.execute_command("GET", "big")), 2 * n),
        ]
        other = self.srv.client()

        def probe():
            self.assertEqual(other.get("small"), b"v")

        for job, want in jobs:
            y0 = zvm_yields(r)
            results, served = served_meanwhile(job, probe)
            self.assertEqual(set(map(repr, results)), {repr(want)})
            self.assertGreater(zvm_yields(r), y0)        # the job gave its thread up
            self.assertGreater(served, 0)                # and another client was served meanwhile
        self.assertEqual(self.x("BTDELRANGE", "big", 100, "(%d" % (n - 100)), n - 200)
        self.assertEqual(self.x("BTCARD", "big"), 200)


@NEEDS_BTREE
class BtreeReadOnlyNetwork(unittest.TestCase):
    def test_btree_flags_on_a_read_only_network(self):
        nets = [{"name": "rw", "port": 0, "permissions": ["read", "write"]},
                {"name": "ro", "port": 0, "permissions": ["read"]}]
        srv = KeelConfigServer({"modules": ["resp", "strings", "btree"], "threads": 2, "networks": nets}).start()
        try:
            rw, ro = srv.client("rw"), srv.client("ro")
            rw.execute_command("BTSET", "t", 1, 1)
            for c in [("BTSET", "t", 2, 2), ("BTSETF", "t", 2, "f", 1), ("BTDEL", "t", 1),
                      ("BTDELRANGE", "t", 0, 9)]:
                with self.assertRaises(redis.ResponseError) as cm:
                    ro.execute_command(*c)
                self.assertIn("this network does not allow", str(cm.exception))
            for c in [("BTGET", "t", 1), ("BTCARD", "t"), ("BTRANK", "t", 1), ("BTRANGE", "t", 0, 9),
                      ("BTCOUNT", "t", 0, 9), ("BTAGG", "t", 0, 9, "COUNT"), ("BTTOP", "t", 0, 9, 1, "KEY")]:
                ro.execute_command(*c)
            self.assertEqual(ro.execute_command("BTCARD", "t"), 1)
        finally:
            srv.stop()


@NEEDS_BTREE
class BtreePersistence(unittest.TestCase):
    def test_btree_survives_save_and_restart(self):
        srv = KeelServer(threads=2, modules=["resp", "strings", "btree"]).start()
        try:
            r = srv.client()
            rnd = random.Random(7)
            for i in range(3000):
                if i % 3:
                    r.execute_command("BTSET", "t", rnd.choice([i, "k%d" % i, i + 0.5]), rnd.choice([i, "v%d" % i, "", "2.5"]))
                else:
                    r.execute_command("BTSETF", "t", i, "a", i, "b", "x" * (i % 50), "c", -i * 0.25)
            r.execute_command("BTSET", "small", b"\x00bin", b"\xff", "", "empty")
            r.pexpire("small", 600000)
            before = r.execute_command("BTRANGE", "t", "-inf", "+inf")
            small = r.execute_command("BTRANGE", "small", "-inf", "+inf")
            agg = r.execute_command("BTAGG", "t", "-inf", "+inf", "GROUPBY", "BUCKET", 100, "COUNT", "SUM", "@a")
            self.assertTrue(r.execute_command("SAVE"))
            srv.stop()
            srv.start()
            r = srv.client()
            self.assertEqual(r.type("t"), b"btree")
            self.assertEqual(r.execute_command("BTRANGE", "t", "-inf", "+inf"), before)
            self.assertEqual(r.execute_command("BTRANGE", "small", "-inf", "+inf"), small)
            self.assertGreater(r.pttl("small"), 0)
            self.assertEqual(r.execute_command("BTAGG", "t", "-inf", "+inf", "GROUPBY", "BUCKET", 100,
                                               "COUNT", "SUM", "@a"), agg)
            self.assertEqual(r.execute_command("BTSETF", "t", 0, "z", 1), 0)   # still writable
        finally:
            if srv.proc:
                srv.stop()


if __name__ == "__main__":
    unittest.main()
