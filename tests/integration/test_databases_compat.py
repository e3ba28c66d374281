"""test_databases_compat.py -- numbered databases reply exactly as redis-server 7.0 does.

Runs the same command scripts on one connection to keel-server and one to a real redis-server
and compares every reply: SELECT, DBSIZE, MOVE, SWAPDB, COPY, FLUSHDB, FLUSHALL, KEYS, EXISTS,
TYPE and expiry times across databases, with every error text and the order in which Redis
checks its arguments.  INFO keyspace is compared on its keys and expires counts.
"""
import os
import unittest

import redis

from keel_harness import KeelServer, RedisServer, MODULE_DIR, raw_client, reply_of


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


FAR = "4102444800"   # 2100-01-01: EXPIREAT times compare exactly, whatever the clock

SCRIPTS = {
    "select": [
        ["SET", "k", "zero"], ["SELECT", "3"], ["GET", "k"], ["SET", "k", "three"], ["DBSIZE"], ["SELECT", "0"],
        ["GET", "k"], ["SELECT", "15"], ["SELECT", "16"], ["SELECT", "-1"], ["SELECT", "x"], ["SELECT", ""],
        ["SELECT", "1.5"], ["SELECT", "01"], ["SELECT", "+1"], ["SELECT", " 1"], ["SELECT", "2147483647"],
        ["SELECT", "2147483648"], ["SELECT", "-2147483649"], ["SELECT", "99999999999999999999"],
        ["SELECT"], ["SELECT", "1", "2"], ["GET", "k"], ["SELECT", "3"], ["GET", "k"], ["KEYS", "*"],
    ],
    "dbsize_flush": [
        ["MSET", "a", "1", "b", "2"], ["SELECT", "1"], ["MSET", "a", "1", "b", "2", "c", "3"], ["DBSIZE"],
        ["FLUSHDB"], ["DBSIZE"], ["SELECT", "0"], ["DBSIZE"], ["SELECT", "2"], ["SET", "x", "1"],
        ["FLUSHDB", "ASYNC"], ["EXISTS", "x"], ["SET", "x", "1"], ["FLUSHDB", "sync"], ["EXISTS", "x"],
        ["FLUSHDB", "NOW"], ["FLUSHDB", "ASYNC", "SYNC"], ["FLUSHALL", "NOW"], ["SELECT", "0"], ["DBSIZE"],
        ["SELECT", "7"], ["SET", "y", "1"], ["FLUSHALL"], ["DBSIZE"], ["SELECT", "0"], ["DBSIZE"],
    ],
    "move": [
        ["SET", "k", "v"], ["EXPIREAT", "k", FAR], ["MOVE", "k", "1"], ["EXISTS", "k"], ["SELECT", "1"],
        ["GET", "k"], ["EXPIRETIME", "k"], ["MOVE", "k", "1"], ["MOVE", "k", "16"], ["MOVE", "k", "-1"],
        ["MOVE", "k", "x"], ["MOVE", "k", "99999999999"], ["MOVE", "nokey", "0"], ["MOVE", "nokey", "16"],
        ["MOVE", "k"], ["MOVE", "k", "0", "1"], ["SELECT", "0"], ["SET", "k", "other"], ["SELECT", "1"],
        ["MOVE", "k", "0"], ["GET", "k"], ["SELECT", "0"], ["GET", "k"], ["DEL", "k"], ["SELECT", "1"],
        ["MOVE", "k", "0"], ["EXISTS", "k"], ["SELECT", "0"], ["GET", "k"], ["EXPIRETIME", "k"],
        ["INCRBY", "n", "5"], ["MOVE", "n", "4"], ["SELECT", "4"], ["INCR", "n"], ["TYPE", "n"],
    ],
    "swapdb": [
        ["SET", "k", "zero"], ["SET", "only0", "x"], ["SELECT", "1"], ["SET", "k", "one"], ["EXPIREAT", "k", FAR],
        ["SWAPDB", "0", "1"], ["GET", "k"], ["EXPIRETIME", "k"], ["DBSIZE"], ["SELECT", "0"], ["GET", "k"],
        ["EXPIRETIME", "k"], ["DBSIZE"], ["SWAPDB", "1", "1"], ["SWAPDB", "0", "16"], ["SWAPDB", "16", "0"],
        ["SWAPDB", "-1", "0"], ["SWAPDB", "x", "0"], ["SWAPDB", "0", "x"], ["SWAPDB", "16", "x"],
        ["SWAPDB", "x", "16"], ["SWAPDB", "99999999999", "0"], ["SWAPDB", "0", "99999999999"],
        ["SWAPDB", "0"], ["SWAPDB", "0", "1", "2"], ["SWAPDB", "0", "9"], ["DBSIZE"], ["SELECT", "9"],
        ["DBSIZE"], ["KEYS", "*"],
    ],
    "copy_strings": [
        ["SET", "s", "v"], ["EXPIREAT", "s", FAR], ["COPY", "s", "t"], ["GET", "t"], ["EXPIRETIME", "t"],
        ["COPY", "s", "t"], ["SET", "s", "w"], ["COPY", "s", "t", "REPLACE"], ["GET", "t"], ["EXPIRETIME", "t"],
        ["COPY", "s", "s"], ["COPY", "s", "s", "DB", "0"], ["COPY", "s", "s", "DB", "2"], ["COPY", "s", "x", "DB"],
        ["COPY", "s", "x", "DB", "16"], ["COPY", "s", "x", "DB", "x"], ["COPY", "s", "x", "DB", "-1"],
        ["COPY", "s", "x", "FOO"], ["COPY", "s", "x", "REPLACE", "REPLACE"], ["COPY", "s", "y", "replace", "db", "3"],
        ["COPY", "s", "z", "DB", "3", "DB", "4"], ["COPY", "nokey", "x"], ["COPY", "nokey", "x", "DB", "99"],
        ["COPY", "s"], ["SELECT", "2"], ["GET", "s"], ["SELECT", "3"], ["GET", "y"], ["SELECT", "4"], ["GET", "z"],
        ["SET", "n", "10"], ["COPY", "n", "m"], ["INCR", "m"], ["GET", "n"], ["SET", "e", ""], ["COPY", "e", "f"],
        ["GET", "f"], ["STRLEN", "f"],
    ],
    "keys_types": [
        ["SELECT", "5"], ["MSET", "a", "1", "ab", "2", "b", "3"], ["KEYS", "a?"], ["EXISTS", "a", "b", "zz"],
        ["TYPE", "a"], ["TTL", "a"], ["SELECT", "6"], ["KEYS", "*"], ["EXISTS", "a"], ["TYPE", "a"],
        ["TTL", "a"], ["RANDOMKEY"], ["SELECT", "5"], ["RENAME", "a", "c"], ["SELECT", "6"], ["EXISTS", "c"],
    ],
}

LIST_SCRIPT = [
    ["RPUSH", "l", "a", "b", "c"], ["COPY", "l", "l2"], ["RPUSH", "l", "d"], ["LRANGE", "l2", "0", "-1"],
    ["COPY", "l", "l", "DB", "1"], ["MOVE", "l2", "2"], ["SELECT", "1"], ["LRANGE", "l", "0", "-1"], ["TYPE", "l"],
    ["SELECT", "2"], ["LRANGE", "l2", "0", "-1"], ["SWAPDB", "1", "2"], ["LRANGE", "l2", "0", "-1"],
    ["LRANGE", "l", "0", "-1"], ["SELECT", "0"], ["SET", "str", "x"], ["COPY", "str", "l", "REPLACE"],
    ["TYPE", "l"], ["GET", "l"],
]

SET_SCRIPT = [
    ["SADD", "s", "1", "2", "3"], ["COPY", "s", "s2", "DB", "3"], ["SADD", "s", "4"], ["SCARD", "s"],
    ["SELECT", "3"], ["SCARD", "s2"], ["SISMEMBER", "s2", "4"], ["MOVE", "s2", "0"], ["SELECT", "0"],
    ["SCARD", "s2"], ["TYPE", "s2"],
]

HASH_SCRIPT = [
    ["HSET", "h", "f1", "v1", "f2", "v2"], ["EXPIREAT", "h", FAR], ["COPY", "h", "h2"], ["HSET", "h", "f1", "x"],
    ["HGET", "h2", "f1"], ["HLEN", "h2"], ["EXPIRETIME", "h2"], ["TYPE", "h2"], ["COPY", "h", "h", "DB", "4"],
    ["MOVE", "h2", "4"], ["SELECT", "4"], ["HGET", "h", "f1"], ["HGET", "h2", "f1"], ["HLEN", "h"],
]

HLL_SCRIPT = [
    ["PFADD", "p", "a", "b", "c", "d"], ["COPY", "p", "p2"], ["PFADD", "p", "e"], ["PFCOUNT", "p2"],
    ["PFCOUNT", "p"], ["COPY", "p", "p", "DB", "6"], ["SELECT", "6"], ["PFCOUNT", "p"],
]


@unittest.skipUnless(have_module("strings"), "strings module not built")
class DatabasesLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mods = ["resp", "strings"] + [m for m in ("lists", "sets", "hll", "maps") if have_module(m)]
        cls.keel = KeelServer(threads=2, modules=mods).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client(single_connection_client=True))
        cls.r = raw_client(redis.Redis(port=cls.redis.port, single_connection_client=True, socket_timeout=60))

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.keel.stop()

    def run_script(self, name, script):
        for c in (self.k, self.r):
            c.execute_command("SELECT", "0")
            c.execute_command("FLUSHALL")
        for cmd in script:
            want = reply_of(self.r, cmd)
            got = reply_of(self.k, cmd)
            self.assertEqual(got, want, "%s: %r" % (name, cmd))
        self.assertEqual(self.keyspace(self.k), self.keyspace(self.r), name)

    @staticmethod
    def keyspace(c):
        """{db: (keys, expires)} from INFO keyspace."""
        out = {}
        for line in c.execute_command("INFO", "keyspace").decode().splitlines():
            if line.startswith("db"):
                name, fields = line.split(":")
                f = dict(kv.split("=") for kv in fields.split(","))
                out[name] = (f["keys"], f["expires"])
        return out

    def need(self, module):
        if not have_module(module):
            self.skipTest(module + " module not built")

    def test_databases_compat_select(self):
        self.run_script("select", SCRIPTS["select"])

    def test_databases_compat_dbsize_flush(self):
        self.run_script("dbsize_flush", SCRIPTS["dbsize_flush"])

    def test_databases_compat_move(self):
        self.run_script("move", SCRIPTS["move"])

    def test_databases_compat_swapdb(self):
        self.run_script("swapdb", SCRIPTS["swapdb"])

    def test_databases_compat_copy_strings(self):
        self.run_script("copy_strings", SCRIPTS["copy_strings"])

    def test_databases_compat_keys_types(self):
        self.run_script("keys_types", SCRIPTS["keys_types"])

    def test_databases_compat_lists(self):
        self.need("lists")
        self.run_script("lists", LIST_SCRIPT)

    def test_databases_compat_sets(self):
        self.need("sets")
        self.run_script("sets", SET_SCRIPT)

    def test_databases_compat_hashes(self):
        self.need("maps")
        self.run_script("hashes", HASH_SCRIPT)

    def test_databases_compat_hll(self):
        self.need("hll")
        self.run_script("hll", HLL_SCRIPT)

    def test_databases_compat_info_keyspace_lines(self):
        script = [["SET", "a", "1"], ["SELECT", "3"], ["SET", "b", "1"], ["EXPIREAT", "b", FAR],
                  ["SELECT", "15"], ["MSET", "x", "1", "y", "2"], ["SWAPDB", "3", "4"]]
        self.run_script("info", script)
        self.assertEqual(self.keyspace(self.k), {"db0": ("1", "0"), "db4": ("1", "1"), "db15": ("2", "0")})


if __name__ == "__main__":
    unittest.main()
