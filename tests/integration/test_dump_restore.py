"""test_dump_restore.py -- DUMP and RESTORE (dump.so) in Redis 7.0's payload format.

Values move both ways between keel-server and a real redis-server (skipped when none is on PATH):
every type and every encoding Redis writes (embstr/int/raw strings, LZF-compressed strings,
quicklists, intsets, hashtable sets, listpack and skiplist sorted sets, listpack and hashtable
hashes, HyperLogLogs) is dumped by Redis and restored by Keel, and dumped by Keel and restored by
Redis, and the contents compared element by element.  Then RESTORE's options (TTL, ABSTTL,
REPLACE, IDLETIME, FREQ) and every error reply compared with Redis's for the same command, and
damaged payloads (flipped bytes with the checksum made right again) that must give an error or a
value, never a crash: the server answers PING after each.
"""
import random
import shutil
import socket
import time
import unittest

from keel_harness import (KeelServer, RedisServer, RespReader, raw_client, reply_of, resp_command,
                          wait_until)


def _crc64_table():
    poly = 0x95AC9329AC4BC9B5
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc64_table()


def crc64(data):
    crc = 0
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def refoot(body, version=10):
    """A payload of body (type byte + value) with a correct footer."""
    head = body + version.to_bytes(2, "little")
    return head + crc64(head).to_bytes(8, "little")


def contents(c, key):
    """A key's type and its contents in a comparable form, read through ordinary commands."""
    t = c.execute_command("TYPE", key)
    t = t.decode() if isinstance(t, bytes) else t
    if t == "string":
        return t, c.execute_command("GET", key)
    if t == "list":
        return t, c.execute_command("LRANGE", key, 0, -1)
    if t == "set":
        return t, sorted(c.execute_command("SMEMBERS", key))
    if t == "zset":
        flat = c.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")
        return t, [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]
    if t == "hash":
        flat = c.execute_command("HGETALL", key)
        if isinstance(flat, dict):
            return t, sorted(flat.items())
        return t, sorted(zip(flat[0::2], flat[1::2]))
    return t, None


def fill(c, rnd):
    """Writes one key of every type and size class; returns {key: Redis encoding expected}."""
    c.execute_command("SET", "s:embstr", "hello")
    c.execute_command("SET", "s:int", "12345")
    c.execute_command("SET", "s:neg", "-70000")
    c.execute_command("SET", "s:bin", bytes(range(256)))
    c.execute_command("SET", "s:empty", "")
    c.execute_command("SET", "s:lzf", "abc" * 2000)             # compressed by Redis
    c.execute_command("SET", "s:big", rnd.randbytes(300000))     # incompressible, 300 KB
    c.execute_command("RPUSH", "l:small", "a", "", "1", "-5", "x" * 70, b"\x00\xff")
    c.execute_command("RPUSH", "l:big", *[str(i) * (i % 7) for i in range(20000)])
    c.execute_command("RPUSH", "l:long", "y" * 100000, "z")
    c.execute_command("SADD", "set:int", 1, 2, 3, -9, 1 << 40)
    c.execute_command("SADD", "set:str", "a", "b", "")
    c.execute_command("SADD", "set:big", *["m%d" % i for i in range(5000)])
    c.execute_command("ZADD", "z:small", 1.5, "a", -2, "b", "inf", "c", "-inf", "d", 0, "")
    c.execute_command("ZADD", "z:big", *[v for i in range(3000) for v in (i / 7, "m%d" % i)])
    c.execute_command("HSET", "h:small", "f", "v", "n", "7", "", "empty-field")
    c.execute_command("HSET", "h:big", *[v for i in range(600) for v in ("f%d" % i, "v" * i)])
    return {"s:embstr": b"embstr", "s:int": b"int", "s:lzf": b"raw", "s:big": b"raw",
            "l:small": b"quicklist", "l:big": b"quicklist", "set:int": b"intset",
            "set:str": b"hashtable", "set:big": b"hashtable", "z:small": b"listpack",
            "z:big": b"skiplist", "h:small": b"listpack", "h:big": b"hashtable"}


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class DumpRestoreWithRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2).start()
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

    def both(self, *cmd):
        got, want = reply_of(self.k, cmd), reply_of(self.r, cmd)
        self.assertEqual(got, want, [a if len(a) < 40 else a[:40] for a in map(bytes, (
            x if isinstance(x, bytes) else str(x).encode() for x in cmd))])
        return got

    def test_dump_restore_redis_to_keel_every_encoding(self):
        encodings = fill(self.r, random.Random(1))
        for key, enc in encodings.items():
            self.assertEqual(self.r.execute_command("OBJECT", "ENCODING", key), enc, key)
        self.assertEqual(self.r.execute_command("DUMP", "s:lzf")[1], 0xC3)   # LZF-encoded
        keys = [k.decode() for k in self.r.execute_command("KEYS", "*")]
        self.assertEqual(len(keys), 17)
        for key in keys:
            payload = self.r.execute_command("DUMP", key)
            self.assertEqual(self.k.execute_command("RESTORE", key, 0, payload), b"OK", key)
            self.assertEqual(contents(self.k, key), contents(self.r, key), key)

    def test_dump_restore_keel_to_redis_every_type(self):
        fill(self.k, random.Random(2))
        # elements on each side of every listpack length and back-length boundary
        sizes = (0, 1, 63, 64, 127, 128, 4095, 4096, 16383, 16384, 70000)
        self.k.execute_command("RPUSH", "l:bounds", *[b"a" * n for n in sizes])
        keys = [k.decode() for k in self.k.execute_command("KEYS", "*")]
        self.assertEqual(len(keys), 18)
        # Redis checks every byte of what it loads (listpack entries, back lengths, counts)
        self.r.execute_command("CONFIG", "SET", "sanitize-dump-payload", "yes")
        try:
            for key in keys:
                payload = self.k.execute_command("DUMP", key)
                self.assertEqual(self.r.execute_command("RESTORE", key, 0, payload), b"OK", key)
                self.assertEqual(contents(self.r, key), contents(self.k, key), key)
        finally:
            self.r.execute_command("CONFIG", "SET", "sanitize-dump-payload", "no")
        # walking backwards reads the back lengths
        self.assertEqual([len(self.r.execute_command("LINDEX", "l:bounds", -1 - i))
                          for i in range(len(sizes))], list(reversed(sizes)))
        # Redis turns what Keel wrote into its own compact encodings
        self.assertEqual(self.r.execute_command("OBJECT", "ENCODING", "set:int"), b"intset")
        self.assertEqual(self.r.execute_command("OBJECT", "ENCODING", "z:small"), b"listpack")
        self.assertEqual(self.r.execute_command("OBJECT", "ENCODING", "z:big"), b"skiplist")
        self.assertEqual(self.r.execute_command("OBJECT", "ENCODING", "h:small"), b"listpack")
        # and a round trip through Redis and back gives Keel the same value again
        for key in keys:
            back = self.r.execute_command("DUMP", key)
            self.assertEqual(self.k.execute_command("RESTORE", key + ":back", 0, back), b"OK")
            self.assertEqual(contents(self.k, key + ":back"), contents(self.k, key), key)

    def test_dump_restore_hyperloglog_both_ways(self):
        for client in (self.k, self.r):
            client.execute_command("PFADD", "sparse", *range(50))
            client.execute_command("PFADD", "dense", *range(20000))
        for key in ("sparse", "dense"):
            count = self.r.execute_command("PFCOUNT", key)
            self.assertEqual(self.k.execute_command("PFCOUNT", key), count)
            from_keel = self.k.execute_command("DUMP", key)
            self.assertEqual(self.r.execute_command("RESTORE", key + ":k", 0, from_keel), b"OK")
            self.assertEqual(self.r.execute_command("PFCOUNT", key + ":k"), count)
            self.assertEqual(self.r.execute_command("GET", key + ":k"),
                             self.r.execute_command("GET", key))
            from_redis = self.r.execute_command("DUMP", key)
            self.assertEqual(self.k.execute_command("RESTORE", key + ":r", 0, from_redis), b"OK")
            self.assertEqual(self.k.execute_command("PFCOUNT", key + ":r"), count)
            self.k.execute_command("PFADD", key + ":r", "one-more")
            self.r.execute_command("PFADD", key, "one-more")
            self.assertEqual(self.k.execute_command("PFCOUNT", key + ":r"),
                             self.r.execute_command("PFCOUNT", key))

    def test_dump_restore_ttl_and_options(self):
        self.r.execute_command("SET", "src", "value")
        payload = self.r.execute_command("DUMP", "src")
        self.both("DUMP", "missing")
        self.both("RESTORE", "a", 0, payload)
        self.both("TTL", "a")
        self.both("RESTORE", "a", 0, payload)                       # BUSYKEY
        self.both("SET", "a", "other")
        self.both("RESTORE", "a", 0, payload, "REPLACE")
        self.both("GET", "a")
        self.assertEqual(self.k.execute_command("RESTORE", "t", 100000, payload), b"OK")
        self.assertTrue(90000 < self.k.execute_command("PTTL", "t") <= 100000)
        at = int(time.time() * 1000) + 200000
        self.assertEqual(self.k.execute_command("RESTORE", "abs", at, payload, "ABSTTL"), b"OK")
        self.assertTrue(150000 < self.k.execute_command("PTTL", "abs") <= 200000)
        # an absolute time already past creates nothing, and with REPLACE deletes the old key
        self.both("RESTORE", "past", 1000, payload, "ABSTTL")
        self.both("EXISTS", "past")
        self.both("SET", "past", "old")
        self.both("RESTORE", "past", 1000, payload, "ABSTTL", "REPLACE")
        self.both("EXISTS", "past")
        self.both("RESTORE", "idle", 0, payload, "IDLETIME", 100)
        self.both("RESTORE", "freq", 0, payload, "FREQ", 5)
        self.both("RESTORE", "all", 0, payload, "replace", "absttl", "idletime", 3)
        self.both("GET", "all")
        self.both("TTL", "all")

    def test_dump_restore_idletime_and_freq_take_effect(self):
        self.r.execute_command("RPUSH", "src", *range(1000))   # several RPUSH batches on Keel
        big = self.r.execute_command("DUMP", "src")
        self.r.execute_command("SET", "src", "v")
        small = self.r.execute_command("DUMP", "src")
        try:
            for c in (self.k, self.r):
                for key, payload in (("i:small", small), ("i:big", big)):
                    self.assertEqual(c.execute_command("RESTORE", key, 0, payload, "IDLETIME", 1000), b"OK")
                    self.assertTrue(1000 <= c.execute_command("OBJECT", "IDLETIME", key) <= 1010, key)
                self.assertEqual(c.execute_command("RESTORE", "i:none", 0, small), b"OK")
                self.assertLess(c.execute_command("OBJECT", "IDLETIME", "i:none"), 10)
                c.execute_command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
                for key, payload in (("f:small", small), ("f:big", big)):
                    self.assertEqual(c.execute_command("RESTORE", key, 0, payload, "FREQ", 100), b"OK")
                    self.assertEqual(c.execute_command("OBJECT", "FREQ", key), 100, key)
                self.assertEqual(c.execute_command("RESTORE", "f:zero", 0, small, "FREQ", 0), b"OK")
                self.assertEqual(c.execute_command("OBJECT", "FREQ", "f:zero"), 0)
                c.execute_command("CONFIG", "SET", "maxmemory-policy", "noeviction")
            # Keel's LRU clock keeps 16 bits of seconds: a longer idle time is kept as 18 hours
            self.assertEqual(self.k.execute_command("RESTORE", "i:long", 0, small, "IDLETIME", 10 ** 9), b"OK")
            self.assertTrue(64800 <= self.k.execute_command("OBJECT", "IDLETIME", "i:long") <= 64900)
        finally:
            for c in (self.k, self.r):
                c.execute_command("CONFIG", "SET", "maxmemory-policy", "noeviction")

    def test_dump_restore_ttl_survives_the_append_only_log(self):
        # the expiry of a value rebuilt by child commands is logged as one of them (PEXPIREAT)
        self.r.execute_command("RPUSH", "src", "a", "b")
        payload = self.r.execute_command("DUMP", "src")
        srv = KeelServer("--appendonly", "yes", threads=2)
        srv.start()
        try:
            c = srv.client()
            at = int(time.time() * 1000) + 3600 * 1000
            self.assertEqual(c.execute_command("RESTORE", "rel", 3600 * 1000, payload), b"OK")
            self.assertEqual(c.execute_command("RESTORE", "abs", at, payload, "ABSTTL"), b"OK")
            rel_at = c.execute_command("PEXPIRETIME", "rel")
        finally:
            srv.stop()
        again = KeelServer("--dir", srv.dir, "--appendonly", "yes", threads=2)
        again.dir = srv.dir
        with again:
            c = again.client()
            wait_until("the log replay", lambda: c.info("persistence")["loading"] == 0)
            self.assertEqual(c.lrange("rel", 0, -1), [b"a", b"b"])
            self.assertEqual(c.execute_command("PEXPIRETIME", "rel"), rel_at)
            self.assertEqual(c.execute_command("PEXPIRETIME", "abs"), at)

    def test_dump_restore_errors_as_redis(self):
        self.r.execute_command("RPUSH", "src", "a", "b")
        good = self.r.execute_command("DUMP", "src")
        body = good[:-10]
        cases = [
            ("RESTORE", "k", "abc", good), ("RESTORE", "k", -1, good),
            ("RESTORE", "k", 0, good, "IDLETIME", -1), ("RESTORE", "k", 0, good, "IDLETIME", "x"),
            ("RESTORE", "k", 0, good, "FREQ", 256), ("RESTORE", "k", 0, good, "FREQ", -1),
            ("RESTORE", "k", 0, good, "FREQ", 1, "IDLETIME", 1),
            ("RESTORE", "k", 0, good, "IDLETIME", 1, "FREQ", 1),
            ("RESTORE", "k", 0, good, "IDLETIME"), ("RESTORE", "k", 0, good, "NOPE"),
            ("RESTORE", "k", 0, good[:-1] + bytes([good[-1] ^ 1])),   # checksum
            ("RESTORE", "k", 0, b"short"), ("RESTORE", "k", 0, b""),
            ("RESTORE", "k", 0, refoot(body, version=11)),           # a newer RDB version
            ("RESTORE", "k", 0, refoot(bytes([0x99]) + body[1:])),   # unknown type byte
            ("RESTORE", "k", 0, refoot(body[:-3])),                  # truncated value
            ("RESTORE", "k", 0, refoot(b"\x02\x00")),                # empty set
            ("RESTORE", "k", 0, refoot(b"\x02\x02\x01a\x01a")),      # a member twice
            ("RESTORE", "k", 0, refoot(b"\x04\x82" + b"".join(   # a field twice in a big hash
                b"\x04f%03d\x01v" % (i % 129) for i in range(130)))),
            ("RESTORE", "k", 0, refoot(b"\x05\x02" + (b"\x01a" + bytes(8)) * 2)),
            ("RESTORE", "k", 0, refoot(b"\x02\x02\x01a\x01b")),      # (these two are fine)
            ("RESTORE", "k2", 0, refoot(b"\x05\x01\x01a" + bytes(7) + b"\xf0")),
            ("RESTORE", "k", 0), ("RESTORE", "k"), ("DUMP",), ("DUMP", "a", "b"),
        ]
        for cmd in cases:
            self.both(*cmd)
        self.both("SET", "k", "x")
        self.both("RESTORE", "k", -1, good)           # BUSYKEY comes before the TTL check
        self.both("RESTORE", "k", 0, b"garbage")      # and before the payload check
        self.both("RESTORE", "k", 0, b"garbage", "REPLACE")
        self.both("GET", "k")                         # a refused RESTORE changed nothing

    def test_dump_restore_redis_stream_to_keel(self):
        r = self.r
        for i in range(300):
            r.execute_command("XADD", "st", "%d-1" % (10 + i), "f", "v%d" % i, *(["g", "x"] * (i % 3)))
        r.execute_command("XDEL", "st", "12-1", "100-1")
        r.execute_command("XGROUP", "CREATE", "st", "grp", "0")
        r.execute_command("XREADGROUP", "GROUP", "grp", "ann", "COUNT", "4", "STREAMS", "st", ">")
        r.execute_command("XREADGROUP", "GROUP", "grp", "ann", "COUNT", "4", "STREAMS", "st", "0")
        r.execute_command("XGROUP", "CREATECONSUMER", "st", "grp", "idle")
        payload = r.execute_command("DUMP", "st")
        self.assertEqual(self.k.execute_command("RESTORE", "st", 0, payload), b"OK")
        for cmd in (["XRANGE", "st", "-", "+"], ["XLEN", "st"], ["XPENDING", "st", "grp"]):
            self.both(*cmd)
        strip = lambda rows: [(row[0], row[1], row[3]) for row in rows]   # not the idle time
        self.assertEqual(strip(self.k.execute_command("XPENDING", "st", "grp", "-", "+", 10)),
                         strip(r.execute_command("XPENDING", "st", "grp", "-", "+", 10)))
        info = lambda c: dict(zip(*[iter(c.execute_command("XINFO", "STREAM", "st"))] * 2))
        for field in (b"length", b"last-generated-id", b"max-deleted-entry-id", b"entries-added",
                      b"groups", b"first-entry", b"last-entry"):
            self.assertEqual(info(self.k)[field], info(r)[field], field)
        group = lambda c: c.execute_command("XINFO", "GROUPS", "st")
        self.assertEqual(group(self.k), group(r))
        # damaged stream payloads: an error or a stream, never a crash
        rnd = random.Random(5)
        for round_ in range(300):
            p = bytearray(payload[:-10])
            p[rnd.randrange(1, len(p))] ^= 1 << rnd.randrange(8)
            reply_of(self.k, ["RESTORE", "dmg%d" % round_, 0, refoot(bytes(p))])
        self.assertEqual(self.k.execute_command("PING"), b"PONG")

    def test_dump_restore_damaged_payloads_never_crash(self):
        fill(self.r, random.Random(3))
        rnd = random.Random(4)
        payloads = [self.r.execute_command("DUMP", k) for k in self.r.execute_command("KEYS", "*")
                    if k not in (b"s:big", b"l:big", b"l:long")]
        outcomes = {"ok": 0, "error": 0}
        for round_ in range(600):
            p = bytearray(rnd.choice(payloads)[:-10])
            for _ in range(rnd.choice([1, 1, 2, 5])):
                p[rnd.randrange(len(p))] ^= 1 << rnd.randrange(8)
            if rnd.random() < 0.2:
                del p[rnd.randrange(len(p)):]
            kind, _ = reply_of(self.k, ["RESTORE", "dmg%d" % round_, 0, refoot(bytes(p))])
            outcomes[kind] += 1
        self.assertGreater(outcomes["error"], 100)
        self.assertEqual(self.k.execute_command("PING"), b"PONG")
        # without the checksum fixed, every flip is refused
        for p in payloads:
            bad = bytearray(p)
            bad[rnd.randrange(len(bad))] ^= 0x10
            self.assertEqual(reply_of(self.k, ["RESTORE", "x", 0, bytes(bad)]),
                             ("error", "DUMP payload version or checksum are wrong"))

    def test_dump_restore_resp3_transactions_and_scripts(self):
        fill(self.k, random.Random(5))
        keys = ["l:small", "l:big", "set:int", "z:small", "z:big", "h:small", "h:big", "s:int"]
        resp2 = {key: self.k.execute_command("DUMP", key) for key in keys}
        with socket.create_connection(("127.0.0.1", self.keel.port), timeout=60) as s:
            rd = RespReader(s)
            s.sendall(resp_command("HELLO", "3"))
            rd.reply()
            for key in keys:   # the children reply RESP3 shapes (pairs, maps): the same payload
                s.sendall(resp_command("DUMP", key))
                want = resp2[key]
                self.assertEqual(rd.reply(), b"$%d\r\n%s\r\n" % (len(want), want), key)
            s.sendall(resp_command("RESTORE", "r3", 0, resp2["z:big"]))
            self.assertEqual(rd.reply(), b"+OK\r\n")
        self.assertEqual(contents(self.k, "r3"), contents(self.k, "z:big"))
        # (a connection of its own: before main's e452ceb, a connection whose EXEC yielded was
        # never served again, whatever the command)
        pipe = raw_client(self.keel.client()).pipeline(transaction=True)
        pipe.execute_command("RESTORE", "m", 0, resp2["l:big"])
        pipe.execute_command("DUMP", "m")
        pipe.execute_command("RESTORE", "m", 0, resp2["l:big"])
        self.assertEqual(pipe.execute(raise_on_error=False)[:2], [b"OK", resp2["l:big"]])
        script = "redis.call('RESTORE', KEYS[1], 0, ARGV[1]); return redis.call('DUMP', KEYS[1])"
        dumped = self.k.execute_command("EVAL", script, 1, "e", resp2["h:big"])
        self.assertEqual(self.r.execute_command("RESTORE", "e", 0, dumped), b"OK")
        self.assertEqual(contents(self.r, "e"), contents(self.k, "h:big"))

    def test_dump_restore_keel_only_type_refused_by_redis(self):
        self.k.execute_command("BTSET", "bt", *[v for i in range(2000) for v in (i, "row%d" % i)])
        self.k.execute_command("PEXPIRE", "bt", 500000)
        payload = self.k.execute_command("DUMP", "bt")
        self.assertEqual(int.from_bytes(payload[-10:-8], "little"), 0x4B01)
        self.assertEqual(reply_of(self.r, ["RESTORE", "bt", 0, payload]),
                         ("error", "DUMP payload version or checksum are wrong"))
        self.assertEqual(self.k.execute_command("RESTORE", "bt2", 100000, payload), b"OK")
        self.assertEqual(self.k.execute_command("TYPE", "bt2"), b"btree")
        self.assertEqual(self.k.execute_command("BTCARD", "bt2"), 2000)
        self.assertEqual(self.k.execute_command("BTGET", "bt2", 1234), b"row1234")
        self.assertTrue(0 < self.k.execute_command("PTTL", "bt2") <= 100000)
        self.assertEqual(self.k.execute_command("DUMP", "bt2"), payload)
        # REPLACE over another type; BUSYKEY without it
        self.k.execute_command("SET", "s", "x")
        self.assertEqual(reply_of(self.k, ["RESTORE", "s", 0, payload]),
                         ("error", "BUSYKEY Target key name already exists."))
        self.assertEqual(self.k.execute_command("RESTORE", "s", 0, payload, "REPLACE"), b"OK")
        self.assertEqual(self.k.execute_command("BTCARD", "s"), 2000)
        # damaged snapshot bytes (checksum right) are refused and change nothing
        body = bytearray(payload[:-10])
        body[-5] ^= 0xFF
        body[-40] ^= 0x55
        self.k.execute_command("SET", "keep", "x")
        got = reply_of(self.k, ["RESTORE", "keep", 0, refoot(bytes(body), 0x4B01), "REPLACE"])
        if got[0] == "error":
            self.assertEqual(got, ("error", "Bad data format"))
            self.assertEqual(self.k.execute_command("GET", "keep"), b"x")
        # an unknown Keel type name is bad data
        fake = bytes([0xD0, 2, 5]) + b"nosuch" [:5] + bytes([1]) + b"x"
        self.assertEqual(reply_of(self.k, ["RESTORE", "n", 0, refoot(fake, 0x4B01)]),
                         ("error", "Bad data format"))

    def test_dump_restore_big_values_yield_and_keep_order(self):
        n = 300000
        self.k.execute_command("RPUSH", "big", *range(n))
        yields = int(self.keel.client().info("stats")["zvm_yields"])
        payload = self.k.execute_command("DUMP", "big")   # read 128 elements a call, in slices
        self.assertGreater(int(self.keel.client().info("stats")["zvm_yields"]), yields + 5)
        self.assertEqual(self.r.execute_command("RESTORE", "big", 0, payload), b"OK")
        self.assertEqual(self.r.execute_command("LLEN", "big"), n)
        self.assertEqual(self.r.execute_command("LINDEX", "big", n - 1), str(n - 1).encode())
        yields = int(self.keel.client().info("stats")["zvm_yields"])
        self.assertEqual(self.k.execute_command("RESTORE", "copy", 0, payload), b"OK")
        # 300,000 elements are written in slices, yielding between them
        self.assertGreater(int(self.keel.client().info("stats")["zvm_yields"]), yields + 5)
        self.assertEqual(self.k.execute_command("LRANGE", "copy", -3, -1),
                         [str(i).encode() for i in range(n - 3, n)])
        self.k.execute_command("ZADD", "bigz", *[v for i in range(100000) for v in (i, i)])
        zp = self.k.execute_command("DUMP", "bigz")
        self.assertEqual(self.k.execute_command("RESTORE", "bigz2", 0, zp), b"OK")
        self.assertEqual(self.k.execute_command("ZCARD", "bigz2"), 100000)
        self.assertEqual(self.k.execute_command("ZSCORE", "bigz2", "99999"), b"99999")


if __name__ == "__main__":
    unittest.main()
