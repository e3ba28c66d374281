"""test_sets.py -- sets.so through python3-redis and redis-cli on a real keel-server with 2
threads: every command, its errors (wrong arity, WRONGTYPE against strings, bad options), sorted
replies, Keel's SSUBSET/SEQUAL/multi-member SMOVE, keys on different threads, RESP3 set replies,
and the generic key commands (TYPE DEL EXISTS EXPIRE TTL RENAME SCAN ... TYPE set, INFO keyspace)
on set values.
"""
import socket
import unittest

import redis

from keel_harness import KeelServer

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def thread_of(r, key):
    """The thread that owns key (from DEBUG ZVM EXPLAIN)."""
    for line in r.execute_command("DEBUG", "ZVM", "EXPLAIN", "TYPE", key):
        if line.startswith(b"key "):
            return int(line.rsplit(b" ", 1)[1])
    raise AssertionError("no key line")


def keys_on_threads(r, prefix, n_each=2):
    """n_each key names on thread 0 and n_each on thread 1, alternating 0,1,0,1..."""
    found = {0: [], 1: []}
    i = 0
    while min(len(found[0]), len(found[1])) < n_each:
        k = "%s%d" % (prefix, i)
        t = thread_of(r, k)
        if len(found[t]) < n_each:
            found[t].append(k)
        i += 1
    out = []
    for j in range(n_each):
        out += [found[0][j], found[1][j]]
    return out


class SetCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings", "sets"]).start()
        cls.r = cls.srv.client()
        cls.raw = cls.srv.client()
        cls.raw.response_callbacks = {}   # replies as they come (redis-py turns SMEMBERS into a set)
        cls.a0, cls.b1, cls.c0, cls.d1 = keys_on_threads(cls.r, "k")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def cli(self, *args):
        return self.srv.cli(*args).rstrip("\n").splitlines()

    # ---- one-key commands ----

    def test_sets_sadd_srem_scard_sismember_smismember(self):
        r = self.r
        self.assertEqual(r.sadd("s", "a", "b", "a", "c"), 3)
        self.assertEqual(r.sadd("s", "c", "d"), 1)
        self.assertEqual(r.scard("s"), 4)
        self.assertEqual(r.scard("nokey"), 0)
        self.assertTrue(r.sismember("s", "a"))
        self.assertFalse(r.sismember("s", "zz"))
        self.assertFalse(r.sismember("nokey", "a"))
        self.assertEqual(r.smismember("s", ["a", "zz", "d"]), [1, 0, 1])
        self.assertEqual(r.srem("s", "a", "zz"), 1)
        self.assertEqual(r.srem("nokey", "a"), 0)
        self.assertEqual(r.srem("s", "b", "c", "d"), 3)
        self.assertEqual(r.exists("s"), 0)   # emptied sets are deleted
        self.assertEqual(self.cli("SADD", "t", "x", "y"), ["2"])
        self.assertEqual(self.cli("SCARD", "t"), ["2"])
        self.assertEqual(self.cli("SISMEMBER", "t", "x"), ["1"])
        self.assertEqual(self.cli("SMISMEMBER", "t", "x", "q", "y"), ["1", "0", "1"])
        self.assertEqual(self.cli("SREM", "t", "x"), ["1"])
        self.assertEqual(self.cli("SMEMBERS", "t"), ["y"])

    def test_sets_get_shows_the_members_sorted(self):
        self.r.sadd("s", "b", "10", "a", "2")
        self.assertEqual(self.raw.execute_command("GET", "s"), [b"2", b"10", b"a", b"b"])
        self.assertEqual(self.cli("GET", "s"), ["2", "10", "a", "b"])

    def test_sets_smembers_sorted_with_exact_bytes(self):
        r = self.r
        members = [b"b", b"10", b"a", b"2", b"-5", b"", b"01", b"1.0", b"\x00\xff", b"18446744073709551616",
                   b"+1", b"-0", b" 1"]
        self.assertEqual(r.sadd("s", *members), len(members))
        want = [b"-5", b"2", b"10", b"18446744073709551616", b"", b"\x00\xff", b" 1", b"+1", b"-0", b"01",
                b"1.0", b"a", b"b"]
        self.assertEqual(self.raw.execute_command("SMEMBERS", "s"), want)
        self.assertEqual(r.smembers("s"), set(members))
        r.sadd("t", "b", "10", "a", "2", "-5")
        self.assertEqual(self.cli("SMEMBERS", "t"), ["-5", "2", "10", "a", "b"])
        self.assertTrue(r.sismember("s", "01"))
        self.assertFalse(r.sismember("s", "1"))
        self.assertEqual(self.raw.execute_command("SMEMBERS", "nokey"), [])

    def test_sets_spop_and_srandmember(self):
        r = self.r
        r.sadd("s", *range(100))
        one = r.srandmember("s")
        self.assertTrue(0 <= int(one) < 100)
        some = r.srandmember("s", 10)
        self.assertEqual(len(set(some)), 10)
        self.assertEqual(some, sorted(some, key=int))   # positive counts come sorted
        self.assertEqual(len(r.srandmember("s", -300)), 300)
        self.assertEqual(sorted(r.srandmember("s", 1000), key=int), [str(i).encode() for i in range(100)])
        self.assertEqual(r.srandmember("s", 0), [])
        self.assertIsNone(r.srandmember("nokey"))
        self.assertEqual(r.srandmember("nokey", 5), [])
        popped = r.spop("s", 30)
        self.assertEqual(len(popped), 30)
        self.assertEqual(r.scard("s"), 70)
        self.assertFalse(any(r.smismember("s", popped)))
        x = r.spop("s")
        self.assertFalse(r.sismember("s", x))
        self.assertEqual(len(r.spop("s", 1000)), 69)
        self.assertEqual(r.exists("s"), 0)
        self.assertIsNone(r.spop("s"))
        self.assertEqual(r.spop("s", 3), [])
        self.assertEqual(self.srv.cli("SRANDMEMBER", "nokey", "3").strip(), "")
        r.sadd("t", "only")
        self.assertEqual(self.cli("SPOP", "t"), ["only"])

    def test_sets_sscan(self):
        r = self.r
        r.sadd("s", *["m%d" % i for i in range(500)], *range(500))
        seen = list(r.sscan_iter("s", count=17))
        self.assertEqual(len(seen), 1000)
        self.assertEqual(set(seen), r.smembers("s"))
        self.assertEqual(sorted(r.sscan_iter("s", match="m4?", count=5)), sorted(b"m4%d" % i for i in range(10)))
        # draining with SSCAN + SREM of each page never skips a member
        cursor, total = 0, 0
        while True:
            cursor, page = r.sscan("s", cursor, count=10)
            if page:
                total += r.srem("s", *page)
            if cursor == 0:
                break
        self.assertEqual(total, 1000)
        self.assertEqual(r.exists("s"), 0)
        self.assertEqual(r.sscan("nokey", 0), (0, []))
        self.assertEqual(self.srv.cli("SSCAN", "nokey", "0").strip(), "0")

    # ---- several keys, on both threads ----

    def test_sets_keys_really_are_on_both_threads(self):
        self.assertEqual(thread_of(self.r, self.a0), 0)
        self.assertEqual(thread_of(self.r, self.b1), 1)
        self.assertEqual(thread_of(self.r, self.c0), 0)
        self.assertEqual(thread_of(self.r, self.d1), 1)

    def test_sets_algebra_across_threads(self):
        r, a, b, c, d = self.r, self.a0, self.b1, self.c0, self.d1
        r.sadd(a, 1, 2, 3, 4, "x", "y")
        r.sadd(b, 3, 4, 5, "y", "z")
        r.sadd(c, 4, "y", "q")
        self.assertEqual(self.raw.execute_command("SINTER", a, b), [b"3", b"4", b"y"])
        self.assertEqual(self.raw.execute_command("SINTER", a, b, c), [b"4", b"y"])
        self.assertEqual(self.raw.execute_command("SINTER", a, "nokey"), [])
        self.assertEqual(self.raw.execute_command("SUNION", a, b), [b"1", b"2", b"3", b"4", b"5", b"x", b"y", b"z"])
        self.assertEqual(self.raw.execute_command("SUNION", b, "nokey"), [b"3", b"4", b"5", b"y", b"z"])
        self.assertEqual(self.raw.execute_command("SDIFF", a, b), [b"1", b"2", b"x"])
        self.assertEqual(self.raw.execute_command("SDIFF", a, b, c), [b"1", b"2", b"x"])
        self.assertEqual(self.raw.execute_command("SDIFF", b, a), [b"5", b"z"])
        self.assertEqual(self.raw.execute_command("SDIFF", "nokey", a), [])
        self.assertEqual(r.sinterstore(d, [a, b]), 3)
        self.assertEqual(self.raw.execute_command("SMEMBERS", d), [b"3", b"4", b"y"])
        self.assertEqual(r.sunionstore(d, [a, b, c]), 9)
        self.assertEqual(r.sdiffstore(d, [a, b]), 3)
        self.assertEqual(self.raw.execute_command("SMEMBERS", d), [b"1", b"2", b"x"])
        self.assertEqual(r.sunionstore(a, [a, b]), 8)    # the destination may be a source
        self.assertEqual(r.sinterstore(d, [a, "nokey"]), 0)
        self.assertEqual(r.exists(d), 0)                  # an empty result deletes it
        r.set(d, "a string")
        self.assertEqual(r.sunionstore(d, [c]), 3)        # any destination is replaced
        self.assertEqual(r.type(d), b"set")
        self.assertEqual(self.raw.execute_command("SINTERCARD", 2, a, b), 5)
        self.assertEqual(self.raw.execute_command("SINTERCARD", 2, a, b, "LIMIT", 2), 2)
        self.assertEqual(self.raw.execute_command("SINTERCARD", 2, a, b, "LIMIT", 0), 5)
        self.assertEqual(self.raw.execute_command("SINTERCARD", 1, "nokey"), 0)
        self.assertEqual(self.cli("SINTER", a, b), ["3", "4", "5", "y", "z"])
        self.assertEqual(self.cli("SUNIONSTORE", d, a, c), ["9"])
        self.assertEqual(self.cli("SINTERCARD", "3", a, b, c), ["2"])

    def test_sets_smove_one_and_many_across_threads(self):
        r, a, b = self.r, self.a0, self.b1
        r.sadd(a, "m1", "m2", "m3")
        self.assertTrue(r.smove(a, b, "m1"))
        self.assertFalse(r.smove(a, b, "m1"))
        self.assertEqual(self.raw.execute_command("SMOVE", a, b, "m2", "m3", "m9", "m2"), 2)
        self.assertEqual(r.exists(a), 0)
        self.assertEqual(self.raw.execute_command("SMEMBERS", b), [b"m1", b"m2", b"m3"])
        self.assertEqual(self.raw.execute_command("SMOVE", b, b, "m1", "m1", "zz"), 1)
        self.assertEqual(r.smove("nokey", b, "m1"), 0)
        r.sadd(b, "m1")
        self.assertEqual(self.cli("SMOVE", b, a, "m1", "m2"), ["2"])
        self.assertEqual(self.cli("SMEMBERS", a), ["m1", "m2"])

    def test_sets_ssubset_and_sequal_across_threads(self):
        r, a, b, c, d = self.r, self.a0, self.b1, self.c0, self.d1
        r.sadd(a, 1, 2)
        r.sadd(b, 1, 2, 3)
        r.sadd(c, 2, 1)
        self.assertEqual(self.raw.execute_command("SSUBSET", a, b), 1)
        self.assertEqual(self.raw.execute_command("SSUBSET", b, a), 0)
        self.assertEqual(self.raw.execute_command("SSUBSET", "nokey", a), 1)
        self.assertEqual(self.raw.execute_command("SSUBSET", a, "nokey"), 0)
        self.assertEqual(self.raw.execute_command("SEQUAL", a, c), 1)
        self.assertEqual(self.raw.execute_command("SEQUAL", a, c, b), 0)
        self.assertEqual(self.raw.execute_command("SEQUAL", d, "nokey"), 1)
        self.assertEqual(self.raw.execute_command("SEQUAL", a), 1)
        self.assertEqual(self.cli("SSUBSET", c, b), ["1"])
        self.assertEqual(self.cli("SEQUAL", a, b), ["0"])

    def test_sets_every_command_through_redis_cli(self):
        a, b, d = self.a0, self.b1, self.d1
        script = [
            (["SADD", a, "1", "2", "x"], ["3"]), (["SADD", b, "2", "x", "y"], ["3"]),
            (["SREM", b, "y", "nope"], ["1"]), (["SCARD", a], ["3"]), (["SISMEMBER", a, "x"], ["1"]),
            (["SMISMEMBER", a, "x", "q"], ["1", "0"]), (["SMEMBERS", a], ["1", "2", "x"]),
            (["SINTER", a, b], ["2", "x"]), (["SINTERCARD", "2", a, b, "LIMIT", "1"], ["1"]),
            (["SINTERSTORE", d, a, b], ["2"]), (["SUNION", a, b], ["1", "2", "x"]),
            (["SUNIONSTORE", d, a, b], ["3"]), (["SDIFF", a, b], ["1"]), (["SDIFFSTORE", d, a, b], ["1"]),
            (["SMEMBERS", d], ["1"]), (["SMOVE", a, d, "2", "x"], ["2"]), (["SSUBSET", b, d], ["1"]),
            (["SEQUAL", b, d], ["0"]), (["SSCAN", a, "0"], ["0", "1"]), (["SRANDMEMBER", a, "5"], ["1"]),
            (["SPOP", a, "5"], ["1"]), (["EXISTS", a], ["0"]), (["TYPE", d], ["set"]),
            (["SADD", a], ["ERR wrong number of arguments for 'sadd' command"]),
            (["SSUBSET", a], ["ERR wrong number of arguments for 'ssubset' command"]),
        ]
        for args, want in script:
            self.assertEqual(self.cli(*args), want, args)

    # ---- errors ----

    def test_sets_wrong_number_of_arguments(self):
        cases = {"SADD": ["k"], "SREM": ["k"], "SISMEMBER": ["k"], "SMISMEMBER": ["k"], "SCARD": [],
                 "SMEMBERS": [], "SPOP": [], "SRANDMEMBER": [], "SSCAN": ["k"], "SINTER": [],
                 "SINTERCARD": ["1"], "SINTERSTORE": ["d"], "SUNION": [], "SUNIONSTORE": ["d"], "SDIFF": [],
                 "SDIFFSTORE": ["d"], "SMOVE": ["a", "b"], "SSUBSET": ["a"], "SEQUAL": []}
        for cmd, args in cases.items():
            self.assertEqual(error_of(self.r, cmd, *args),
                             "wrong number of arguments for '%s' command" % cmd.lower(), cmd)
        self.assertEqual(error_of(self.r, "SCARD", "a", "b"), "wrong number of arguments for 'scard' command")
        self.assertEqual(error_of(self.r, "SSUBSET", "a", "b", "c"),
                         "wrong number of arguments for 'ssubset' command")
        out = self.srv.cli("SADD", "k")
        self.assertIn("wrong number of arguments for 'sadd' command", out)

    def test_sets_wrongtype_against_strings(self):
        r = self.r
        r.set("str", "x")
        r.sadd("s", "a")
        for args in (["SADD", "str", "a"], ["SREM", "str", "a"], ["SISMEMBER", "str", "a"],
                     ["SMISMEMBER", "str", "a"], ["SCARD", "str"], ["SMEMBERS", "str"], ["SPOP", "str"],
                     ["SPOP", "str", "2"], ["SRANDMEMBER", "str"], ["SRANDMEMBER", "str", "-2"],
                     ["SSCAN", "str", "0"], ["SINTER", "s", "str"], ["SINTER", "nokey", "str"],
                     ["SINTERCARD", "2", "s", "str"], ["SINTERSTORE", "d", "s", "str"], ["SUNION", "str", "s"],
                     ["SUNIONSTORE", "d", "str"], ["SDIFF", "s", "str"], ["SDIFFSTORE", "d", "s", "str"],
                     ["SMOVE", "str", "s", "a"], ["SMOVE", "s", "str", "a"], ["SSUBSET", "s", "str"],
                     ["SEQUAL", "str", "s"]):
            self.assertEqual(error_of(r, *args), WRONGTYPE, args)
        self.assertEqual(r.smove("nokey", "str", "a"), 0)   # Redis: an absent source wins
        self.assertEqual(r.get("str"), b"x")
        self.assertEqual(r.exists("d"), 0)
        self.assertIn("WRONGTYPE", self.srv.cli("SADD", "str", "a"))
        self.assertIn("WRONGTYPE", self.srv.cli("SUNIONSTORE", "d", "s", "str"))

    def test_sets_option_errors(self):
        r = self.r
        r.sadd("s", "a", "b")
        for args, err in ((["SPOP", "s", "-1"], "value is out of range, must be positive"),
                          (["SPOP", "s", "x"], "value is out of range, must be positive"),
                          (["SPOP", "s", "1", "2"], "syntax error"),
                          (["SRANDMEMBER", "s", "x"], "value is not an integer or out of range"),
                          (["SRANDMEMBER", "s", "1", "2"], "syntax error"),
                          (["SRANDMEMBER", "s", "-9223372036854775808"],
                           "value is out of range, value must between -9223372036854775807 and "
                           "9223372036854775807"),
                          (["SSCAN", "s", "x"], "invalid cursor"),
                          (["SSCAN", "s", "0", "COUNT", "0"], "syntax error"),
                          (["SSCAN", "s", "0", "COUNT", "x"], "value is not an integer or out of range"),
                          (["SSCAN", "s", "0", "MATCH"], "syntax error"),
                          (["SSCAN", "s", "0", "FOO", "1"], "syntax error"),
                          (["SINTERCARD", "0", "s"], "numkeys should be greater than 0"),
                          (["SINTERCARD", "x", "s"], "numkeys should be greater than 0"),
                          (["SINTERCARD", "3", "s"], "Number of keys can't be greater than number of args"),
                          (["SINTERCARD", "1", "s", "LIMIT", "-1"], "LIMIT can't be negative"),
                          (["SINTERCARD", "1", "s", "LIMIT"], "syntax error"),
                          (["SINTERCARD", "1", "s", "FOO"], "syntax error")):
            self.assertEqual(error_of(r, *args), err, args)
        self.assertIn("invalid cursor", self.srv.cli("SSCAN", "s", "x"))

    # ---- generic key commands on sets ----

    def test_sets_type_del_exists_expire_ttl_rename_across_threads(self):
        r, a, b = self.r, self.a0, self.b1
        r.sadd(a, 1, 2, "x")
        self.assertEqual(r.type(a), b"set")
        self.assertEqual(self.cli("TYPE", a), ["set"])
        self.assertEqual(r.exists(a, b), 1)
        self.assertTrue(r.expire(a, 100))
        self.assertTrue(95 <= r.ttl(a) <= 100)
        r.rename(a, b)                                    # to the other thread, keeping the TTL
        self.assertEqual(r.exists(a), 0)
        self.assertEqual(r.type(b), b"set")
        self.assertEqual(self.raw.execute_command("SMEMBERS", b), [b"1", b"2", b"x"])
        self.assertTrue(95 <= r.ttl(b) <= 100)
        self.assertTrue(r.persist(b))
        self.assertEqual(r.ttl(b), -1)
        self.assertTrue(r.renamenx(b, a))
        self.assertEqual(r.sadd(a, "y"), 1)
        r.pexpire(a, 1)
        import time
        time.sleep(0.02)
        self.assertEqual(r.exists(a), 0)
        self.assertEqual(r.sadd(a, "z"), 1)               # an expired set is gone for good
        self.assertEqual(self.raw.execute_command("SMEMBERS", a), [b"z"])
        self.assertEqual(r.delete(a), 1)
        self.assertEqual(r.type(a), b"none")

    def test_sets_scan_type_and_info_keyspace(self):
        r = self.r
        names = ["set:%d" % i for i in range(50)]
        for n in names:
            r.sadd(n, "m")
        for i in range(30):
            r.set("str:%d" % i, "v")
        self.assertEqual(sorted(r.scan_iter(_type="set", count=7)), sorted(n.encode() for n in names))
        self.assertEqual(len(list(r.scan_iter(_type="string"))), 30)
        info = r.info("keyspace")
        self.assertEqual(info["db0"]["keys"], 80)
        r.expire(names[0], 100)
        self.assertEqual(r.info("keyspace")["db0"]["expires"], 1)
        self.assertEqual(r.dbsize(), 80)
        self.assertEqual(r.delete(*names), 50)
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 30)

    def test_sets_resp3_replies_are_sets(self):
        self.r.sadd("s", "a", "b")
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            s.sendall(b"HELLO 3\r\nSMEMBERS s\r\nSINTER s s\r\nSRANDMEMBER s 2\r\nSMISMEMBER s a\r\nPING\r\n")
            data = b""
            while not data.endswith(b"+PONG\r\n"):
                chunk = s.recv(65536)
                self.assertTrue(chunk)
                data += chunk
        tail = data[data.index(b"~2\r\n"):]
        self.assertTrue(tail.startswith(b"~2\r\n$1\r\na\r\n$1\r\nb\r\n~2\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n"), tail)
        self.assertIn(b"*1\r\n:1\r\n+PONG\r\n", tail)


if __name__ == "__main__":
    unittest.main()
