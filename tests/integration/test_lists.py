"""test_lists.py -- lists.so on a real keel-server (2 threads) through python3-redis and redis-cli:
every list command with its replies and errors (WRONGTYPE both ways with strings, wrong arity,
out-of-range indexes, bad options), the generic key commands on lists (TYPE DEL EXISTS EXPIRE TTL
PERSIST RENAME across shards, SCAN TYPE list, KEYS, INFO keyspace), GET on a list, big lists that
make every per-element loop yield, and LMOVE/LMPOP with keys on both threads.
"""
import os
import re
import time
import unittest

import redis

from keel_harness import KeelServer, MODULE_DIR

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def placement(r, keys):
    """{key: (shard, thread)} as DEBUG ZVM EXPLAIN reports them."""
    out = {}
    for line in r.execute_command("DEBUG", "ZVM", "EXPLAIN", "EXISTS", *keys):
        m = re.match(rb'^key argv\[(\d+)\]=".*" hash [0-9a-f]+ shard (\d+) thread (\d+)$', line)
        if m:
            out[keys[int(m.group(1)) - 1]] = (int(m.group(2)), int(m.group(3)))
    return out


def sanitized(pid):
    """True when the server runs with AddressSanitizer."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def keys_on_threads(r, prefix):
    """Two key names, the first on thread 0 and the second on thread 1."""
    cands = ["%s:%d" % (prefix, i) for i in range(64)]
    where = placement(r, cands)
    t0 = [k for k in cands if where[k][1] == 0]
    t1 = [k for k in cands if where[k][1] == 1]
    assert t0 and t1, "no keys on both threads"
    return t0[0], t1[0]


@unittest.skipUnless(have_module("lists") and have_module("strings"), "lists/strings modules not built")
class Lists(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings", "lists"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def error(self, *args):
        with self.assertRaises(redis.ResponseError) as cm:
            self.r.execute_command(*args)
        return str(cm.exception)

    # ---- push / pop ----

    def test_lists_push_pop(self):
        r = self.r
        self.assertEqual(r.rpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.lpush("l", "y", "x"), 5)
        self.assertEqual(r.lrange("l", 0, -1), [b"x", b"y", b"a", b"b", b"c"])
        self.assertEqual(r.lpop("l"), b"x")
        self.assertEqual(r.rpop("l"), b"c")
        self.assertEqual(r.lpop("l", 2), [b"y", b"a"])
        self.assertEqual(r.rpop("l", 10), [b"b"])
        self.assertEqual(r.exists("l"), 0)
        self.assertIsNone(r.lpop("l"))
        self.assertIsNone(r.rpop("l", 2))
        self.assertEqual(r.lpushx("l", "a"), 0)
        self.assertEqual(r.rpushx("l", "a"), 0)
        self.assertEqual(r.exists("l"), 0)
        r.rpush("l", "m")
        self.assertEqual(r.lpushx("l", "a", "b"), 3)
        self.assertEqual(r.rpushx("l", "z"), 4)
        self.assertEqual(r.lrange("l", 0, -1), [b"b", b"a", b"m", b"z"])
        self.assertEqual(r.execute_command("LPOP", "l", 0), [])
        self.assertEqual(self.error("LPOP", "l", -1), "value is out of range, must be positive")
        self.assertEqual(self.error("RPOP", "l", "x"), "value is out of range, must be positive")
        self.assertEqual(self.error("LPOP", "l", 1, 2), "wrong number of arguments for 'lpop' command")

    def test_lists_elements_are_byte_exact(self):
        r = self.r
        vals = [b"1", b"-1", b"01", b"-0", b"+1", b"1.0", b"", b"\x00\xff\r\n", b"9223372036854775808",
                b"-9223372036854775809", b"x" * 5000, b"12345678901234567890123456789012345678901"]
        r.rpush("l", *vals)
        self.assertEqual(r.lrange("l", 0, -1), vals)
        self.assertEqual(r.lpos("l", "-1"), 1)
        self.assertEqual(r.lpos("l", "01"), 2)
        self.assertIsNone(r.lpos("l", "001"))
        self.assertEqual(r.lindex("l", 7), b"\x00\xff\r\n")
        self.assertEqual(r.lrem("l", 0, "1"), 1)
        self.assertEqual(r.llen("l"), len(vals) - 1)

    def test_lists_wrongtype_both_ways(self):
        r = self.r
        r.set("s", "str")
        r.rpush("l", "a")
        for cmd in (["LPUSH", "s", "a"], ["RPUSH", "s", "a"], ["LPUSHX", "s", "a"], ["RPUSHX", "s", "a"],
                    ["LPOP", "s"], ["RPOP", "s", "2"], ["LLEN", "s"], ["LINDEX", "s", "0"],
                    ["LSET", "s", "0", "x"], ["LRANGE", "s", "0", "-1"], ["LTRIM", "s", "0", "1"],
                    ["LINSERT", "s", "BEFORE", "a", "b"], ["LREM", "s", "0", "a"], ["LPOS", "s", "a"],
                    ["RPOPLPUSH", "s", "l"], ["RPOPLPUSH", "l", "s"], ["LMOVE", "l", "s", "LEFT", "LEFT"],
                    ["LMPOP", "1", "s", "LEFT"], ["BLPOP", "s", "0"], ["BRPOP", "s", "0"],
                    ["BLMPOP", "0", "1", "s", "LEFT"], ["BRPOPLPUSH", "s", "l", "0"],
                    ["BLMOVE", "l", "s", "LEFT", "LEFT", "0"]):
            self.assertEqual(self.error(*cmd), WRONGTYPE, cmd)
        self.assertEqual(r.lrange("l", 0, -1), [b"a"])   # nothing moved
        for cmd in (["GETRANGE", "l", "0", "1"], ["APPEND", "l", "x"], ["INCR", "l"], ["STRLEN", "l"],
                    ["SETRANGE", "l", "0", "x"]):
            self.assertEqual(self.error(*cmd), WRONGTYPE, cmd)
        self.assertTrue(r.set("l", "now a string"))      # SET replaces any type, as in Redis
        self.assertEqual(r.type("l"), b"string")

    def test_lists_arity_errors(self):
        for cmd in (["LPUSH", "k"], ["RPUSH", "k"], ["LPUSHX", "k"], ["RPUSHX", "k"], ["LPOP"], ["RPOP"],
                    ["LLEN"], ["LLEN", "a", "b"], ["LINDEX", "k"], ["LSET", "k", "0"], ["LRANGE", "k", "0"],
                    ["LTRIM", "k", "0"], ["LINSERT", "k", "BEFORE", "a"], ["LREM", "k", "0"], ["LPOS", "k"],
                    ["RPOPLPUSH", "a"], ["LMOVE", "a", "b", "LEFT"], ["LMPOP", "1", "a"], ["BLPOP", "a"],
                    ["BRPOP", "a"], ["BRPOPLPUSH", "a", "b"], ["BLMOVE", "a", "b", "LEFT", "LEFT"],
                    ["BLMPOP", "0", "1", "a"]):
            self.assertEqual(self.error(*cmd), "wrong number of arguments for '%s' command" % cmd[0].lower(), cmd)

    # ---- indexes and ranges ----

    def test_lists_index_set_range_out_of_range(self):
        r = self.r
        r.rpush("l", *"abcde")
        self.assertEqual(r.lindex("l", 0), b"a")
        self.assertEqual(r.lindex("l", -1), b"e")
        self.assertIsNone(r.lindex("l", 5))
        self.assertIsNone(r.lindex("l", -6))
        self.assertEqual(self.error("LINDEX", "l", "x"), "value is not an integer or out of range")
        self.assertTrue(r.lset("l", -2, "D"))
        self.assertEqual(self.error("LSET", "l", 5, "x"), "index out of range")
        self.assertEqual(self.error("LSET", "l", -6, "x"), "index out of range")
        self.assertEqual(self.error("LSET", "nokey", 0, "x"), "no such key")
        self.assertEqual(r.lrange("l", -2, 100), [b"D", b"e"])
        self.assertEqual(r.lrange("l", -100, 0), [b"a"])
        self.assertEqual(r.lrange("l", 3, 1), [])
        self.assertEqual(r.lrange("l", 5, 9), [])
        self.assertEqual(r.lrange("nokey", 0, -1), [])
        self.assertEqual(self.error("LRANGE", "l", "0", "1.5"), "value is not an integer or out of range")
        self.assertTrue(r.ltrim("l", 1, -2))
        self.assertEqual(r.lrange("l", 0, -1), [b"b", b"c", b"D"])
        self.assertTrue(r.ltrim("l", 5, 10))
        self.assertEqual(r.exists("l"), 0)
        self.assertTrue(r.ltrim("nokey", 0, 1))

    def test_lists_insert_rem_pos(self):
        r = self.r
        self.assertEqual(r.linsert("nokey", "BEFORE", "a", "x"), 0)
        r.rpush("l", "a", "b", "a", "c", "a")
        self.assertEqual(r.linsert("l", "BEFORE", "b", "x"), 6)
        self.assertEqual(r.linsert("l", "AFTER", "c", "y"), 7)
        self.assertEqual(r.linsert("l", "AFTER", "zz", "y"), -1)
        self.assertEqual(self.error("LINSERT", "l", "NEAR", "a", "b"), "syntax error")
        self.assertEqual(r.lrange("l", 0, -1), [b"a", b"x", b"b", b"a", b"c", b"y", b"a"])
        self.assertEqual(r.lpos("l", "a"), 0)
        self.assertEqual(r.lpos("l", "a", rank=-1), 6)
        self.assertEqual(r.lpos("l", "a", count=0), [0, 3, 6])
        self.assertEqual(r.lpos("l", "a", rank=2, count=1), [3])
        self.assertEqual(r.lpos("l", "a", count=0, maxlen=4), [0, 3])
        self.assertEqual(r.lpos("nokey", "a", count=2), [])
        self.assertEqual(self.error("LPOS", "l", "a", "RANK", "0")[:21], "RANK can't be zero: u")
        self.assertEqual(self.error("LPOS", "l", "a", "COUNT", "-1"), "COUNT can't be negative")
        self.assertEqual(self.error("LPOS", "l", "a", "MAXLEN", "-1"), "MAXLEN can't be negative")
        self.assertEqual(self.error("LPOS", "l", "a", "BOGUS", "1"), "syntax error")
        self.assertEqual(r.lrem("l", -1, "a"), 1)
        self.assertEqual(r.lrem("l", 1, "a"), 1)
        self.assertEqual(r.lrange("l", 0, -1), [b"x", b"b", b"a", b"c", b"y"])
        self.assertEqual(r.lrem("l", 0, "a"), 1)
        self.assertEqual(self.error("LREM", "l", "x", "a"), "value is not an integer or out of range")

    # ---- moves and multi-key pops, keys on both threads ----

    def test_lists_lmove_rpoplpush_across_threads(self):
        r = self.r
        a, b = keys_on_threads(r, "mv")
        r.rpush(a, "1", "2", "3")
        self.assertEqual(r.rpoplpush(a, b), b"3")
        self.assertEqual(r.lmove(a, b, "LEFT", "RIGHT"), b"1")
        self.assertEqual(r.lrange(b, 0, -1), [b"3", b"1"])
        self.assertEqual(r.lmove(a, b, "RIGHT", "LEFT"), b"2")
        self.assertEqual(r.exists(a), 0)
        self.assertIsNone(r.rpoplpush(a, b))
        self.assertEqual(r.lmove(b, b, "LEFT", "RIGHT"), b"2")   # rotation
        self.assertEqual(r.lrange(b, 0, -1), [b"3", b"1", b"2"])
        self.assertEqual(self.error("LMOVE", a, b, "UP", "LEFT"), "syntax error")
        r.set(a, "str")
        self.assertEqual(self.error("RPOPLPUSH", b, a), WRONGTYPE)
        self.assertEqual(r.lrange(b, 0, -1), [b"3", b"1", b"2"])

    def test_lists_lmpop_across_threads(self):
        r = self.r
        a, b = keys_on_threads(r, "mp")
        self.assertIsNone(r.lmpop(2, a, b, direction="LEFT"))
        r.rpush(b, "1", "2", "3")
        self.assertEqual(r.lmpop(2, a, b, direction="LEFT"), [b.encode(), [b"1"]])
        r.rpush(a, "x")
        self.assertEqual(r.lmpop(2, b, a, direction="RIGHT", count=10), [b.encode(), [b"3", b"2"]])
        self.assertEqual(r.lmpop(2, b, a, direction="RIGHT", count=10), [a.encode(), [b"x"]])
        self.assertEqual(self.error("LMPOP", "0", a, "LEFT"), "numkeys should be greater than 0")
        self.assertEqual(self.error("LMPOP", "3", a, "LEFT"), "syntax error")
        self.assertEqual(self.error("LMPOP", "1", a, "LEFT", "COUNT", "0"), "count should be greater than 0")
        self.assertEqual(r.blpop([a, b], timeout=0.05), None)
        r.rpush(b, "q")
        self.assertEqual(r.blpop([a, b], timeout=0), (b.encode(), b"q"))

    # ---- generic key commands ----

    def test_lists_type_del_expire_rename(self):
        r = self.r
        r.rpush("l", "a", "b")
        self.assertEqual(r.type("l"), b"list")
        self.assertEqual(r.exists("l"), 1)
        self.assertTrue(r.expire("l", 100))
        self.assertTrue(0 < r.ttl("l") <= 100)
        self.assertTrue(r.persist("l"))
        self.assertEqual(r.ttl("l"), -1)
        self.assertTrue(r.pexpire("l", 50))
        time.sleep(0.12)
        self.assertEqual(r.exists("l"), 0)
        self.assertEqual(r.llen("l"), 0)
        r.rpush("l", "a", "b")
        r.expire("l", 100)
        src, dst = keys_on_threads(r, "rn")
        r.rename("l", src)
        self.assertTrue(r.rename(src, dst))                    # across threads
        self.assertEqual(r.lrange(dst, 0, -1), [b"a", b"b"])
        self.assertTrue(0 < r.ttl(dst) <= 100)
        self.assertEqual(r.type(src), b"none")
        r.rpush(src, "z")
        self.assertFalse(r.renamenx(dst, src))
        self.assertTrue(r.rename(dst, src))                    # replaces a list
        self.assertEqual(r.lrange(src, 0, -1), [b"a", b"b"])
        self.assertEqual(r.rpush(src, "c"), 3)
        self.assertEqual(r.delete(src, "nokey"), 1)
        self.assertEqual(r.exists(src), 0)

    def test_lists_scan_type_keys_info_keyspace(self):
        r = self.r
        for i in range(50):
            r.rpush("list:%d" % i, i)
            r.set("str:%d" % i, i)
        found = set(r.scan_iter(match="*", count=7, _type="list"))
        self.assertEqual(found, {("list:%d" % i).encode() for i in range(50)})
        self.assertEqual(set(r.scan_iter(_type="string")), {("str:%d" % i).encode() for i in range(50)})
        self.assertEqual(len(r.keys("list:*")), 50)
        self.assertEqual(r.dbsize(), 100)
        r.expire("list:1", 1000)
        ks = r.info("keyspace")["db0"]
        self.assertEqual(ks["keys"], 100)
        self.assertEqual(ks["expires"], 1)
        r.delete(*["list:%d" % i for i in range(50)])
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 50)

    def test_lists_get_on_a_list(self):
        r = self.r
        r.rpush("l", "a", "1", "c")
        self.assertEqual(r.get("l"), [b"a", b"1", b"c"])   # the list type's to-reply op
        self.assertEqual(self.srv.cli("GET", "l"), "a\n1\nc\n")

    # ---- big lists: every loop yields ----

    def test_lists_big_list_operations(self):
        r = self.r
        n = 200000
        p = r.pipeline(transaction=False)
        for i in range(0, n, 10000):
            p.rpush("big", *range(i, i + 10000))
        p.execute()
        self.assertEqual(r.llen("big"), n)
        y0 = int(r.info("stats")["zvm_yields"])
        got = r.lrange("big", 0, -1)
        self.assertEqual(len(got), n)
        self.assertEqual(got[12345], b"12345")
        self.assertEqual(r.lpos("big", n - 1), n - 1)
        self.assertEqual(r.lpos("big", 0, rank=-1), 0)
        self.assertEqual(r.linsert("big", "BEFORE", n - 2, "x"), n + 1)
        self.assertEqual(r.lrem("big", 0, "x"), 1)
        self.assertTrue(r.ltrim("big", 1000, -1001))
        self.assertEqual(r.llen("big"), n - 2000)
        self.assertEqual(r.lindex("big", 0), b"1000")
        self.assertEqual(len(r.lpop("big", 50000)), 50000)
        self.assertEqual(r.lindex("big", 0), b"51000")
        self.assertTrue(r.ltrim("big", -10, -1))
        self.assertEqual(r.lrange("big", 0, -1), [str(i).encode() for i in range(n - 1010, n - 1000)])
        self.assertGreater(int(r.info("stats")["zvm_yields"]) - y0, 20)

    def test_lists_pipelined_pushes_keep_order(self):
        r = self.r
        p = r.pipeline(transaction=False)
        for i in range(0, 300000, 30000):
            p.rpush("ord", *range(i, i + 30000))   # each push is long enough to yield
        p.llen("ord")
        got = p.execute()
        self.assertEqual(got[:-1], list(range(30000, 300001, 30000)))   # in arrival order
        self.assertEqual(got[-1], 300000)
        self.assertEqual(r.lrange("ord", 29998, 30001), [b"29998", b"29999", b"30000", b"30001"])

    def test_lists_memory_of_a_million_small_ints(self):
        r = self.r
        s = self.srv.client()
        s.rpush("warm", *range(10000))   # the connection's buffers and arena, before measuring
        s.delete("warm")
        before = self.srv.used_memory()
        for i in range(0, 1000000, 10000):
            s.rpush("ints", *[j % 1000 for j in range(i, i + 10000)])
        self.assertEqual(r.llen("ints"), 1000000)
        grown = self.srv.used_memory() - before
        if not sanitized(self.srv.proc.pid):   # ASan's allocator reports its own figures
            self.assertLess(grown, 4.2e6, "1M ints below 1000 took %.2f MB" % (grown / 1e6))
            self.assertGreater(grown, 2e6)
        r.delete("ints")                      # a big value is freed lazily, between loop turns
        deadline = time.monotonic() + 10
        while self.srv.used_memory() - before > 256 * 1024 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertLess(self.srv.used_memory() - before, 256 * 1024)

    # ---- redis-cli ----

    def test_lists_through_redis_cli(self):
        cli = self.srv.cli
        self.assertEqual(cli("RPUSH", "c", "a", "b", "c"), "3\n")
        self.assertEqual(cli("LPUSH", "c", "z"), "4\n")
        self.assertEqual(cli("LRANGE", "c", "0", "-1"), "z\na\nb\nc\n")
        self.assertEqual(cli("LINDEX", "c", "1"), "a\n")
        self.assertEqual(cli("LINDEX", "c", "9"), "\n")
        self.assertEqual(cli("LSET", "c", "0", "Z"), "OK\n")
        self.assertEqual(cli("LINSERT", "c", "AFTER", "a", "a2"), "5\n")
        self.assertEqual(cli("LPOS", "c", "b"), "3\n")
        self.assertEqual(cli("LREM", "c", "0", "a2"), "1\n")
        self.assertEqual(cli("LLEN", "c"), "4\n")
        self.assertEqual(cli("RPOPLPUSH", "c", "d"), "c\n")
        self.assertEqual(cli("LMOVE", "d", "c", "LEFT", "LEFT"), "c\n")
        self.assertEqual(cli("LMPOP", "2", "x", "c", "RIGHT", "COUNT", "2"), "c\nb\na\n")
        self.assertEqual(cli("LPOP", "c"), "c\n")
        self.assertEqual(cli("RPOP", "c"), "Z\n")
        self.assertEqual(cli("RPOP", "c"), "\n")
        self.assertEqual(cli("LPUSHX", "c", "v"), "0\n")
        self.assertEqual(cli("RPUSH", "c", "v"), "1\n")
        self.assertEqual(cli("RPUSHX", "c", "w"), "2\n")
        self.assertEqual(cli("LTRIM", "c", "1", "1"), "OK\n")
        self.assertEqual(cli("TYPE", "c"), "list\n")
        self.assertEqual(cli("BLPOP", "c", "0"), "c\nw\n")
        self.assertEqual(cli("BRPOP", "c", "0.05"), "\n")
        self.assertEqual(cli("RPUSH", "c", "1", "2"), "2\n")
        self.assertEqual(cli("BLMPOP", "0", "1", "c", "LEFT"), "c\n1\n")
        self.assertEqual(cli("BRPOPLPUSH", "c", "e", "0"), "2\n")
        self.assertEqual(cli("BLMOVE", "e", "c", "RIGHT", "LEFT", "0"), "2\n")
        self.assertEqual(cli("BLMOVE", "e", "c", "RIGHT", "LEFT", "0.05"), "\n")
        self.assertIn("WRONGTYPE", cli("LPUSH", "s", "x") + cli("SET", "s", "v") + cli("LPUSH", "s", "x"))
        self.assertIn("wrong number of arguments", cli("LPUSH", "c"))
        self.assertIn("index out of range", cli("LSET", "c", "5", "x"))
        self.assertIn("no such key", cli("LSET", "nokey", "5", "x"))
        self.assertIn("timeout is negative", cli("BLPOP", "c", "-1"))
        self.assertIn("timeout is not a float or out of range", cli("BLPOP", "c", "soon"))


if __name__ == "__main__":
    unittest.main()
