"""test_expire.py -- expiry on a real keel-server: EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX XX GT
LT, TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, and keys really going away, read or not.  TTL
readings are checked against the time that can have passed since the expiry was set (Expiry), so
a stalled machine widens the range instead of failing the test.
"""
import os
import time
import unittest

import redis

from keel_harness import Expiry, KeelServer, MODULE_DIR, wait_until

INT64_MAX = 9223372036854775807


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


@unittest.skipUnless(have_module("strings"), "strings module not built (keys need values)")
class Expire(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()
        cls.rr = cls.srv.client()
        cls.rr.response_callbacks.clear()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def cmd(self, *args):
        return self.rr.execute_command(*args)

    # ---- setting and reading ----

    def test_expire_ttl_pttl_expiretime(self):
        self.r.set("k", "v")
        before = time.time()
        e = Expiry(100000)
        self.assertEqual(self.cmd("EXPIRE", "k", "100"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl())
        self.assertIn(self.r.pttl("k"), e.pttl())
        et = self.cmd("EXPIRETIME", "k")
        self.assertTrue(int(before) + 99 <= et <= int(time.time()) + 101, et)
        pet = self.cmd("PEXPIRETIME", "k")
        self.assertEqual(pet // 1000, et)

    def test_expiry_counts_from_when_the_command_runs(self):
        # a worker thread reads the clock once per loop turn and per 10 ms tick; a command read
        # by a thread that had been asleep used the reading from before it slept, so its key's
        # time to live began up to a tick (on a busy machine, much more) before the command came
        for _ in range(50):
            time.sleep(0.009)   # the thread sleeps between ticks
            e = Expiry(100000)
            self.assertTrue(self.r.set("k", "v", px=100000))
            self.assertIn(self.r.pttl("k"), e.pttl())

    def test_pexpire_and_rounding(self):
        self.r.set("k", "v")
        e = Expiry(1800)
        self.assertEqual(self.cmd("PEXPIRE", "k", "1800"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl(), "TTL rounds to the nearest second (2 unless stalled)")
        e = Expiry(1200)
        self.assertEqual(self.cmd("PEXPIRE", "k", "1200"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl())
        self.assertIn(self.r.pttl("k"), e.pttl())

    def test_expireat_and_pexpireat_are_exact(self):
        self.r.set("k", "v")
        at = int(time.time()) + 1000
        self.assertEqual(self.cmd("EXPIREAT", "k", str(at)), 1)
        self.assertEqual(self.cmd("EXPIRETIME", "k"), at)
        self.assertEqual(self.cmd("PEXPIRETIME", "k"), at * 1000)
        pat = int(time.time() * 1000) + 123456
        self.assertEqual(self.cmd("PEXPIREAT", "k", str(pat)), 1)
        self.assertEqual(self.cmd("PEXPIRETIME", "k"), pat)
        self.assertEqual(self.cmd("EXPIRETIME", "k"), pat // 1000)

    def test_missing_keys_and_keys_without_expiry(self):
        for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            self.assertEqual(self.cmd(cmd, "missing"), -2, cmd)
        self.r.set("k", "v")
        for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
            self.assertEqual(self.cmd(cmd, "k"), -1, cmd)
        for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
            self.assertEqual(self.cmd(cmd, "missing", "100"), 0, cmd)
        self.assertEqual(self.r.exists("missing"), 0, "EXPIRE does not create keys")

    def test_persist(self):
        self.r.set("k", "v", ex=100)
        self.assertEqual(self.cmd("PERSIST", "k"), 1)
        self.assertEqual(self.r.ttl("k"), -1)
        self.assertEqual(self.cmd("PERSIST", "k"), 0)
        self.assertEqual(self.cmd("PERSIST", "missing"), 0)
        self.assertEqual(self.r.get("k"), b"v")
        self.assertEqual(self.r.info("keyspace")["db0"]["expires"], 0)

    # ---- NX XX GT LT ----

    def test_nx_sets_only_without_an_expiry(self):
        self.r.set("k", "v")
        e = Expiry(100000)
        self.assertEqual(self.cmd("EXPIRE", "k", "100", "NX"), 1)
        self.assertEqual(self.cmd("EXPIRE", "k", "200", "NX"), 0)
        self.assertIn(self.r.ttl("k"), e.ttl())

    def test_xx_sets_only_with_an_expiry(self):
        self.r.set("k", "v")
        self.assertEqual(self.cmd("EXPIRE", "k", "100", "XX"), 0)
        self.assertEqual(self.r.ttl("k"), -1)
        self.cmd("EXPIRE", "k", "100")
        e = Expiry(200000)
        self.assertEqual(self.cmd("EXPIRE", "k", "200", "xx"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl())

    def test_gt_only_lengthens_and_no_expiry_counts_as_infinite(self):
        self.r.set("k", "v")
        self.assertEqual(self.cmd("EXPIRE", "k", "100", "GT"), 0)
        self.assertEqual(self.r.ttl("k"), -1)
        self.cmd("EXPIRE", "k", "100")
        self.assertEqual(self.cmd("EXPIRE", "k", "50", "GT"), 0)
        e = Expiry(200000)
        self.assertEqual(self.cmd("EXPIRE", "k", "200", "GT"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl())
        e = Expiry(300000)
        self.assertEqual(self.cmd("PEXPIRE", "k", "300000", "XX", "GT"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl())

    def test_lt_only_shortens_and_no_expiry_counts_as_infinite(self):
        self.r.set("k", "v")
        self.assertEqual(self.cmd("EXPIRE", "k", "100", "LT"), 1)
        self.assertEqual(self.cmd("EXPIRE", "k", "200", "LT"), 0)
        e = Expiry(50000)
        self.assertEqual(self.cmd("EXPIRE", "k", "50", "LT"), 1)
        self.assertIn(self.r.ttl("k"), e.ttl())
        self.assertEqual(self.cmd("EXPIREAT", "k", str(int(time.time()) + 10), "XX", "LT"), 1)
        self.assertTrue(0 < self.r.ttl("k") <= 11)

    def test_incompatible_and_unknown_options(self):
        self.r.set("k", "v")
        nx_msg = "NX and XX, GT or LT options at the same time are not compatible"
        for opts in (("NX", "XX"), ("NX", "GT"), ("LT", "NX")):
            self.assertEqual(error_of(self.r, "EXPIRE", "k", "10", *opts), nx_msg, opts)
        self.assertEqual(error_of(self.r, "PEXPIRE", "k", "10", "GT", "LT"),
                         "GT and LT options at the same time are not compatible")
        self.assertEqual(error_of(self.r, "EXPIRE", "k", "10", "FOO"), "Unsupported option FOO")
        self.assertEqual(self.r.ttl("k"), -1, "a refused EXPIRE changes nothing")

    def test_bad_numbers(self):
        self.r.set("k", "v")
        for bad in ("abc", "1.5", "", " 1", "99999999999999999999"):
            self.assertEqual(error_of(self.r, "EXPIRE", "k", bad), "value is not an integer or out of range", bad)
        self.assertEqual(error_of(self.r, "EXPIRE", "k"), "wrong number of arguments for 'expire' command")
        self.assertEqual(error_of(self.r, "TTL"), "wrong number of arguments for 'ttl' command")
        self.assertEqual(error_of(self.r, "PERSIST", "a", "b"), "wrong number of arguments for 'persist' command")

    def test_overflowing_expire_times(self):
        self.r.set("k", "v")
        self.assertEqual(error_of(self.r, "EXPIRE", "k", str(INT64_MAX)), "invalid expire time in 'expire' command")
        self.assertEqual(error_of(self.r, "PEXPIRE", "k", str(INT64_MAX)), "invalid expire time in 'pexpire' command")
        self.assertEqual(error_of(self.r, "EXPIREAT", "k", str(INT64_MAX // 1000 + 1)),
                         "invalid expire time in 'expireat' command")
        self.assertEqual(error_of(self.r, "EXPIRE", "k", str(-INT64_MAX)), "invalid expire time in 'expire' command")
        self.assertEqual(self.r.ttl("k"), -1)
        self.assertEqual(self.r.get("k"), b"v")

    # ---- expiry in the past deletes ----

    def test_negative_zero_and_past_times_delete_the_key(self):
        cases = [("EXPIRE", "-1"), ("EXPIRE", "0"), ("PEXPIRE", "-100"), ("PEXPIRE", "0"),
                 ("EXPIREAT", "1"), ("EXPIREAT", str(int(time.time()) - 10)), ("PEXPIREAT", "1000")]
        for i, (cmd, t) in enumerate(cases):
            k = "gone%d" % i
            self.r.set(k, "v")
            self.assertEqual(self.cmd(cmd, k, t), 1, (cmd, t))
            self.assertIsNone(self.r.get(k), (cmd, t))
            self.assertEqual(self.r.exists(k), 0)
            self.assertEqual(self.r.ttl(k), -2)
        self.assertEqual(self.r.dbsize(), 0)
        self.assertEqual(self.r.info("keyspace"), {})

    # ---- keys really disappear ----

    def test_a_px_50_key_disappears_when_read(self):
        self.r.set("long", "v")
        self.r.set("short", "v", px=50)
        self.assertIn(self.r.pttl("short"), list(range(0, 51)) + [-2])
        wait_until("GET short to be nil", lambda: self.r.get("short") is None)
        self.assertEqual(self.r.exists("short"), 0)
        self.assertEqual(self.r.ttl("short"), -2)
        wait_until("DBSIZE 1", lambda: self.r.dbsize() == 1)
        self.assertEqual(self.r.info("keyspace")["db0"], {"keys": 1, "expires": 0, "avg_ttl": 0})

    def test_expired_keys_go_away_without_being_read(self):
        before = self.r.info("stats")["expired_keys"]
        self.r.mset({"keep%d" % i: "v" for i in range(50)})
        p = self.r.pipeline(transaction=False)
        for i in range(500):
            p.set("tmp%d" % i, "v", px=500)
        p.execute()
        # Nothing reads the keys from now on: DBSIZE and INFO only look at counts.  (How soon
        # after their expiry they go is not asserted: that is the machine's speed.)
        wait_until("active expiry to remove 500 keys", lambda: self.r.dbsize() == 50)
        self.assertEqual(self.r.info("keyspace")["db0"], {"keys": 50, "expires": 0, "avg_ttl": 0})
        self.assertEqual(self.r.info("stats")["expired_keys"] - before, 500)

    def test_a_key_with_a_future_expiry_stays(self):
        self.r.set("k", "v", px=100000)
        self.r.set("j", "v", ex=100)
        self.assertEqual(self.r.get("k"), b"v")
        self.assertEqual(self.r.dbsize(), 2)
        self.assertEqual(self.r.info("keyspace")["db0"]["expires"], 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
