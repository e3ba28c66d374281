"""test_lists_compat.py -- lists.so replies exactly as redis-server does.

Runs the same command scripts against keel-server and a real redis-server (when one is on PATH)
and compares every reply: elements, integers, nils, empty arrays and error texts, including the
order in which Redis checks arguments and types.  Then a seeded random sequence of list commands
over a few keys (with lists long enough to span many chunks) is run on both and compared reply by
reply.
"""
import random
import shutil
import unittest

from keel_harness import KeelServer, RedisServer, raw_client, reply_of

SCRIPTS = {
    "push_pop": [
        ["LPUSH", "l", "a", "b", "c"], ["RPUSH", "l", "1", "2", "3"], ["LRANGE", "l", "0", "-1"],
        ["LPUSHX", "nokey", "a"], ["RPUSHX", "nokey", "a"], ["EXISTS", "nokey"], ["LPUSHX", "l", "x", "y"],
        ["RPUSHX", "l", "z"], ["LPOP", "l"], ["RPOP", "l"], ["LPOP", "l", "2"], ["RPOP", "l", "2"],
        ["LPOP", "l", "0"], ["RPOP", "l", "0"], ["LPOP", "l", "-1"], ["LPOP", "l", "x"], ["LPOP", "l", "1.5"],
        ["LPOP", "nokey", "0"], ["LPOP", "nokey", "1"], ["LPOP", "nokey"], ["RPOP", "nokey", "x"],
        ["LPOP", "l", "1", "2"], ["LPOP", "l", "100"], ["EXISTS", "l"], ["LLEN", "l"],
        ["RPUSH", "n", "-0", "01", "1", "+1", " 1", "1.0", "", "18446744073709551616"], ["LRANGE", "n", "0", "-1"],
        ["LPOS", "n", "1"], ["LPOS", "n", "01"], ["LPOS", "n", ""],
    ],
    "index_set_range": [
        ["RPUSH", "l", "a", "b", "c", "d", "e"], ["LINDEX", "l", "0"], ["LINDEX", "l", "-1"], ["LINDEX", "l", "5"],
        ["LINDEX", "l", "-6"], ["LINDEX", "l", "x"], ["LINDEX", "nokey", "x"], ["LINDEX", "nokey", "0"],
        ["LSET", "l", "0", "A"], ["LSET", "l", "-1", "E"], ["LSET", "l", "5", "x"], ["LSET", "l", "-6", "x"],
        ["LSET", "l", "x", "x"], ["LSET", "nokey", "0", "x"], ["LSET", "nokey", "x", "x"],
        ["LRANGE", "l", "0", "-1"], ["LRANGE", "l", "-2", "-1"], ["LRANGE", "l", "-100", "100"],
        ["LRANGE", "l", "3", "1"], ["LRANGE", "l", "5", "5"], ["LRANGE", "l", "-1", "-5"],
        ["LRANGE", "l", "0", "x"], ["LRANGE", "nokey", "0", "-1"], ["LRANGE", "nokey", "x", "0"],
        ["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
        ["LRANGE", "l", "9223372036854775807", "-9223372036854775808"],
        ["LRANGE", "l", "0", "9223372036854775808"],
    ],
    "ltrim": [
        ["RPUSH", "l", "a", "b", "c", "d", "e"], ["LTRIM", "l", "1", "-2"], ["LRANGE", "l", "0", "-1"],
        ["LTRIM", "l", "-100", "100"], ["LRANGE", "l", "0", "-1"], ["LTRIM", "l", "1", "0"], ["EXISTS", "l"],
        ["LTRIM", "nokey", "0", "1"], ["LTRIM", "nokey", "x", "1"], ["RPUSH", "l", "a", "b"],
        ["LTRIM", "l", "5", "10"], ["EXISTS", "l"], ["RPUSH", "l", "a", "b"], ["LTRIM", "l", "0", "x"],
        ["LTRIM", "l", "-1", "-1"], ["LRANGE", "l", "0", "-1"],
    ],
    "insert_rem": [
        ["LINSERT", "nokey", "BEFORE", "a", "x"], ["LINSERT", "nokey", "SIDEWAYS", "a", "x"],
        ["RPUSH", "l", "a", "b", "a", "c", "a"], ["LINSERT", "l", "BEFORE", "a", "x"],
        ["LINSERT", "l", "after", "a", "y"], ["LINSERT", "l", "AFTER", "zz", "y"],
        ["LINSERT", "l", "MIDDLE", "a", "y"], ["LRANGE", "l", "0", "-1"], ["LREM", "l", "1", "a"],
        ["LREM", "l", "-1", "a"], ["LRANGE", "l", "0", "-1"], ["LREM", "l", "0", "a"], ["LREM", "l", "0", "zz"],
        ["LREM", "l", "x", "a"], ["LREM", "nokey", "x", "a"], ["LREM", "nokey", "1", "a"],
        ["LREM", "l", "0", "x"], ["LREM", "l", "0", "y"], ["LREM", "l", "0", "b"], ["LREM", "l", "-100", "c"],
        ["EXISTS", "l"],
    ],
    "lpos": [
        ["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"], ["LPOS", "l", "c"], ["LPOS", "l", "c", "RANK", "2"],
        ["LPOS", "l", "c", "RANK", "-1"], ["LPOS", "l", "c", "RANK", "-3"], ["LPOS", "l", "c", "RANK", "4"],
        ["LPOS", "l", "c", "COUNT", "2"], ["LPOS", "l", "c", "COUNT", "0"], ["LPOS", "l", "c", "COUNT", "0", "RANK", "-1"],
        ["LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"], ["LPOS", "l", "c", "MAXLEN", "2"], ["LPOS", "l", "c", "MAXLEN", "0"],
        ["LPOS", "l", "zz", "COUNT", "1"], ["LPOS", "l", "zz"], ["LPOS", "nokey", "a"], ["LPOS", "nokey", "a", "COUNT", "0"],
        ["LPOS", "l", "c", "RANK", "0"], ["LPOS", "l", "c", "RANK", "x"], ["LPOS", "l", "c", "COUNT", "-1"],
        ["LPOS", "l", "c", "COUNT", "x"], ["LPOS", "l", "c", "MAXLEN", "-1"], ["LPOS", "l", "c", "MAXLEN", "x"],
        ["LPOS", "l", "c", "RANK"], ["LPOS", "l", "c", "FOO", "1"], ["LPOS", "nokey", "c", "RANK", "0"],
        ["LPOS", "l", "c", "RANK", "1", "RANK", "2"], ["LPOS", "l", "c", "COUNT", "1", "COUNT", "0"],
        ["LPOS", "l", "c", "RANK", "-9223372036854775807"], ["LPOS", "l", "c", "RANK", "9223372036854775807"],
        ["LPOS", "l", "c", "COUNT", "9223372036854775807"],
    ],
    "move": [
        ["RPUSH", "s", "a", "b", "c"], ["RPOPLPUSH", "s", "d"], ["LMOVE", "s", "d", "LEFT", "RIGHT"],
        ["LMOVE", "s", "d", "right", "left"], ["EXISTS", "s"], ["RPOPLPUSH", "s", "d"], ["LRANGE", "d", "0", "-1"],
        ["RPOPLPUSH", "d", "d"], ["LMOVE", "d", "d", "LEFT", "RIGHT"], ["LMOVE", "d", "d", "LEFT", "LEFT"],
        ["LRANGE", "d", "0", "-1"], ["LMOVE", "d", "e", "UP", "LEFT"], ["LMOVE", "d", "e", "LEFT", "DOWN"],
        ["LMOVE", "nokey", "e", "UP", "LEFT"], ["SET", "str", "v"], ["RPOPLPUSH", "d", "str"],
        ["RPOPLPUSH", "str", "d"], ["RPOPLPUSH", "nokey", "str"], ["LMOVE", "str", "str", "LEFT", "LEFT"],
        ["LRANGE", "d", "0", "-1"],
    ],
    "lmpop": [
        ["LMPOP", "2", "a", "b", "LEFT"], ["RPUSH", "b", "1", "2", "3"], ["LMPOP", "2", "a", "b", "LEFT"],
        ["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10"], ["EXISTS", "b"], ["LMPOP", "0", "a", "LEFT"],
        ["LMPOP", "-1", "a", "LEFT"], ["LMPOP", "x", "a", "LEFT"], ["LMPOP", "2", "a", "LEFT"],
        ["LMPOP", "1", "a", "UP"], ["LMPOP", "1", "a", "LEFT", "COUNT"], ["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
        ["LMPOP", "1", "a", "LEFT", "COUNT", "-1"], ["LMPOP", "1", "a", "LEFT", "COUNT", "x"],
        ["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"], ["LMPOP", "1", "a", "LEFT", "FOO"],
        ["RPUSH", "a", "x"], ["SET", "s", "v"], ["LMPOP", "2", "a", "s", "LEFT"], ["RPUSH", "a", "y"],
        ["LMPOP", "2", "s", "a", "LEFT"], ["LMPOP", "3", "nokey", "a", "s", "left", "count", "5"],
        ["LMPOP", "99999999999999999999", "a", "LEFT"],
    ],
    "blocking_at_once": [
        ["RPUSH", "l", "1", "2", "3", "4"], ["BLPOP", "nokey", "l", "0"], ["BRPOP", "l", "nokey", "0.01"],
        ["BLMPOP", "0", "2", "nokey", "l", "LEFT", "COUNT", "1"], ["BRPOPLPUSH", "l", "m", "0"],
        ["BLMOVE", "m", "l", "LEFT", "RIGHT", "0"], ["LRANGE", "l", "0", "-1"], ["BLPOP", "nokey", "0.01"],
        ["BRPOP", "nokey", "0.01"], ["BLMPOP", "0.01", "1", "nokey", "LEFT"], ["BRPOPLPUSH", "nokey", "l", "0.01"],
        ["BLMOVE", "nokey", "l", "LEFT", "LEFT", "0.01"],
        ["BLPOP", "l", "x"], ["BLPOP", "l", "-1"], ["BLPOP", "l", "-0.5"], ["BLPOP", "l", "inf"],
        ["BLPOP", "l", "nan"], ["BLPOP", "l", "1e400"], ["BLPOP", "l", "0x10"], ["BLPOP", "l", ""],
        ["BRPOPLPUSH", "l", "m", "x"], ["BLMOVE", "l", "m", "UP", "LEFT", "x"], ["BLMOVE", "l", "m", "LEFT", "LEFT", "x"],
        ["BLMPOP", "x", "1", "l", "LEFT"], ["BLMPOP", "x", "0", "l", "LEFT"], ["BLMPOP", "0", "1", "l", "UP"],
        ["BLMPOP", "-1", "1", "l", "LEFT"], ["BLMPOP", "0", "2", "l", "LEFT"],
        ["SET", "s", "v"], ["BLPOP", "nokey", "s", "l", "0"], ["BLPOP", "l", "s", "0"], ["BRPOPLPUSH", "nokey", "s", "0.01"],
        ["BLMOVE", "s", "l", "LEFT", "LEFT", "0"], ["RPUSH", "l", "v"], ["BLMOVE", "l", "s", "LEFT", "LEFT", "0"],
        ["LRANGE", "l", "0", "-1"],
    ],
    "arity": [
        ["LPUSH", "k"], ["RPUSH"], ["LPUSHX", "k"], ["RPUSHX", "k"], ["LPOP"], ["RPOP"], ["LLEN"],
        ["LLEN", "a", "b"], ["LINDEX", "k"], ["LINDEX", "k", "1", "2"], ["LSET", "k", "0"], ["LRANGE", "k", "0"],
        ["LTRIM", "k", "0"], ["LINSERT", "k", "BEFORE", "a"], ["LREM", "k", "0"], ["LPOS", "k"], ["RPOPLPUSH", "a"],
        ["RPOPLPUSH", "a", "b", "c"], ["LMOVE", "a", "b", "LEFT"], ["LMPOP", "1", "a"], ["BLPOP", "a"], ["BRPOP", "a"],
        ["BRPOPLPUSH", "a", "b"], ["BLMOVE", "a", "b", "LEFT", "LEFT"], ["BLMPOP", "0", "1", "a"],
    ],
    "generic": [
        ["RPUSH", "l", "a", "b"], ["TYPE", "l"], ["EXPIRE", "l", "100"], ["TTL", "l"], ["PERSIST", "l"], ["TTL", "l"],
        ["RENAME", "l", "l2"], ["LRANGE", "l2", "0", "-1"], ["RENAMENX", "l2", "l2"], ["EXISTS", "l", "l2"],
        ["DEL", "l2"], ["TYPE", "l2"], ["RPUSH", "x", "1"], ["SET", "x", "v"], ["TYPE", "x"], ["LLEN", "x"],
        ["GETRANGE", "x", "0", "-1"], ["RPUSH", "y", "1"], ["INCR", "y"], ["APPEND", "y", "z"], ["STRLEN", "y"],
        ["GETDEL", "y"], ["MSET", "y", "v"], ["TYPE", "y"],
    ],
}


def random_script(rng, n):
    """n random list commands over a few keys, elements from a small alphabet (so matches are
    common) and long lists (so ranges, trims and removals cross chunks)."""
    keys = ["k1", "k2", "k3"]
    elems = ["a", "b", "c", "1", "2", "-3", "0", "x" * 40, "long-%d" % 7]

    def e():
        return rng.choice(elems)

    def i(span=60):
        return str(rng.randint(-span, span))

    out = []
    for _ in range(n):
        k, k2 = rng.choice(keys), rng.choice(keys)
        op = rng.randrange(17)
        if op < 3:
            out.append([rng.choice(["LPUSH", "RPUSH"]), k] + [e() for _ in range(rng.randint(1, 300))])
        elif op == 3:
            out.append([rng.choice(["LPUSHX", "RPUSHX"]), k, e()])
        elif op == 4:
            out.append([rng.choice(["LPOP", "RPOP"]), k] + ([str(rng.randint(0, 50))] if rng.random() < .5 else []))
        elif op == 5:
            out.append(["LINDEX", k, i(400)])
        elif op == 6:
            out.append(["LSET", k, i(400), e()])
        elif op == 7:
            out.append(["LRANGE", k, i(400), i(400)])
        elif op == 8:
            out.append(["LTRIM", k, i(30), str(rng.randint(-5, 900))])
        elif op == 9:
            out.append(["LINSERT", k, rng.choice(["BEFORE", "AFTER"]), e(), e()])
        elif op == 10:
            out.append(["LREM", k, i(5), e()])
        elif op == 11:
            cmd = ["LPOS", k, e()]
            if rng.random() < .5:
                cmd += ["RANK", rng.choice(["1", "2", "-1", "-4"])]
            if rng.random() < .5:
                cmd += ["COUNT", str(rng.randint(0, 5))]
            if rng.random() < .3:
                cmd += ["MAXLEN", str(rng.randint(0, 300))]
            out.append(cmd)
        elif op == 12:
            out.append(["RPOPLPUSH", k, k2])
        elif op == 13:
            out.append(["LMOVE", k, k2, rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])])
        elif op == 14:
            out.append(["LMPOP", "2", k, k2, rng.choice(["LEFT", "RIGHT"]), "COUNT", str(rng.randint(1, 40))])
        elif op == 15:
            out.append(["LLEN", k])
        else:
            out.append(["LRANGE", k, "0", "-1"])
    return out + [["LRANGE", k, "0", "-1"] for k in keys]


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class ListsLikeRedis(unittest.TestCase):
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

    def compare(self, name, script):
        self.k.flushall()
        self.r.flushall()
        for n, cmd in enumerate(script):
            want = reply_of(self.r, cmd)
            got = reply_of(self.k, cmd)
            self.assertEqual(got, want, "%s #%d %r" % (name, n, cmd[:8]))

    def test_lists_scripts_like_redis(self):
        for name, script in SCRIPTS.items():
            with self.subTest(script=name):
                self.compare(name, script)

    def test_lists_random_sequences_like_redis(self):
        for seed in (1, 2, 3):
            self.compare("random seed %d" % seed, random_script(random.Random(seed), 600))


if __name__ == "__main__":
    unittest.main()
