"""test_maps_compat.py -- maps.so's hash commands reply exactly as redis-server does.

Runs the same command scripts against keel-server and a real redis-server (when one is on
PATH) and compares every reply: values, integers, nils and error texts.  Replies whose order
Redis does not define (HGETALL, HKEYS, HVALS) are compared sorted.  Keel's own behaviour (maps
are namespaces, nested maps, names Keel refuses) is tested in test_maps.py.
"""
import shutil
import unittest

import socket

from keel_harness import KeelServer, RedisServer, RespReader, raw_client, reply_of, resp_command

# Each script runs after FLUSHALL; every reply is compared.
SCRIPTS = {
    "hset_family": [
        ["HSET", "h", "f", "v"], ["HSET", "h", "f", "v2", "g", "w"], ["HGET", "h", "f"], ["HGET", "h", "g"],
        ["HSETNX", "h", "f", "x"], ["HSETNX", "h", "n", "y"], ["HGET", "h", "n"], ["HMSET", "h", "a", "1", "b", "2"],
        ["HSET", "h"], ["HSET", "h", "f"], ["HSET", "h", "f", "v", "g"], ["HMSET", "h", "f"],
        ["HMSET", "h", "f", "v", "g"], ["HSETNX", "h", "f"], ["HSETNX", "h", "f", "v", "x"], ["HGET", "nokey", "f"],
        ["HGET", "h", "nofield"], ["HMGET", "h", "f", "nofield", "a"], ["HMGET", "nokey", "a", "b"], ["HMGET", "h"],
        ["HEXISTS", "h", "f"], ["HEXISTS", "h", "nofield"], ["HEXISTS", "nokey", "f"], ["HSTRLEN", "h", "f"],
        ["HSTRLEN", "h", "nofield"], ["HSTRLEN", "nokey", "f"], ["HLEN", "h"], ["HLEN", "nokey"], ["TYPE", "h"],
        ["HSET", "h", "", "empty field name"], ["HGET", "h", ""], ["HSET", "h", "e", ""], ["HGET", "h", "e"],
        ["HSTRLEN", "h", "e"], ["HEXISTS", "h", "e"], ["HLEN", "h"],
    ],
    "numbers_round_trip": [
        ["HSET", "h", "i", "42", "z", "042", "m", "-0", "p", "+1", "r", "1.50", "s", "1.5", "b", "18446744073709551616",
         "e", "1e3", "n", "-9223372036854775808"],
        ["HMGET", "h", "i", "z", "m", "p", "r", "s", "b", "e", "n"],
        ["HSTRLEN", "h", "z"], ["HSTRLEN", "h", "i"], ["HSTRLEN", "h", "n"],
    ],
    "hdel": [
        ["HSET", "h", "f", "1", "a", "2", "b", "3", "n", "4"], ["HDEL", "h", "f"], ["HDEL", "h", "f"],
        ["HDEL", "h", "a", "b", "nosuch", "a"], ["EXISTS", "h"], ["HLEN", "h"], ["HDEL", "h", "n"], ["EXISTS", "h"],
        ["HLEN", "h"], ["HGETALL", "h"], ["HDEL", "nokey", "f"], ["HDEL", "h"], ["TYPE", "h"],
    ],
    "hincrby": [
        ["HINCRBY", "h", "n", "5"], ["HINCRBY", "h", "n", "-10"], ["HGET", "h", "n"], ["HINCRBY", "h", "n", "abc"],
        ["HINCRBY", "h", "n", "1.5"], ["HINCRBY", "h", "n", ""], ["HINCRBY", "h", "n", " 1"], ["HSET", "h", "s", "hello"],
        ["HINCRBY", "h", "s", "1"], ["HINCRBY", "h", "big", "9223372036854775807"], ["HINCRBY", "h", "big", "1"],
        ["HINCRBY", "h", "big", "0"], ["HINCRBY", "h", "neg", "-9223372036854775808"], ["HINCRBY", "h", "neg", "-1"],
        ["HSET", "h", "lz", "012"], ["HINCRBY", "h", "lz", "1"], ["HSET", "h", "fl", "1.5"], ["HINCRBY", "h", "fl", "1"],
        ["HSET", "h", "sp", " 1"], ["HINCRBY", "h", "sp", "1"], ["HSET", "h", "u", "18446744073709551615"],
        ["HINCRBY", "h", "u", "1"], ["HINCRBY", "h", "n", "9223372036854775808"], ["HINCRBY", "nokey", "x", "7"],
        ["HGET", "nokey", "x"], ["HINCRBY", "h", "n"], ["HINCRBY", "h", "n", "1", "2"],
    ],
    "hincrbyfloat": [
        ["HINCRBYFLOAT", "h", "f", "10.5"], ["HINCRBYFLOAT", "h", "f", "0.1"], ["HINCRBYFLOAT", "h", "f", "-5.0e3"],
        ["HGET", "h", "f"], ["HINCRBYFLOAT", "h", "f", "abc"], ["HINCRBYFLOAT", "h", "f", ""],
        ["HINCRBYFLOAT", "h", "f", " 1"], ["HINCRBYFLOAT", "h", "f", "nan"], ["HINCRBYFLOAT", "h", "f", "inf"],
        ["HINCRBYFLOAT", "h", "f", "1e400"], ["HGET", "h", "f"], ["HSET", "h", "s", "hello"],
        ["HINCRBYFLOAT", "h", "s", "1"], ["HSET", "h", "i", "3"], ["HINCRBYFLOAT", "h", "i", "1.5"],
        ["HINCRBYFLOAT", "h", "i", "-4.5"], ["HGET", "h", "i"], ["HINCRBYFLOAT", "h", "z", "0"],
        ["HINCRBYFLOAT", "h", "z", "-0"], ["HGET", "h", "z"], ["HINCRBYFLOAT", "h", "t", "3.0000000000000000001"],
        ["HINCRBYFLOAT", "h", "t", "1.23e-5"], ["HSET", "h", "x", "0x10"], ["HINCRBYFLOAT", "h", "x", "1"],
        ["HINCRBYFLOAT", "h", "f"],
    ],
    "wrongtype": [
        ["SET", "s", "v"], ["HSET", "s", "f", "v"], ["HSETNX", "s", "f", "v"], ["HMSET", "s", "f", "v"],
        ["HGET", "s", "f"], ["HMGET", "s", "f"], ["HEXISTS", "s", "f"], ["HSTRLEN", "s", "f"], ["HDEL", "s", "f"],
        ["HLEN", "s"], ["HKEYS", "s"], ["HVALS", "s"], ["HGETALL", "s"], ["HINCRBY", "s", "f", "1"],
        ["HINCRBYFLOAT", "s", "f", "1"], ["HSCAN", "s", "0"], ["HRANDFIELD", "s"], ["HRANDFIELD", "s", "2"],
        ["GET", "s"],
    ],
    "whole_map": [
        ["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "hello world", "e", ""], ["HGETALL", "h"], ["HKEYS", "h"],
        ["HVALS", "h"], ["HGETALL", "nokey"], ["HKEYS", "nokey"], ["HVALS", "nokey"], ["HLEN", "h"],
        ["HGETALL", "h", "x"], ["HKEYS"], ["HVALS", "h", "x"], ["HLEN"],
    ],
    "hscan_args": [
        ["HSET", "h", "a", "1", "b", "2"], ["HSCAN", "nokey", "0"], ["HSCAN", "h", "abc"], ["HSCAN", "h", "1x"],
        ["HSCAN", "h", "0", "COUNT", "0"], ["HSCAN", "h", "0", "COUNT", "abc"], ["HSCAN", "h", "0", "COUNT", "-1"],
        ["HSCAN", "h", "0", "MATCH"], ["HSCAN", "h", "0", "FOO", "bar"], ["HSCAN", "h"],
        ["HSCAN", "h", "0", "MATCH", "zz*"],
    ],
    "hrandfield_args": [
        ["HSET", "h", "a", "1"], ["HRANDFIELD", "nokey"], ["HRANDFIELD", "nokey", "5"],
        ["HRANDFIELD", "nokey", "5", "WITHVALUES"], ["HRANDFIELD", "h", "0"], ["HRANDFIELD", "h", "0", "WITHVALUES"],
        ["HRANDFIELD", "h", "abc"], ["HRANDFIELD", "h", "1", "WITHVALUE"], ["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
        ["HRANDFIELD", "h"], ["HRANDFIELD", "h", "1"], ["HRANDFIELD", "h", "5"], ["HRANDFIELD", "h", "-3"],
        ["HRANDFIELD", "h", "2", "WITHVALUES"], ["HRANDFIELD", "h", "-2", "WITHVALUES"], ["HRANDFIELD"],
    ],
}

# Commands whose reply order Redis leaves open: compared as sorted lists (HGETALL: as pairs).
UNORDERED = {"HGETALL", "HKEYS", "HVALS"}


def normalized(cmd, reply):
    kind, value = reply
    if kind != "ok" or cmd[0].upper() not in UNORDERED or not isinstance(value, list):
        return reply
    if cmd[0].upper() == "HGETALL":
        return kind, sorted(zip(value[0::2], value[1::2]))
    return kind, sorted(value)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class MapsLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings", "maps"]).start()
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

    def run_script(self, name):
        self.k.flushall()
        self.r.flushall()
        for cmd in SCRIPTS[name]:
            want = normalized(cmd, reply_of(self.r, cmd))
            got = normalized(cmd, reply_of(self.k, cmd))
            self.assertEqual(got, want, "%s: %r" % (name, cmd))

    def raw_bytes(self, port, resp3, *cmds):
        """The exact bytes of each reply to cmds, on a fresh connection in RESP2 or RESP3."""
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        try:
            rd = RespReader(s)
            if resp3:
                s.sendall(resp_command("HELLO", "3"))
                rd.reply()
            out = []
            for cmd in cmds:
                s.sendall(resp_command(*cmd))
                out.append(rd.reply())
            return out
        finally:
            s.close()

    def test_maps_compat_hrandfield_withvalues_pairs_in_resp3(self):
        # one field: the random picks are all the same, so the bytes must match exactly
        cmds = [("DEL", "h1"), ("HSET", "h1", "f", "v"), ("HRANDFIELD", "h1", "1", "WITHVALUES"),
                ("HRANDFIELD", "h1", "-3", "WITHVALUES"), ("HRANDFIELD", "h1", "5", "WITHVALUES"),
                ("HRANDFIELD", "h1", "0", "WITHVALUES"), ("HRANDFIELD", "nokey", "-2", "WITHVALUES"),
                ("HRANDFIELD", "h1", "-2")]
        for resp3 in (False, True):
            want = self.raw_bytes(self.redis.port, resp3, *cmds)
            got = self.raw_bytes(self.keel.port, resp3, *cmds)
            self.assertEqual(got, want, "RESP%d" % (3 if resp3 else 2))

    def test_maps_compat_hset_family(self):
        self.run_script("hset_family")

    def test_maps_compat_numbers_round_trip(self):
        self.run_script("numbers_round_trip")

    def test_maps_compat_hdel_deletes_emptied_map(self):
        self.run_script("hdel")

    def test_maps_compat_hincrby(self):
        self.run_script("hincrby")

    def test_maps_compat_hincrbyfloat(self):
        self.run_script("hincrbyfloat")

    def test_maps_compat_wrongtype(self):
        self.run_script("wrongtype")

    def test_maps_compat_whole_map(self):
        self.run_script("whole_map")

    def test_maps_compat_hscan_arguments(self):
        self.run_script("hscan_args")

    def test_maps_compat_hrandfield_arguments(self):
        self.run_script("hrandfield_args")

    def test_maps_compat_hscan_walk_returns_every_field(self):
        """A full HSCAN walk gives the same fields and values as Redis (Keel may split it into
        more calls); MATCH filters the same way."""
        fields = {("f%d" % i).encode(): str(i * 7).encode() for i in range(3000)}
        for c in (self.k, self.r):
            c.flushall()
            c.execute_command("HSET", "h", *[x for kv in fields.items() for x in kv])
        for match in (None, "f1*", "f[2-3]?", "*9"):
            seen = []
            for c in (self.k, self.r):
                cursor, got = b"0", {}
                while True:
                    args = ["HSCAN", "h", cursor] + (["MATCH", match] if match else []) + ["COUNT", "100"]
                    cursor, items = c.execute_command(*args)
                    got.update(zip(items[0::2], items[1::2]))
                    if cursor == b"0":
                        break
                seen.append(got)
            self.assertEqual(seen[0], seen[1], "MATCH %r" % match)


if __name__ == "__main__":
    unittest.main()
