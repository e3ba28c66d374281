"""test_notify_compat.py -- keyspace notifications as redis-server 7.0 sends them: the same command
sequences run against both servers with notify-keyspace-events "AKEnm" (every class, both
channel kinds, new keys and misses), a raw RESP2 subscriber on __key*__:* collecting each
command's (channel, message) pairs (up to a barrier of PINGs after the command's reply), and the
pairs of every command compared exactly, in order.

Commands over several keys that Keel runs shard by shard (MSET, DEL k1 k2, SINTERSTORE ...) are
compared as sorted lists: Redis sends their events in argument order, Keel in the order its process
visits the keys' shards; each key's own events keep their order.
"""
import shutil
import socket
import unittest

from keel_harness import KeelServer, RedisServer, RespReader, have_module, resp_command

UNORDERED = {"MSET", "MSETNX", "DEL", "UNLINK", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE",
             "PFMERGE", "MGET", "EXISTS", "SINTER", "SUNION", "SDIFF", "SINTERCARD"}

GENERIC = [
    ["SET", "a", "1"], ["SET", "a", "2"], ["DEL", "a", "nokey"], ["SET", "b", "1"],
    ["EXPIRE", "b", "100"], ["PEXPIRE", "b", "100000"], ["EXPIRE", "b", "100", "NX"],
    ["PERSIST", "b"], ["PERSIST", "b"], ["EXPIRE", "b", "-1"], ["EXPIRE", "nokey", "10"],
    ["SET", "c", "1"], ["RENAME", "c", "d"], ["SET", "e", "1"], ["RENAME", "e", "d"],
    ["RENAMENX", "d", "e"], ["SET", "x", "1"], ["RENAMENX", "e", "x"], ["RENAME", "nokey", "zz"],
    ["COPY", "x", "y"], ["COPY", "x", "y"], ["COPY", "x", "y", "REPLACE"], ["COPY", "x", "y", "DB", "2"],
    ["MOVE", "y", "3"], ["SET", "y", "2"], ["MOVE", "y", "3"], ["GET", "nokey"], ["GET", "x"],
    ["EXISTS", "nokey"], ["TYPE", "nokey"], ["TTL", "nokey"], ["UNLINK", "x", "y"],
    ["EXPIREAT", "q", "1"], ["SET", "q", "1"], ["PEXPIREAT", "q", "1"], ["COPY", "nokey", "zz"],
    ["SET", "z", "1"], ["FLUSHDB"], ["SET", "z", "1"], ["FLUSHALL"], ["SELECT", "5"], ["SET", "in5", "1"],
    ["DEL", "in5"], ["SELECT", "0"],
]

STRINGS = [
    ["SET", "s", "v"], ["SET", "s", "w", "EX", "100"], ["SET", "s", "w", "PX", "100000", "GET"],
    ["SET", "s", "x", "KEEPTTL"], ["SET", "s", "y", "NX"], ["SET", "s", "z", "XX"], ["SET", "n", "z", "XX"],
    ["SET", "s", "e", "EX", "1000"], ["DEL", "s"], ["SETNX", "s", "1"], ["SETNX", "s", "2"], ["SETEX", "t", "100", "v"],
    ["PSETEX", "t", "100000", "v"], ["GETSET", "t", "w"], ["GETSET", "nt", "w"], ["GETDEL", "nt"],
    ["GETDEL", "nt"], ["SET", "g", "1"], ["GETEX", "g"], ["GETEX", "g", "EX", "100"],
    ["GETEX", "g", "PERSIST"], ["GETEX", "g", "PXAT", "1"], ["GETEX", "nokey", "EX", "1"],
    ["MSET", "m1", "1", "m2", "2", "m1", "3"], ["MSETNX", "m3", "1", "m4", "2"], ["MSETNX", "m3", "1", "m5", "2"],
    ["MGET", "m1", "nokey"], ["APPEND", "ap", "x"], ["APPEND", "ap", "yz"], ["SETRANGE", "ap", "1", "QQ"],
    ["SETRANGE", "sr", "3", "a"], ["SETRANGE", "sr2", "0", ""], ["SETRANGE", "ap", "0", ""],
    ["INCR", "i"], ["INCRBY", "i", "5"], ["DECR", "i"], ["DECRBY", "i", "2"], ["INCRBYFLOAT", "i", "1.5"],
    ["INCR", "ap"], ["GET", "i"], ["STRLEN", "nokey"], ["GETRANGE", "nokey", "0", "1"],
]

LISTS = [
    ["LPUSH", "l", "a", "b"], ["RPUSH", "l", "c"], ["LPUSHX", "l", "d"], ["RPUSHX", "l", "e"],
    ["LPUSHX", "nol", "d"], ["LINSERT", "l", "BEFORE", "a", "x"], ["LINSERT", "l", "AFTER", "nope", "y"],
    ["LSET", "l", "0", "z"], ["LRANGE", "l", "0", "-1"], ["LREM", "l", "1", "x"], ["LREM", "l", "1", "nope"],
    ["LTRIM", "l", "0", "2"], ["LPOP", "l"], ["RPOP", "l"], ["LPOP", "l", "5"], ["LPOP", "l"],
    ["RPUSH", "l", "1", "2", "3", "4"], ["LTRIM", "l", "5", "10"], ["RPUSH", "l", "1", "2", "3"],
    ["LMOVE", "l", "l2", "LEFT", "RIGHT"], ["RPOPLPUSH", "l", "l2"], ["LMOVE", "l", "l", "LEFT", "LEFT"],
    ["LMOVE", "l", "l2", "RIGHT", "LEFT"], ["LMOVE", "nol", "l2", "RIGHT", "LEFT"],
    ["BLPOP", "nol", "l2", "1"], ["BRPOP", "l2", "1"], ["BLMOVE", "l2", "l3", "LEFT", "LEFT", "1"],
    ["LMPOP", "2", "nol", "l3", "LEFT"], ["LINDEX", "nol", "0"], ["LLEN", "nol"],
    ["RPUSH", "l4", "a", "b", "c"], ["LREM", "l4", "0", "a"], ["LREM", "l4", "0", "b"], ["LREM", "l4", "0", "c"],
]

SETS = [
    ["SADD", "s1", "a", "b", "c"], ["SADD", "s1", "a"], ["SREM", "s1", "a"], ["SREM", "s1", "zz"],
    ["SADD", "s2", "b", "d"], ["SMOVE", "s1", "s2", "b"], ["SMOVE", "s1", "s3", "c"], ["SMOVE", "s1", "s3", "c"],
    ["SINTERSTORE", "dst", "s2", "s3"], ["SADD", "s3", "b"], ["SINTERSTORE", "dst", "s2", "s3"],
    ["SUNIONSTORE", "dst", "s2", "s3"], ["SDIFFSTORE", "dst", "s2", "s3"], ["SDIFFSTORE", "dst", "s3", "s3"],
    ["SINTERSTORE", "dst", "nokey", "s2"], ["SUNIONSTORE", "dst", "nokey", "s2", "nokey2"],
    ["SINTER", "nokey", "s2"], ["SDIFF", "nokey", "s2"], ["SINTERCARD", "2", "nokey", "s2"],
    ["SREM", "s3", "c"], ["SUNION", "s3", "nokey"], ["SPOP", "s3"], ["SADD", "p", "a"], ["SPOP", "p", "5"],
    ["SADD", "p", "1", "2", "3"], ["SPOP", "p", "0"], ["SISMEMBER", "nokey", "a"], ["SCARD", "nokey"],
    ["SREM", "s2", "b", "c", "d"],
]

HASHES = [
    ["HSET", "h", "f", "1", "g", "2"], ["HSET", "h", "f", "3"], ["HSETNX", "h", "f", "4"],
    ["HSETNX", "h", "n", "4"], ["HMSET", "h", "a", "1"], ["HINCRBY", "h", "f", "2"],
    ["HINCRBYFLOAT", "h", "f", "0.5"], ["HDEL", "h", "zz"], ["HDEL", "h", "f", "g"], ["HGET", "h", "zz"],
    ["HGET", "nokey", "f"], ["HGETALL", "nokey"], ["HLEN", "nokey"], ["HDEL", "h", "n", "a"],
    ["HINCRBY", "h2", "x", "1"],
]

HLL = [
    ["PFADD", "hl", "a", "b"], ["PFADD", "hl", "a"], ["PFADD", "hl2"], ["PFADD", "hl2"], ["PFADD", "hl3", "z"],
    ["PFMERGE", "hl4", "hl", "hl3"], ["PFMERGE", "hl4"], ["PFMERGE", "hl5", "nokey"], ["PFCOUNT", "nokey"],
]

ZSETS = [
    ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "5", "a"],
    ["ZADD", "z", "XX", "1", "new"], ["ZADD", "z", "NX", "9", "a"], ["ZADD", "z", "GT", "0", "a"],
    ["ZINCRBY", "z", "1", "b"], ["ZINCRBY", "z", "0", "b"], ["ZADD", "z", "INCR", "2", "c"],
    ["ZREM", "z", "zz"], ["ZREM", "z", "a"], ["ZADD", "z2", "1", "x", "2", "y", "3", "w"],
    ["ZREMRANGEBYRANK", "z2", "0", "0"], ["ZREMRANGEBYSCORE", "z2", "9", "10"],
    ["ZREMRANGEBYSCORE", "z2", "2", "2"], ["ZREMRANGEBYLEX", "z2", "[w", "[w"],
    ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "0"], ["ZPOPMAX", "z", "5"], ["ZPOPMIN", "nokey"],
    ["ZADD", "z3", "1", "a", "2", "b"], ["ZADD", "z4", "2", "b", "3", "c"],
    ["ZUNIONSTORE", "zu", "2", "z3", "z4"], ["ZINTERSTORE", "zi", "2", "z3", "z4"],
    ["ZDIFFSTORE", "zd", "2", "z3", "z4"], ["ZINTERSTORE", "zi", "2", "z3", "nokey"],
    ["ZDIFFSTORE", "zd", "1", "nokey"], ["ZRANGESTORE", "zr", "z3", "0", "-1"],
    ["ZRANGESTORE", "zr", "z3", "5", "9"], ["ZMPOP", "2", "nokey", "z4", "MIN", "COUNT", "5"],
    ["BZPOPMIN", "z3", "1"], ["BZPOPMAX", "z3", "1"], ["ZSCORE", "nokey", "a"], ["ZCARD", "nokey"],
    ["ZRANGE", "nokey", "0", "-1"],
]


def bulk_strings(frame):
    """The bulk strings of a raw RESP2 array of bulk strings (a pub/sub message)."""
    parts, rest = [], frame.split(b"\r\n", 1)[1]
    while rest:
        head, rest = rest.split(b"\r\n", 1)
        n = int(head[1:])
        parts.append(rest[:n])
        rest = rest[n + 2:]
    return parts


def drain(sub, reader):
    """The (channel, message) pairs published before this call.  Two PINGs on the subscriber make
    the barrier: Keel delivers a message handed to the subscriber's thread before the first PING
    was sent in the loop turn that reads that PING at the latest, so ahead of the second PING's
    answer (a marker PUBLISHed by another connection could overtake it on the subscriber's own
    thread)."""
    events = []
    for _ in range(2):
        sub.sendall(resp_command("PING"))
        while True:
            frame = bulk_strings(reader.reply())
            if frame[0] == b"pong":
                break
            events.append((frame[2], frame[3]))
    return events


def collect(port, commands, setup=()):
    """Each command's reply and the (channel, message) pairs its events published (after the
    setup commands, whose replies are not kept)."""
    sub = socket.create_connection(("127.0.0.1", port), timeout=60)
    sub_reader = RespReader(sub)
    cmd = socket.create_connection(("127.0.0.1", port), timeout=60)
    cmd_reader = RespReader(cmd)
    for args in [["FLUSHALL"], ["CONFIG", "SET", "notify-keyspace-events", "AKEnm"]] + list(setup):
        cmd.sendall(resp_command(*args))
        cmd_reader.reply()
    sub.sendall(resp_command("PSUBSCRIBE", "__key*__:*"))
    sub_reader.reply()
    out = []
    for args in commands:
        cmd.sendall(resp_command(*args))
        reply = cmd_reader.reply()
        events = drain(sub, sub_reader)
        if args[0] in UNORDERED:
            events.sort()
        out.append((args, reply, events))
    cmd.sendall(resp_command("CONFIG", "SET", "notify-keyspace-events", ""))
    cmd_reader.reply()
    sub.close()
    cmd.close()
    return out


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class NotifyCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.keel = KeelServer(threads=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def compare(self, commands, keel_setup=()):
        want = collect(self.redis.port, commands)
        got = collect(self.keel.port, commands, keel_setup)
        for w, g in zip(want, got):
            self.assertEqual(g, w)
        self.assertEqual(len(got), len(want))

    def test_notify_compat_generic(self):
        self.compare(GENERIC)

    @unittest.skipUnless(have_module("strings"), "strings.so is not built")
    def test_notify_compat_strings(self):
        self.compare(STRINGS)

    @unittest.skipUnless(have_module("lists"), "lists.so is not built")
    def test_notify_compat_lists(self):
        self.compare(LISTS)

    @unittest.skipUnless(have_module("sets"), "sets.so is not built")
    def test_notify_compat_sets(self):
        self.compare(SETS)

    @unittest.skipUnless(have_module("maps"), "maps.so is not built")
    def test_notify_compat_hashes(self):
        self.compare(HASHES)

    @unittest.skipUnless(have_module("hll"), "hll.so is not built")
    def test_notify_compat_hll(self):
        self.compare(HLL, [["HLL.MERGEREPLY", "OK"]])   # Redis's PFMERGE reply

    @unittest.skipUnless(have_module("zsets"), "zsets.so is not built")
    def test_notify_compat_zsets(self):
        self.compare(ZSETS)


if __name__ == "__main__":
    unittest.main()
