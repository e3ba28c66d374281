"""test_strings_numbers.py -- INCR DECR INCRBY DECRBY DECRBYFLOOR INCRBYFLOAT on a real
keel-server, with Keel's extensions: uint64 results above INT64_MAX, double operands and
results, DECRBYFLOOR's floor at zero, and expiries kept by every arithmetic command.

Replies Redis also gives are checked against redis-server in test_strings_compat.py.
"""
import time
import unittest

import redis

from keel_harness import KeelServer

INT64_MAX = 2**63 - 1
INT64_MIN = -2**63
UINT64_MAX = 2**64 - 1


class Numbers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.raw = cls.srv.client()
        cls.raw.response_callbacks.clear()   # doubles arrive as the bulk strings RESP2 sends

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def cmd(self, *args):
        return self.raw.execute_command(*args)

    def big(self, n):
        """An integer reply above INT64_MAX as RESP2 carries it: its digits in a bulk string."""
        return str(n).encode() if n > INT64_MAX else n

    def error(self, *args):
        try:
            self.raw.execute_command(*args)
        except redis.ResponseError as e:
            return str(e)
        raise AssertionError("no error for %r" % (args,))

    def test_strings_incr_like_redis_in_int64(self):
        self.assertEqual(self.cmd("INCR", "n"), 1)
        self.assertEqual(self.cmd("INCRBY", "n", "-11"), -10)
        self.assertEqual(self.cmd("DECRBY", "n", "5"), -15)
        self.assertEqual(self.cmd("DECR", "n"), -16)
        self.assertEqual(self.cmd("GET", "n"), b"-16")
        self.r.set("n", INT64_MIN + 1)
        self.assertEqual(self.cmd("DECR", "n"), INT64_MIN)
        self.assertEqual(self.error("DECR", "n"), "increment or decrement would overflow")
        self.assertEqual(self.cmd("GET", "n"), str(INT64_MIN).encode())
        self.assertEqual(self.cmd("INCRBY", "m", str(INT64_MIN)), INT64_MIN)

    def test_strings_incr_past_int64_max_keeps_uint64(self):
        self.r.set("n", INT64_MAX)
        self.assertEqual(self.cmd("INCR", "n"), self.big(INT64_MAX + 1))
        self.assertEqual(self.cmd("GET", "n"), str(INT64_MAX + 1).encode())
        self.assertEqual(self.cmd("INCRBY", "n", str(INT64_MAX)), self.big(UINT64_MAX))
        self.assertEqual(self.error("INCR", "n"), "increment or decrement would overflow")
        self.assertEqual(self.cmd("GET", "n"), str(UINT64_MAX).encode())
        self.assertEqual(self.cmd("DECR", "n"), self.big(UINT64_MAX - 1))
        self.assertEqual(self.cmd("DECRBY", "n", str(UINT64_MAX - 1)), 0)
        self.assertEqual(self.cmd("INCRBY", "u", str(UINT64_MAX)), self.big(UINT64_MAX))
        self.assertEqual(self.cmd("DECRBY", "u", str(UINT64_MAX)), 0)
        self.assertEqual(self.error("DECRBY", "u", str(UINT64_MAX)), "increment or decrement would overflow")
        # Redis refuses "DECRBY k INT64_MIN"; in Keel the result 2^63 fits uint64
        self.assertEqual(self.cmd("DECRBY", "v", str(INT64_MIN)), self.big(INT64_MAX + 1))
        self.assertEqual(self.error("INCRBY", "w", str(UINT64_MAX + 1)), "value is not an integer or out of range")
        self.r.set("x", UINT64_MAX + 1)
        self.assertEqual(self.error("INCR", "x"), "value is not an integer or out of range")

    def test_strings_incr_uint64_through_redis_cli(self):
        self.assertEqual(self.srv.cli("INCRBY", "u", str(UINT64_MAX)).strip(), str(UINT64_MAX))
        self.assertEqual(self.srv.cli("INCRBY", "u", "-1").strip(), str(UINT64_MAX - 1))
        self.assertEqual(self.srv.cli("INCRBY", "u", "1.5").strip(), "1.8446744073709552e+19")

    def test_strings_incr_replies_in_resp3(self):
        """RESP3 carries the extension's replies as typed values: doubles and big numbers."""
        def call(sock, *words):
            req = b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)
            sock.sendall(req)
            data = b""
            while not data.endswith(b"\r\n"):
                chunk = sock.recv(4096)
                self.assertTrue(chunk, "connection closed")
                data += chunk
            return data

        s = self.srv.raw()
        try:
            s.sendall(b"HELLO 3\r\nPING\r\n")
            data = b""
            while not data.endswith(b"+PONG\r\n"):
                chunk = s.recv(65536)
                self.assertTrue(chunk, "connection closed")
                data += chunk
            self.assertEqual(call(s, b"INCRBY", b"d", b"1.5"), b",1.5\r\n")
            self.assertEqual(call(s, b"INCRBY", b"u", str(UINT64_MAX).encode()), b"(%d\r\n" % UINT64_MAX)
            self.assertEqual(call(s, b"INCR", b"i"), b":1\r\n")
            self.assertEqual(call(s, b"INCRBYFLOAT", b"f", b"0.5"), b"$3\r\n0.5\r\n")
        finally:
            s.close()

    def test_strings_incrby_double_increment(self):
        self.assertEqual(self.cmd("INCRBY", "d", "1.5"), b"1.5")
        self.assertEqual(self.cmd("GET", "d"), b"1.5")
        self.assertEqual(self.cmd("INCR", "d"), b"2.5")
        self.assertEqual(self.cmd("DECRBY", "d", "0.25"), b"2.25")
        self.assertEqual(self.cmd("INCRBY", "d", "0.75"), b"3")   # a double reply, even when whole
        self.assertEqual(self.cmd("GET", "d"), b"3")
        self.assertEqual(self.cmd("INCR", "d"), 4)                 # "3" reads back as an integer
        self.assertEqual(self.cmd("INCRBY", "d", "-1e3"), b"-996")
        self.assertEqual(self.cmd("INCRBY", "d", "2E-1"), b"-995.8")
        self.assertEqual(self.cmd("INCRBY", "e", "1e20"), b"1e+20")
        self.assertEqual(self.cmd("GET", "e"), b"1e+20")

    def test_strings_incr_double_stored_value(self):
        for stored, op, want in [("1.0", "INCR", b"2"), ("1e3", "INCR", b"1001"), ("-0", "INCR", b"1"),
                                 ("2.5", "DECR", b"1.5"), ("0.1", "INCRBY", b"0.30000000000000004"),
                                 ("-0.0", "DECR", b"-1"), ("1E2", "INCR", b"101")]:
            self.r.set("k", stored)
            args = ["INCRBY", "k", "0.2"] if op == "INCRBY" else [op, "k"]
            self.assertEqual(self.cmd(*args), want, stored)
            self.assertEqual(self.cmd("GET", "k"), want)
        self.r.set("u", UINT64_MAX)
        self.assertEqual(self.cmd("INCRBY", "u", "0.5"), b"1.8446744073709552e+19")

    def test_strings_incr_refuses_non_numbers(self):
        for stored in ["abc", "012", " 1", "1 ", "+1", ".5", "5.", "0x10", "inf", "-inf", "nan", "", "1e", "--1",
                       "1.2.3", "１"]:
            self.r.set("k", stored)
            self.assertEqual(self.error("INCR", "k"), "value is not an integer or out of range", stored)
            self.assertEqual(self.cmd("GET", "k"), stored.encode())
        for inc in ["abc", "012", " 1", "+1", ".5", "inf", "nan", "", "1e400", "0x1"]:
            self.assertEqual(self.error("INCRBY", "n", inc), "value is not an integer or out of range", inc)
        self.assertEqual(self.r.exists("n"), 0)

    def test_strings_incr_double_overflow_to_infinity(self):
        self.assertEqual(self.cmd("INCRBY", "d", "1.5e308"), b"1.5e+308")
        self.assertEqual(self.error("INCRBY", "d", "1.5e308"), "increment would produce NaN or Infinity")
        self.assertEqual(self.cmd("GET", "d"), b"1.5e+308")

    def test_strings_decrbyfloor(self):
        self.r.set("k", 10)
        self.assertEqual(self.cmd("DECRBYFLOOR", "k", "3"), 7)
        self.assertEqual(self.cmd("DECRBYFLOOR", "k", "10"), 0)
        self.assertEqual(self.cmd("GET", "k"), b"0")
        self.assertEqual(self.cmd("DECRBYFLOOR", "k", "1"), 0)
        self.assertEqual(self.cmd("DECRBYFLOOR", "new", "5"), 0)
        self.assertEqual(self.cmd("GET", "new"), b"0")
        self.assertEqual(self.cmd("DECRBYFLOOR", "new", "-5"), 5)   # max(0, value - decrement)
        self.r.set("neg", -7)
        self.assertEqual(self.cmd("DECRBYFLOOR", "neg", "1"), 0)
        self.r.set("u", UINT64_MAX)
        self.assertEqual(self.cmd("DECRBYFLOOR", "u", str(INT64_MAX)), self.big(INT64_MAX + 1))
        self.assertEqual(self.cmd("DECRBYFLOOR", "u", str(UINT64_MAX)), 0)
        self.r.set("d", "2.5")
        self.assertEqual(self.cmd("DECRBYFLOOR", "d", "1"), b"1.5")
        self.assertEqual(self.cmd("DECRBYFLOOR", "d", "5"), b"0")
        self.r.set("s", "abc")
        self.assertEqual(self.error("DECRBYFLOOR", "s", "1"), "value is not an integer or out of range")
        self.assertEqual(self.error("DECRBYFLOOR", "k", "x"), "value is not an integer or out of range")

    def test_strings_arithmetic_keeps_ttl(self):
        for args in (["INCR", "k"], ["DECR", "k"], ["INCRBY", "k", "5"], ["DECRBY", "k", "2"],
                     ["DECRBYFLOOR", "k", "1"], ["INCRBY", "k", "0.5"], ["INCRBYFLOAT", "k", "0.25"]):
            self.r.set("k", 100, ex=100)
            self.cmd(*args)
            self.assertIn(self.r.ttl("k"), (99, 100), args)

    def test_strings_arithmetic_on_an_expired_key_starts_from_zero_without_ttl(self):
        # the key's time passed (removed by the timer or found expired by the command): the
        # command sees no key, and the value it stores has no expiry
        for args, want in ((["INCR", "k"], 1), (["INCRBY", "k", "5"], 5), (["DECR", "k"], -1),
                           (["INCRBYFLOAT", "k", "0.5"], b"0.5")):
            self.r.set("k", 100, px=1)
            time.sleep(0.005)
            self.assertEqual(self.cmd(*args), want, args)
            self.assertEqual(self.r.ttl("k"), -1, args)

    def test_strings_incrbyfloat(self):
        self.assertEqual(self.cmd("INCRBYFLOAT", "f", "0.1"), b"0.1")
        self.assertEqual(self.cmd("INCRBYFLOAT", "f", "0.2"), b"0.3")
        self.assertEqual(self.cmd("GET", "f"), b"0.3")
        self.assertEqual(self.cmd("INCRBYFLOAT", "f", "-0.3"), b"0")
        self.assertEqual(self.cmd("INCRBYFLOAT", "f", "1e20"), b"100000000000000000000")
        self.assertEqual(self.error("INCR", "f"), "value is not an integer or out of range")   # > UINT64_MAX
        self.r.set("i", 5)
        self.assertEqual(self.cmd("INCRBYFLOAT", "i", "1.5"), b"6.5")
        self.assertEqual(self.error("INCRBYFLOAT", "i", "x"), "value is not a valid float")
        self.assertEqual(self.error("INCRBYFLOAT", "i", "inf"), "increment would produce NaN or Infinity")

    def test_strings_incr_on_built_strings(self):
        self.r.append("k", "1")
        self.r.append("k", "2")
        self.assertEqual(self.cmd("INCR", "k"), 13)
        self.r.setrange("k", 0, "9")
        self.assertEqual(self.cmd("INCR", "k"), 94)
        self.r.execute_command("PREPEND", "k", "-")
        self.assertEqual(self.cmd("INCR", "k"), -93)
        self.r.execute_command("PREPEND", "k", "0")
        self.assertEqual(self.error("INCR", "k"), "value is not an integer or out of range")


if __name__ == "__main__":
    unittest.main()
