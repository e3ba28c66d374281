"""test_sets_compat.py -- sets.so replies as redis-server does.

Runs the same command scripts, and a few thousand random set commands, against keel-server (2
threads, so multi-key commands cross threads) and a real redis-server (when one is on PATH), and
compares every reply: integers, nils, error texts, and members.  Redis returns members in no
particular order and Keel sorted, so member lists compare as sorted lists; replies chosen at
random (SPOP/SRANDMEMBER with a count below the size) compare by size and by the state they
leave.
"""
import random
import shutil
import unittest

from keel_harness import KeelServer, RedisServer, raw_client, reply_of

# Commands whose successful reply is a collection of members (compared sorted).
MEMBER_REPLIES = {"SMEMBERS", "SINTER", "SUNION", "SDIFF"}

# Each script runs after FLUSHALL; every reply is compared.
SCRIPTS = {
    "add_remove": [
        ["SADD", "s", "a", "b", "c", "a"], ["SADD", "s", "c", "d"], ["SCARD", "s"], ["SCARD", "nokey"],
        ["SISMEMBER", "s", "a"], ["SISMEMBER", "s", "z"], ["SISMEMBER", "nokey", "a"],
        ["SMISMEMBER", "s", "a", "z", "d"], ["SMISMEMBER", "nokey", "a"], ["SREM", "s", "a", "z"],
        ["SREM", "nokey", "a"], ["SMEMBERS", "s"], ["SREM", "s", "b", "c", "d"], ["EXISTS", "s"],
        ["SMEMBERS", "s"], ["SADD", "n", "1", "01", "1.0", "-0", "+1", " 1", "", "18446744073709551616"],
        ["SCARD", "n"], ["SISMEMBER", "n", "01"], ["SMEMBERS", "n"], ["SREM", "n", "1"], ["SISMEMBER", "n", "1"],
    ],
    "algebra": [
        ["SADD", "a", "1", "2", "3", "4", "x", "y"], ["SADD", "b", "3", "4", "5", "y", "z"],
        ["SADD", "c", "4", "y", "q"], ["SINTER", "a", "b"], ["SINTER", "a", "b", "c"], ["SINTER", "a", "nokey"],
        ["SINTER", "nokey", "a"], ["SUNION", "a", "b"], ["SUNION", "nokey"], ["SDIFF", "a", "b"],
        ["SDIFF", "a", "b", "c"], ["SDIFF", "nokey", "a"], ["SDIFF", "a", "nokey"], ["SDIFF", "a", "a"],
        ["SINTERSTORE", "d", "a", "b"], ["SMEMBERS", "d"], ["SUNIONSTORE", "d", "a", "b", "c"],
        ["SMEMBERS", "d"], ["SDIFFSTORE", "d", "a", "b"], ["SMEMBERS", "d"], ["SUNIONSTORE", "a", "a", "b"],
        ["SMEMBERS", "a"], ["SINTERSTORE", "d", "a", "nokey"], ["EXISTS", "d"], ["SET", "d", "str"],
        ["SUNIONSTORE", "d", "c"], ["TYPE", "d"], ["SDIFFSTORE", "e", "nokey", "a"], ["EXISTS", "e"],
        ["SINTERCARD", "2", "a", "b"], ["SINTERCARD", "2", "a", "b", "LIMIT", "2"],
        ["SINTERCARD", "2", "a", "b", "LIMIT", "0"], ["SINTERCARD", "1", "nokey"],
        ["SINTERCARD", "3", "a", "b", "c", "LIMIT", "100"],
    ],
    "move": [
        ["SADD", "a", "m1", "m2"], ["SMOVE", "a", "b", "m1"], ["SMOVE", "a", "b", "m1"], ["SMEMBERS", "b"],
        ["SMOVE", "a", "b", "m2"], ["EXISTS", "a"], ["SMOVE", "b", "b", "m1"], ["SMOVE", "b", "b", "zz"],
        ["SMOVE", "nokey", "b", "m1"], ["SET", "str", "v"], ["SMOVE", "nokey", "str", "m1"],
        ["SMOVE", "b", "str", "m1"], ["SMOVE", "str", "b", "m1"], ["SMEMBERS", "b"],
    ],
    "random": [
        ["SADD", "s", "a"], ["SRANDMEMBER", "s"], ["SRANDMEMBER", "s", "5"], ["SRANDMEMBER", "s", "-3"],
        ["SRANDMEMBER", "s", "0"], ["SRANDMEMBER", "nokey"], ["SRANDMEMBER", "nokey", "2"],
        ["SRANDMEMBER", "nokey", "-2"], ["SPOP", "nokey"], ["SPOP", "nokey", "2"], ["SPOP", "s", "0"],
        ["SPOP", "s", "5"], ["EXISTS", "s"], ["SADD", "s", "b"], ["SPOP", "s"], ["EXISTS", "s"],
        ["SPOP", "s", "-1"], ["SPOP", "s", "x"], ["SPOP", "s", "1", "2"], ["SRANDMEMBER", "s", "x"],
        ["SRANDMEMBER", "s", "1", "2"], ["SRANDMEMBER", "s", "-9223372036854775808"],
        ["SADD", "t", "x"], ["SRANDMEMBER", "t", "-9223372036854775807" if False else "-3"],
    ],
    "scan_errors": [
        ["SADD", "s", "a", "b"], ["SSCAN", "s", "x"], ["SSCAN", "s", "0", "COUNT", "0"],
        ["SSCAN", "s", "0", "COUNT", "-1"], ["SSCAN", "s", "0", "COUNT", "x"], ["SSCAN", "s", "0", "FOO"],
        ["SSCAN", "s", "0", "MATCH"], ["SSCAN", "s", "18446744073709551616"], ["SSCAN", "nokey", "0"],
        ["SSCAN", "nokey", "x"],
    ],
    "intercard_errors": [
        ["SADD", "s", "a"], ["SINTERCARD", "0", "s"], ["SINTERCARD", "-1", "s"], ["SINTERCARD", "3", "s"],
        ["SINTERCARD", "x", "s"], ["SINTERCARD", "1", "s", "LIMIT", "-1"], ["SINTERCARD", "1", "s", "LIMIT", "x"],
        ["SINTERCARD", "1", "s", "FOO"], ["SINTERCARD", "1", "s", "LIMIT"],
    ],
    "wrongtype": [
        ["SET", "str", "x"], ["SADD", "s", "a"], ["SADD", "str", "a"], ["SREM", "str", "a"],
        ["SISMEMBER", "str", "a"], ["SMISMEMBER", "str", "a"], ["SCARD", "str"], ["SMEMBERS", "str"],
        ["SPOP", "str"], ["SPOP", "str", "2"], ["SPOP", "str", "0"], ["SRANDMEMBER", "str"],
        ["SRANDMEMBER", "str", "2"], ["SSCAN", "str", "0"], ["SINTER", "s", "str"], ["SINTER", "nokey", "str"],
        ["SINTERCARD", "2", "s", "str"], ["SINTERSTORE", "d", "s", "str"], ["SUNION", "str", "s"],
        ["SUNIONSTORE", "d", "str"], ["SDIFF", "s", "str"], ["SDIFF", "nokey", "str"],
        ["SDIFFSTORE", "d", "s", "str"], ["GET", "str"], ["EXISTS", "d"],
    ],
    "arity": [
        ["SADD"], ["SADD", "k"], ["SREM", "k"], ["SISMEMBER", "k"], ["SISMEMBER", "k", "a", "b"],
        ["SMISMEMBER", "k"], ["SCARD"], ["SCARD", "k", "x"], ["SMEMBERS"], ["SMEMBERS", "k", "x"], ["SPOP"],
        ["SRANDMEMBER"], ["SSCAN", "k"], ["SINTER"], ["SINTERCARD", "1"], ["SINTERSTORE", "d"], ["SUNION"],
        ["SUNIONSTORE", "d"], ["SDIFF"], ["SDIFFSTORE", "d"], ["SMOVE", "a", "b"],
    ],
}


def normal(cmd, reply):
    """A reply in the form both servers must agree on."""
    kind, value = reply
    name = cmd[0].upper()
    if kind == "ok" and isinstance(value, list) and (name in MEMBER_REPLIES or name in ("SPOP", "SRANDMEMBER")):
        if name in ("SPOP", "SRANDMEMBER"):
            return kind, len(value)           # drawn at random
        return kind, sorted(value)
    if kind == "ok" and name in ("SPOP", "SRANDMEMBER") and value is not None:
        return kind, "a member"
    return kind, value


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class SetsLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings", "sets"]).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def setUp(self):
        self.k.flushall()
        self.r.flushall()

    def check(self, cmd):
        got, want = reply_of(self.k, cmd), reply_of(self.r, cmd)
        self.assertEqual(normal(cmd, got), normal(cmd, want), cmd)
        return got

    def test_sets_compat_scripts(self):
        for name, script in SCRIPTS.items():
            with self.subTest(script=name):
                self.k.flushall()
                self.r.flushall()
                for cmd in script:
                    self.check(cmd)

    def state(self, client, keys):
        out = {}
        for key in keys:
            kind = client.execute_command("TYPE", key)
            out[key] = (kind, sorted(client.execute_command("SMEMBERS", key)) if kind == b"set" else None)
        return out

    def test_sets_compat_random_commands(self):
        rnd = random.Random(4)
        keys = ["k%d" % i for i in range(8)]
        universe = [str(i) for i in range(-5, 20)] + ["m%d" % i for i in range(20)] + ["", "01", "x" * 40]
        for step in range(2500):
            name = rnd.choice(["SADD", "SADD", "SREM", "SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE",
                               "SDIFFSTORE", "SMOVE", "SPOP", "SRANDMEMBER", "SCARD", "SISMEMBER", "SMISMEMBER",
                               "SINTERCARD"])
            ks = rnd.sample(keys, rnd.randint(1, 4))
            members = rnd.sample(universe, rnd.randint(1, 6))
            if name in ("SADD", "SREM", "SMISMEMBER"):
                cmd = [name, ks[0]] + members
            elif name == "SISMEMBER":
                cmd = [name, ks[0], members[0]]
            elif name in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
                cmd = [name, rnd.choice(keys)] + ks
            elif name == "SMOVE":
                cmd = [name, ks[0], rnd.choice(keys), members[0]]
            elif name in ("SPOP", "SRANDMEMBER"):
                cmd = [name, ks[0]] + ([str(rnd.choice([0, 1, 3, 100, -2]))] if rnd.random() < 0.7 else [])
                if name == "SPOP" and len(cmd) == 3 and int(cmd[2]) < 0:
                    cmd[2] = "2"
            elif name == "SINTERCARD":
                cmd = [name, str(len(ks))] + ks + (["LIMIT", str(rnd.randint(0, 5))] if rnd.random() < 0.5 else [])
            elif name == "SCARD":
                cmd = [name, ks[0]]
            else:
                cmd = [name] + ks
            if name == "SPOP" and len(cmd) == 3 and int(cmd[2]) not in (0, 100):
                # which members go is random: make both servers pop the same ones
                got = reply_of(self.k, cmd)
                if got[0] == "ok" and got[1]:
                    popped = got[1] if isinstance(got[1], list) else [got[1]]
                    self.r.execute_command("SREM", cmd[1], *popped)
                continue
            if name == "SPOP" and len(cmd) == 2:
                got = reply_of(self.k, cmd)
                if got[1] is not None:
                    self.r.execute_command("SREM", cmd[1], got[1])
                continue
            self.check(cmd)
            if step % 100 == 99:
                self.assertEqual(self.state(self.k, keys), self.state(self.r, keys), step)
        self.assertEqual(self.state(self.k, keys), self.state(self.r, keys))

    def test_sets_compat_sscan_sees_every_member(self):
        members = ["m%d" % i for i in range(300)] + [str(i) for i in range(300)]
        self.k.execute_command("SADD", "s", *members)
        self.r.execute_command("SADD", "s", *members)
        for client in (self.keel.client(), self.redis.client()):
            self.assertEqual(sorted(client.sscan_iter("s", count=20)), sorted(m.encode() for m in members))
            self.assertEqual(sorted(client.sscan_iter("s", match="m1?", count=20)),
                             sorted(b"m1%d" % i for i in range(10)))


if __name__ == "__main__":
    unittest.main()
