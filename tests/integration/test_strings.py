"""test_strings.py -- strings.so's commands against a real keel-server, through redis-py and
redis-cli: every SET option and its errors, expiry (TTL checks and real expiry), Keel's CAS,
SET ... COMPARE, PREPEND, COUNTUTF8CODEPOINTS and aliases, binary-safe values, arity errors,
and the command table (COMMAND DOCS, DEBUG ZVM EXPLAIN).

WRONGTYPE: until a module that stores another type is built (lists.so), WrongType skips; the
WRONGTYPE paths are covered meanwhile by tests/unit/test_strings_types.c (a fake type through the
fake SDK table).
"""
import os
import time
import unittest

import redis

from keel_harness import Expiry, KeelServer, MODULE_DIR


def error_of(r, *args):
    """The error text redis-py raises for a command (redis-py drops a leading 'ERR ')."""
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def now_ms():
    return int(time.time() * 1000)


class StringsTestCase(unittest.TestCase):
    """One server for the whole class (2 threads, so keys live on both); flushed per test."""

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.raw = cls.srv.client()
        cls.raw.response_callbacks.clear()   # replies exactly as sent (SET ... GET, doubles)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def cli(self, *args):
        return self.srv.cli(*args).strip()


class GetSet(StringsTestCase):
    def test_strings_get_set_basic(self):
        r = self.r
        self.assertIsNone(r.get("k"))
        self.assertTrue(r.set("k", "v"))
        self.assertEqual(r.get("k"), b"v")
        self.assertTrue(r.set("k", "w"))
        self.assertEqual(r.get("k"), b"w")
        self.assertEqual(r.type("k"), b"string")

    def test_strings_set_nx_xx(self):
        r = self.r
        self.assertIsNone(r.set("k", "v", xx=True))
        self.assertEqual(r.exists("k"), 0)
        self.assertTrue(r.set("k", "v", nx=True))
        self.assertIsNone(r.set("k", "w", nx=True))
        self.assertEqual(r.get("k"), b"v")
        self.assertTrue(r.set("k", "w", xx=True))
        self.assertEqual(r.get("k"), b"w")
        self.assertEqual(error_of(r, "SET", "k", "v", "NX", "XX"), "syntax error")

    def test_strings_set_get_option(self):
        r = self.r
        self.assertIsNone(r.set("k", "v1", get=True))
        self.assertEqual(r.set("k", "v2", get=True), b"v1")
        self.assertEqual(self.raw.execute_command("SET", "k", "v3", "NX", "GET"), b"v2")
        self.assertEqual(r.get("k"), b"v2")
        self.assertEqual(self.raw.execute_command("SET", "k", "v3", "XX", "GET"), b"v2")
        self.assertEqual(r.get("k"), b"v3")
        self.assertIsNone(self.raw.execute_command("SET", "nokey", "v", "XX", "GET"))
        self.assertEqual(r.exists("nokey"), 0)

    def test_strings_set_expiry_options(self):
        r = self.r
        e = Expiry(100000)
        self.assertTrue(r.set("ex", "v", ex=100))
        self.assertIn(r.ttl("ex"), e.ttl())
        e = Expiry(100000)
        self.assertTrue(r.set("px", "v", px=100000))
        self.assertIn(r.pttl("px"), e.pttl())
        at = int(time.time()) + 100
        e = Expiry(at * 1000 - now_ms())
        self.assertTrue(r.set("exat", "v", exat=at))
        self.assertIn(r.ttl("exat"), e.ttl())
        e = Expiry(100000)
        self.assertTrue(r.set("pxat", "v", pxat=now_ms() + 100000))
        self.assertIn(r.pttl("pxat"), e.pttl())
        self.assertEqual(r.expiretime("exat") > time.time(), True)

    def test_strings_set_keepttl_and_clear(self):
        r = self.r
        e = Expiry(100000)
        r.set("k", "v", ex=100)
        self.assertTrue(r.set("k", "w", keepttl=True))
        self.assertIn(r.ttl("k"), e.ttl())
        self.assertEqual(r.get("k"), b"w")
        r.set("k", "x")
        self.assertEqual(r.ttl("k"), -1)
        r.set("k", "v", ex=100)
        r.set("k", "y", xx=True)
        self.assertEqual(r.ttl("k"), -1)
        r.set("k", "v", ex=100)
        e = Expiry(50000)
        self.assertEqual(self.raw.execute_command("SET", "k", "z", "GET", "PX", "50000"), b"v")
        self.assertIn(r.pttl("k"), e.pttl())

    def test_strings_set_expires_for_real(self):
        r = self.r
        r.set("k", "v", px=50)
        r.set("keep", "v", px=50)
        r.set("keep", "w", px=100000)
        self.assertEqual(r.get("k"), b"v")
        time.sleep(0.12)
        self.assertIsNone(r.get("k"))
        self.assertEqual(r.exists("k"), 0)
        self.assertEqual(r.get("keep"), b"w")
        r.psetex("p", 50, "v")
        r.set("g", "v")
        r.execute_command("GETEX", "g", "PX", "50")
        time.sleep(0.12)
        self.assertEqual(r.exists("p", "g"), 0)

    def test_strings_set_past_absolute_time_deletes(self):
        r = self.r
        r.set("k", "old")
        self.assertTrue(r.set("k", "v", exat=1))
        self.assertEqual(r.exists("k"), 0)
        self.assertTrue(r.set("k", "v", pxat=now_ms() - 1000))
        self.assertIsNone(r.get("k"))

    def test_strings_set_option_errors(self):
        r = self.r
        for args, err in [
            (["NX", "XX"], "syntax error"), (["XX", "NX"], "syntax error"), (["EX"], "syntax error"),
            (["EX", "10", "PX", "10"], "syntax error"), (["KEEPTTL", "EX", "10"], "syntax error"),
            (["PXAT", "10", "KEEPTTL"], "syntax error"), (["BOGUS"], "syntax error"), (["PERSIST"], "syntax error"),
            (["EX", "0"], "invalid expire time in 'set' command"),
            (["PX", "-3"], "invalid expire time in 'set' command"),
            (["EXAT", "0"], "invalid expire time in 'set' command"),
            (["EX", "9223372036854775807"], "invalid expire time in 'set' command"),
            (["EX", "x"], "value is not an integer or out of range"),
            (["COMPARE"], "syntax error"), (["COMPARE", "a", "NX"], "syntax error"),
            (["XX", "COMPARE", "a"], "syntax error"),
        ]:
            self.assertEqual(error_of(r, "SET", "k", "v", *args), err, args)
        self.assertEqual(r.exists("k"), 0)

    def test_strings_setnx_setex_psetex(self):
        r = self.r
        self.assertTrue(r.setnx("k", "v"))
        self.assertFalse(r.setnx("k", "w"))
        self.assertEqual(r.get("k"), b"v")
        e = Expiry(100000)
        self.assertTrue(r.setex("k", 100, "x"))
        self.assertIn(r.ttl("k"), e.ttl())
        self.assertEqual(r.get("k"), b"x")
        e = Expiry(100000)
        self.assertTrue(r.psetex("k", 100000, "y"))
        self.assertIn(r.pttl("k"), e.pttl())
        self.assertEqual(error_of(r, "SETEX", "k", "0", "v"), "invalid expire time in 'setex' command")
        self.assertEqual(error_of(r, "PSETEX", "k", "-1", "v"), "invalid expire time in 'psetex' command")
        self.assertEqual(error_of(r, "SETEX", "k", "z", "v"), "value is not an integer or out of range")

    def test_strings_getset_getdel(self):
        r = self.r
        self.assertIsNone(r.getset("k", "v"))
        r.expire("k", 100)
        self.assertEqual(r.getset("k", "w"), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.getdel("k"), b"w")
        self.assertEqual(r.exists("k"), 0)
        self.assertIsNone(r.getdel("k"))

    def test_strings_getex(self):
        r = self.r
        self.assertIsNone(r.getex("nokey", ex=10))
        r.set("k", "v")
        self.assertEqual(r.getex("k"), b"v")
        self.assertEqual(r.ttl("k"), -1)
        e = Expiry(100000)
        self.assertEqual(r.getex("k", ex=100), b"v")
        self.assertIn(r.ttl("k"), e.ttl())
        e = Expiry(50000)
        self.assertEqual(r.getex("k", px=50000), b"v")
        self.assertIn(r.pttl("k"), e.pttl())
        at = int(time.time()) + 200
        e = Expiry(at * 1000 - now_ms())
        self.assertEqual(r.getex("k", exat=at), b"v")
        self.assertIn(r.ttl("k"), e.ttl())
        e = Expiry(300000)
        self.assertEqual(r.getex("k", pxat=now_ms() + 300000), b"v")
        self.assertIn(r.ttl("k"), e.ttl())
        self.assertEqual(r.getex("k", persist=True), b"v")
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.getex("k", persist=True), b"v")
        self.assertEqual(r.getex("k", pxat=now_ms() - 10), b"v")
        self.assertEqual(r.exists("k"), 0)
        r.set("k", "v")
        self.assertEqual(error_of(r, "GETEX", "k", "EX", "0"), "invalid expire time in 'getex' command")
        self.assertEqual(error_of(r, "GETEX", "k", "EX", "1", "PERSIST"), "syntax error")
        self.assertEqual(error_of(r, "GETEX", "k", "KEEPTTL"), "syntax error")


class CompareAndSet(StringsTestCase):
    def test_strings_cas_sets_only_on_match(self):
        r = self.r
        self.assertEqual(r.execute_command("CAS", "k", "new", "old"), 0)
        self.assertEqual(r.exists("k"), 0)
        r.set("k", "old")
        self.assertEqual(r.execute_command("CAS", "k", "new", "OLD"), 0)
        self.assertEqual(r.execute_command("CAS", "k", "new", "ol"), 0)
        self.assertEqual(r.execute_command("CAS", "k", "new", "old\x00"), 0)
        self.assertEqual(r.get("k"), b"old")
        self.assertEqual(r.execute_command("CAS", "k", "new", "old"), 1)
        self.assertEqual(r.get("k"), b"new")
        self.assertEqual(r.execute_command("CAS", "k", "", "new"), 1)
        self.assertEqual(r.execute_command("CAS", "k", b"\x00\xff", ""), 1)
        self.assertEqual(r.get("k"), b"\x00\xff")

    def test_strings_cas_keeps_ttl(self):
        r = self.r
        e = Expiry(100000)
        r.set("k", "a", ex=100)
        self.assertEqual(r.execute_command("CAS", "k", "b", "a"), 1)
        self.assertIn(r.ttl("k"), e.ttl())

    def test_strings_cas_compares_numbers_as_text(self):
        r = self.r
        r.set("n", "10")
        self.assertEqual(r.execute_command("CAS", "n", "11", "10.0"), 0)
        self.assertEqual(r.execute_command("CAS", "n", "11", "10"), 1)
        self.raw.execute_command("INCRBY", "n", "1.5")
        self.assertEqual(r.get("n"), b"12.5")
        self.assertEqual(r.execute_command("CAS", "n", "x", "12.5"), 1)
        self.assertEqual(r.get("n"), b"x")

    def test_strings_set_compare(self):
        r = self.r
        self.assertIsNone(self.raw.execute_command("SET", "k", "v", "COMPARE", "x"))
        self.assertEqual(r.exists("k"), 0)
        r.set("k", "a", ex=100)
        self.assertIsNone(self.raw.execute_command("SET", "k", "b", "COMPARE", "x"))
        self.assertEqual(self.raw.execute_command("SET", "k", "b", "COMPARE", "a"), b"OK")
        self.assertEqual(r.ttl("k"), -1)   # SET semantics: the expiry is cleared
        e = Expiry(100000)
        r.set("k", "a", ex=100)
        self.assertEqual(self.raw.execute_command("SET", "k", "b", "compare", "a", "KEEPTTL"), b"OK")
        self.assertIn(r.ttl("k"), e.ttl())
        self.assertEqual(self.raw.execute_command("SET", "k", "c", "COMPARE", "x", "GET"), b"b")
        e = Expiry(5000)
        self.assertEqual(self.raw.execute_command("SET", "k", "c", "GET", "COMPARE", "b", "PX", "5000"), b"b")
        self.assertEqual(r.get("k"), b"c")
        self.assertIn(r.pttl("k"), e.pttl())

    def test_strings_cas_arity(self):
        for args in (["CAS", "k", "v"], ["CAS", "k", "v", "w", "x"]):
            self.assertEqual(error_of(self.r, *args), "wrong number of arguments for 'cas' command")


class AppendLength(StringsTestCase):
    def test_strings_append_prepend(self):
        r = self.r
        self.assertEqual(r.append("k", "mid"), 3)
        self.assertEqual(r.execute_command("PREPEND", "k", "<<"), 5)
        self.assertEqual(r.append("k", ">>"), 7)
        self.assertEqual(r.get("k"), b"<<mid>>")
        self.assertEqual(r.execute_command("PREPEND", "p", "x"), 1)
        self.assertEqual(r.execute_command("PREPEND", "k", ""), 7)
        r.set("n", "23")
        self.assertEqual(r.execute_command("PREPEND", "n", "1"), 3)
        self.assertEqual(r.incr("n"), 124)

    def test_strings_append_keeps_ttl(self):
        r = self.r
        e = Expiry(100000)
        r.set("k", "a", ex=100)
        r.append("k", "b")
        r.execute_command("PREPEND", "k", "c")
        r.setrange("k", 5, "z")
        self.assertIn(r.ttl("k"), e.ttl())
        self.assertEqual(r.get("k"), b"cab\x00\x00z")

    def test_strings_append_grows_a_big_value(self):
        """Thousands of APPENDs onto a value past the inline size (it then grows in place): every
        byte in order, the TTL kept, and the other string commands see the same value."""
        r = self.r
        head = b"h" * 3000
        r.set("log", head, ex=1000)
        p = r.pipeline(transaction=False)
        pieces = [b"%06d;" % i for i in range(20000)]
        for piece in pieces:
            p.append("log", piece)
        lengths = p.execute()
        self.assertEqual(lengths, [len(head) + 7 * (i + 1) for i in range(20000)])
        want = head + b"".join(pieces)
        self.assertEqual(r.get("log"), want)
        self.assertEqual(r.strlen("log"), len(want))
        self.assertEqual(r.getrange("log", -7, -1), b"019999;")
        self.assertTrue(990 <= r.ttl("log") <= 1000)
        self.assertEqual(r.setrange("log", 0, "H"), len(want))
        self.assertEqual(r.append("log", "!"), len(want) + 1)
        self.assertEqual(r.get("log"), b"H" + want[1:] + b"!")
        self.assertEqual(r.execute_command("PREPEND", "log", "<"), len(want) + 2)
        self.assertEqual(r.getrange("log", 0, 2), b"<Hh")
        r.set("num", 12345)                 # stored as an integer: APPEND builds the text
        self.assertEqual(r.append("num", "6" * 2000), 2005)
        self.assertEqual(r.append("num", "7"), 2006)
        self.assertEqual(r.get("num"), b"12345" + b"6" * 2000 + b"7")

    def test_strings_strlen_countbytes(self):
        r = self.r
        self.assertEqual(r.strlen("k"), 0)
        r.set("k", "héllo")
        self.assertEqual(r.strlen("k"), 6)
        self.assertEqual(r.execute_command("COUNTBYTES", "k"), 6)
        r.set("n", -1234)
        self.assertEqual(r.strlen("n"), 5)

    def test_strings_countutf8codepoints(self):
        r = self.r
        cases = [
            (b"", 0), (b"hello", 5), ("héllo".encode(), 5), ("日本語".encode(), 3), ("😀a".encode(), 2),
            (b"\xff", 1), (b"\x80\x80", 2), (b"\xc3", 1), (b"a\xc3", 2), (b"\xe6\x97", 2),
            (b"\xc0\xaf", 2),            # overlong '/'
            (b"\xed\xa0\x80", 3),        # a surrogate
            (b"\xf4\x90\x80\x80", 4),    # above U+10FFFF
            (b"\xf0\x9f\x98\x80\xff\xe6\x97\xa5", 3),
        ]
        for value, want in cases:
            r.set("k", value)
            self.assertEqual(r.execute_command("COUNTUTF8CODEPOINTS", "k"), want, value)
        self.assertEqual(r.execute_command("COUNTUTF8CODEPOINTS", "nokey"), 0)
        r.set("n", 12345)
        self.assertEqual(r.execute_command("COUNTUTF8CODEPOINTS", "n"), 5)

    def test_strings_countutf8codepoints_large_value_yields(self):
        r = self.r
        value = "aé日😀".encode() * 400000    # 4 MB, 1.6M code points
        r.set("big", value)
        self.assertEqual(r.execute_command("COUNTUTF8CODEPOINTS", "big"), 1600000)
        # other clients are served while it runs (it yields between slices)
        self.assertEqual(r.execute_command("COUNTUTF8CODEPOINTS", "big"), 1600000)

    def test_strings_getrange_substr(self):
        r = self.r
        r.set("k", "This is a string")
        self.assertEqual(r.getrange("k", 0, 3), b"This")
        self.assertEqual(r.getrange("k", -3, -1), b"ing")
        self.assertEqual(r.getrange("k", 0, -1), b"This is a string")
        self.assertEqual(r.getrange("k", 10, 100), b"string")
        self.assertEqual(r.execute_command("SUBSTR", "k", 5, 6), b"is")
        self.assertEqual(r.getrange("nokey", 0, -1), b"")

    def test_strings_setrange(self):
        r = self.r
        self.assertEqual(r.setrange("k", 6, "Redis"), 11)
        self.assertEqual(r.get("k"), b"\x00" * 6 + b"Redis")
        self.assertEqual(r.setrange("k", 0, "Hello "), 11)
        self.assertEqual(r.get("k"), b"Hello Redis")
        self.assertEqual(r.setrange("nokey", 10, ""), 0)
        self.assertEqual(r.exists("nokey"), 0)
        self.assertEqual(error_of(r, "SETRANGE", "k", "-1", "x"), "offset is out of range")
        self.assertEqual(error_of(r, "SETRANGE", "k", "536870912", "x"),
                         "string exceeds maximum allowed size (proto-max-bulk-len)")


class BinaryValues(StringsTestCase):
    def test_strings_all_byte_values(self):
        r = self.r
        value = bytes(range(256))
        r.set("k", value)
        self.assertEqual(r.get("k"), value)
        self.assertEqual(r.strlen("k"), 256)
        for b in range(256):
            r.set("b", bytes([b]) * 3)
            self.assertEqual(r.get("b"), bytes([b]) * 3)
        r.set(value, value)   # binary keys too
        self.assertEqual(r.get(value), value)
        self.assertEqual(r.append(value, value), 512)
        self.assertEqual(r.getrange(value, 250, 260), value[250:] + value[:5])

    def test_strings_empty_value(self):
        r = self.r
        r.set("k", "")
        self.assertEqual(r.get("k"), b"")
        self.assertEqual(r.exists("k"), 1)
        self.assertEqual(r.strlen("k"), 0)
        self.assertEqual(r.getrange("k", 0, -1), b"")
        self.assertEqual(r.append("k", ""), 0)
        self.assertEqual(r.mget("k"), [b""])

    def test_strings_ten_megabyte_value(self):
        r = self.r
        value = bytes(i % 251 for i in range(256)) * (10 * 1024 * 1024 // 256)
        r.set("big", value)
        self.assertEqual(r.get("big"), value)
        self.assertEqual(r.strlen("big"), len(value))
        self.assertEqual(r.append("big", b"!"), len(value) + 1)
        self.assertEqual(r.execute_command("PREPEND", "big", b"?"), len(value) + 2)
        self.assertEqual(r.getrange("big", -2, -1), value[-1:] + b"!")
        self.assertEqual(r.getrange("big", 0, 2), b"?" + value[:2])
        self.assertEqual(r.setrange("big", 5, b"xyz"), len(value) + 2)
        self.assertEqual(r.getrange("big", 4, 8), value[3:4] + b"xyz" + value[7:8])
        self.assertEqual(r.mget("big", "nokey")[0][-3:], value[-2:] + b"!")

    def test_strings_numeric_looking_values_round_trip(self):
        r = self.r
        for v in [b"1.0", b"1e3", b"-0", b"00", b" 1", b"1 ", b"+1", b"0x10", b"1.5", b"0.1", b"-7", b"42",
                  b"18446744073709551615", b"18446744073709551616", b"-9223372036854775809", b"inf", b"nan",
                  b"1e+20", b"1E3", b"0.30000000000000004", b"123456789012345678901234567890123456789012"]:
            r.set("k", v)
            self.assertEqual(r.get("k"), v)
            self.assertEqual(r.strlen("k"), len(v))
            self.assertEqual(r.mget("k"), [v])
            self.assertEqual(r.getrange("k", 0, -1), v)


class Arity(StringsTestCase):
    def test_strings_wrong_number_of_arguments(self):
        cases = {
            "get": [["GET"], ["GET", "a", "b"]], "set": [["SET"], ["SET", "a"]],
            "setnx": [["SETNX", "a"], ["SETNX", "a", "b", "c"]], "setex": [["SETEX", "a", "1"]],
            "psetex": [["PSETEX", "a", "1", "v", "x"]], "getset": [["GETSET", "a"]],
            "getdel": [["GETDEL"], ["GETDEL", "a", "b"]], "getex": [["GETEX"]], "mget": [["MGET"]],
            "mset": [["MSET"], ["MSET", "a"], ["MSET", "a", "1", "b"]],
            "msetnx": [["MSETNX", "a"], ["MSETNX", "a", "1", "b"]], "append": [["APPEND", "a"]],
            "prepend": [["PREPEND", "a"], ["PREPEND", "a", "b", "c"]], "strlen": [["STRLEN"]],
            "countbytes": [["COUNTBYTES"]], "substr": [["SUBSTR", "a"]],
            "countutf8codepoints": [["COUNTUTF8CODEPOINTS"], ["COUNTUTF8CODEPOINTS", "a", "b"]],
            "getrange": [["GETRANGE", "a", "1"]], "setrange": [["SETRANGE", "a", "1"]],
            "incr": [["INCR"], ["INCR", "a", "1"]], "decr": [["DECR"]], "incrby": [["INCRBY", "a"]],
            "decrby": [["DECRBY", "a", "1", "2"]], "incrbyfloat": [["INCRBYFLOAT", "a"]],
            "decrbyfloor": [["DECRBYFLOOR", "a"], ["DECRBYFLOOR", "a", "1", "2"]],
            "cas": [["CAS", "a", "b"]],
        }
        for name, calls in cases.items():
            for args in calls:
                self.assertEqual(error_of(self.r, *args), "wrong number of arguments for '%s' command" % name, args)


class CommandTable(StringsTestCase):
    def test_strings_command_docs(self):
        docs = self.raw.execute_command("COMMAND", "DOCS", "SET", "CAS", "MGET")
        by_name = {}
        for i in range(0, len(docs), 2):
            fields = docs[i + 1]
            by_name[docs[i]] = {fields[j]: fields[j + 1] for j in range(0, len(fields), 2)}
        self.assertEqual(set(by_name), {b"set", b"cas", b"mget"})
        for d in by_name.values():
            self.assertEqual(d[b"group"], b"string")
            self.assertEqual(d[b"since"], b"0.1.0")
            self.assertTrue(d[b"summary"])
        self.assertIn(b"COMPARE", by_name[b"set"][b"syntax"])

    def test_strings_explain_shows_opcodes(self):
        lines = self.raw.execute_command("DEBUG", "ZVM", "EXPLAIN", "MSET", "a", "1", "b", "2")
        text = b"\n".join(lines)
        self.assertIn(b"key.lock", text)
        self.assertIn(b"strings.mset", text)
        lines = self.raw.execute_command("DEBUG", "ZVM", "EXPLAIN", "INCRBY", "a", "1")
        self.assertIn(b"strings.incr", b"\n".join(lines))


@unittest.skipUnless(os.path.exists(os.path.join(MODULE_DIR, "lists.so")), "no module stores another type yet")
class WrongType(unittest.TestCase):
    def test_strings_wrongtype_on_a_list(self):
        with KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings", "lists"]) as srv:
            r = srv.client()
            r.rpush("l", "a")
            wrong = "WRONGTYPE Operation against a key holding the wrong kind of value"
            self.assertEqual(r.get("l"), [b"a"])   # Keel: GET shows any type (the list's to-reply)
            for args in (["GETDEL", "l"], ["GETEX", "l"], ["GETSET", "l", "v"],
                         ["SET", "l", "v", "GET"], ["CAS", "l", "v", "a"], ["APPEND", "l", "v"],
                         ["PREPEND", "l", "v"], ["STRLEN", "l"], ["COUNTUTF8CODEPOINTS", "l"],
                         ["GETRANGE", "l", "0", "1"], ["SETRANGE", "l", "0", "v"], ["INCR", "l"],
                         ["DECRBY", "l", "1"], ["DECRBYFLOOR", "l", "1"], ["INCRBYFLOAT", "l", "1"]):
                self.assertEqual(error_of(r, *args), wrong, args)
            self.assertEqual(r.mget("l"), [None])
            self.assertFalse(r.setnx("l", "v"))
            self.assertTrue(r.set("l", "v"))
            self.assertEqual(r.get("l"), b"v")


class RedisCli(StringsTestCase):
    """The same commands as redis-cli prints them."""

    def test_strings_cli_get_set(self):
        self.assertEqual(self.cli("SET", "k", "hello world"), "OK")
        self.assertEqual(self.cli("GET", "k"), "hello world")
        self.assertEqual(self.cli("SET", "k", "v", "NX"), "")
        self.assertEqual(self.cli("SET", "k", "v", "XX", "GET"), "hello world")
        self.assertEqual(self.cli("SET", "k", "v", "EX", "0"), "ERR invalid expire time in 'set' command")
        self.assertEqual(self.cli("SET", "k", "v", "NX", "XX"), "ERR syntax error")
        self.assertEqual(self.cli("SETNX", "k", "x"), "0")
        e = Expiry(100000)
        self.assertEqual(self.cli("SETEX", "t", "100", "x"), "OK")
        self.assertIn(int(self.cli("TTL", "t")), e.ttl())
        self.assertEqual(self.cli("PSETEX", "t", "100000", "y"), "OK")
        self.assertEqual(self.cli("GETSET", "t", "z"), "y")
        self.assertEqual(self.cli("TTL", "t"), "-1")
        e = Expiry(50000)
        self.assertEqual(self.cli("GETEX", "t", "EX", "50"), "z")
        self.assertIn(int(self.cli("TTL", "t")), e.ttl())
        self.assertEqual(self.cli("GETEX", "t", "PERSIST"), "z")
        self.assertEqual(self.cli("TTL", "t"), "-1")
        self.assertEqual(self.cli("GETDEL", "t"), "z")
        self.assertEqual(self.cli("EXISTS", "t"), "0")
        self.assertEqual(self.cli("GET"), "ERR wrong number of arguments for 'get' command")

    def test_strings_cli_numbers(self):
        self.assertEqual(self.cli("INCR", "n"), "1")
        self.assertEqual(self.cli("INCRBY", "n", "41"), "42")
        self.assertEqual(self.cli("DECR", "n"), "41")
        self.assertEqual(self.cli("DECRBY", "n", "50"), "-9")
        self.assertEqual(self.cli("DECRBYFLOOR", "n", "1"), "0")
        self.assertEqual(self.cli("INCRBY", "n", "1.5"), "1.5")
        self.assertEqual(self.cli("INCRBYFLOAT", "f", "0.1"), "0.1")
        self.assertEqual(self.cli("INCRBYFLOAT", "f", "0.2"), "0.3")
        self.assertEqual(self.cli("INCRBY", "u", "18446744073709551615"), "18446744073709551615")
        self.assertEqual(self.cli("INCR", "u"), "ERR increment or decrement would overflow")
        self.assertEqual(self.cli("SET", "s", "abc"), "OK")
        self.assertEqual(self.cli("INCR", "s"), "ERR value is not an integer or out of range")
        self.assertEqual(self.cli("INCRBYFLOAT", "s", "1"), "ERR value is not a valid float")

    def test_strings_cli_multi_and_ranges(self):
        self.assertEqual(self.cli("MSET", "a", "1", "b", "2"), "OK")
        self.assertEqual(self.srv.cli("MGET", "a", "b", "c").split("\n")[:3], ["1", "2", ""])
        self.assertEqual(self.cli("MSETNX", "b", "9", "c", "9"), "0")
        self.assertEqual(self.cli("MSETNX", "c", "3", "d", "4"), "1")
        self.assertEqual(self.cli("APPEND", "a", "23"), "3")
        self.assertEqual(self.cli("PREPEND", "a", "0"), "4")
        self.assertEqual(self.cli("GET", "a"), "0123")
        self.assertEqual(self.cli("STRLEN", "a"), "4")
        self.assertEqual(self.cli("COUNTBYTES", "a"), "4")
        self.assertEqual(self.cli("COUNTUTF8CODEPOINTS", "a"), "4")
        self.assertEqual(self.cli("GETRANGE", "a", "1", "2"), "12")
        self.assertEqual(self.cli("SUBSTR", "a", "-2", "-1"), "23")
        self.assertEqual(self.cli("SETRANGE", "a", "1", "xx"), "4")
        self.assertEqual(self.cli("GET", "a"), "0xx3")
        self.assertEqual(self.cli("CAS", "a", "new", "0xx3"), "1")
        self.assertEqual(self.cli("CAS", "a", "newer", "0xx3"), "0")
        self.assertEqual(self.cli("SET", "a", "v", "COMPARE", "new"), "OK")
        self.assertEqual(self.cli("SET", "a", "w", "COMPARE", "new"), "")
        self.assertEqual(self.cli("SETRANGE", "a", "-1", "x"), "ERR offset is out of range")


if __name__ == "__main__":
    unittest.main()
