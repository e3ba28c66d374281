#!/usr/bin/python3
"""test_rdb_import.py -- keel-server --load-rdb FILE imports a Redis RDB file at start.

Debian's redis-server 7.0 is started here, filled with every encoding it writes (int, plain and
LZF strings; listpack and quicklist lists with a plain node; intset and hashtable sets; listpack
and hashtable hashes; listpack and skiplist sorted sets; an HLL; streams (deleted entries, consumer
groups with pending entries and consumers, an empty one, several nodes: compared by XRANGE, XINFO
and XPENDING); expiring keys, one of
them past its time by load time; keys in databases 0 and 3) and made to SAVE; Keel, with several
threads and shards, loads that file, and every key's type, value and expiry is compared with
what redis-server holds.  Then the faults: a truncated file, a bad checksum, a module value (skipped)
and an unknown type byte (stop, naming the offset), an empty RDB, a 0-byte file, a missing file,
a data directory with Keel's own snapshot, and RDBIMPORT sent by a client.
"""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

import redis

from keel_harness import SERVER, KeelServer, free_port, wait_until

REDIS = "/usr/bin/redis-server"


def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected, init 0)."""
    poly = 0x95AC9329AC4BC9B5
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    crc = 0
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def rdb_string(s):
    assert len(s) < 64
    return bytes([len(s)]) + s


def rdb_file(body, version=10):
    """A whole RDB file: header, body records, EOF and the checksum."""
    data = b"REDIS%04d" % version + body + b"\xff"
    return data + struct.pack("<Q", crc64(data))


class RedisWithData:
    """A redis-server 7.0 in a temp dir, filled by the caller and saved to dump.rdb."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="keel-rdb-redis-")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--rdbcompression", "yes",
             "--enable-debug-command", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("redis-server answers", self._ping)

    def _ping(self):
        try:
            return redis.Redis(port=self.port, socket_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            if self.proc.poll() is not None:
                raise
            return False

    def client(self, db=0):
        return redis.Redis(port=self.port, db=db, socket_timeout=60)

    def save(self):
        self.client().save()
        return os.path.join(self.dir, "dump.rdb")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        shutil.rmtree(self.dir, ignore_errors=True)


def loaded(srv):
    """True once the server answers and its import finished (INFO persistence loading:0)."""
    try:
        return srv.client(socket_timeout=5).info("persistence")["loading"] == 0
    except redis.exceptions.ConnectionError:
        return False


def wait_log(srv, *texts):
    """Waits until the server's log holds every text (the log thread writes it a little later)."""
    wait_until("log lines %r" % (texts,), lambda: all(t in srv.read_log() for t in texts))


def run_to_exit(*args, timeout=120):
    """Starts keel-server with args, expecting it to stop on its own: (exit status, its log)."""
    srv = KeelServer(*args, threads=3)
    with open(srv.log_path, "wb") as log:
        proc = subprocess.Popen(srv.cmd, stdout=log, stderr=subprocess.STDOUT, env=srv.env)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("keel-server did not stop:\n" + srv.read_log()[-4000:])
    out = srv.read_log()
    shutil.rmtree(srv.dir, ignore_errors=True)
    for report in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
        assert report not in out, out[-8000:]
    return rc, out


def value_of(r, key, kind):
    if kind == b"string":
        return r.get(key)
    if kind == b"list":
        return r.lrange(key, 0, -1)
    if kind == b"set":
        return sorted(r.smembers(key))
    if kind == b"hash":
        return sorted(r.hgetall(key).items())
    if kind == b"zset":
        return r.zrange(key, 0, -1, withscores=True)
    if kind == b"stream":
        return r.xrange(key)
    raise AssertionError("unexpected type %r of %r" % (kind, key))


class RdbImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisWithData()
        cls.fill(cls.redis)
        cls.rdb_dir = tempfile.mkdtemp(prefix="keel-rdb-files-")
        cls.rdb = os.path.join(cls.rdb_dir, "full.rdb")
        shutil.copy(cls.redis.save(), cls.rdb)
        with open(cls.rdb, "rb") as f:
            cls.rdb_bytes = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        shutil.rmtree(cls.rdb_dir, ignore_errors=True)

    @staticmethod
    def fill(rs):
        r = rs.client()
        for name, value in (("list-max-listpack-size", "-2"), ("hash-max-listpack-entries", "128"),
                            ("zset-max-listpack-entries", "128"), ("set-max-intset-entries", "512")):
            r.config_set(name, value)
        r.set("s:plain", "hello")
        r.set("s:int", "12345")
        r.set("s:neg", "-7")
        r.set("s:wide", str(2 ** 40))
        r.set("s:lzf", "abcdefgh" * 500)
        r.set("s:bin", bytes(range(256)))
        r.set("k" * 100, "a key long and repetitive enough to be compressed")
        r.set("777", "an integer-encoded key")
        r.rpush("l:small", "a", "b", "1", "-2")
        r.rpush("l:big", *["element-%05d-%s" % (i, "x" * 40) for i in range(3000)])
        r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")   # a plain node
        r.rpush("l:plain", "p" * 20000, "q")
        r.sadd("set:int", *range(-5, 20))
        r.sadd("set:str", "x", "y", "z")
        r.sadd("set:big", *range(1000))
        r.hset("h:small", mapping={"f1": "v1", "f2": "2"})
        r.hset("h:big", mapping={"field%d" % i: "value%d" % i for i in range(300)})
        r.zadd("z:small", {"a": 1, "b": 2.5, "c": -3, "d": float("inf"), "e": float("-inf")})
        r.zadd("z:big", {"m%d" % i: i / 7 for i in range(300)})
        r.pfadd("hll", *["item%d" % i for i in range(100)])
        r.pfcount("hll")   # caches the count in the string: later PFCOUNTs leave it as saved
        r.xadd("stream", {"f": "v"})
        RdbImportTest.fill_streams(r)
        r.execute_command("FUNCTION", "LOAD",
                          "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        r.set("s:ttl", "soon", px=3600 * 1000)
        r.rpush("l:ttl", "a")
        r.pexpire("l:ttl", 7200 * 1000)
        # past its time by load time: SAVE keeps it while active expiry is off and nothing
        # reads it (a probe set after it with the same time tells when that time passed)
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        r.set("s:gone", "x", px=1)
        r.set("probe", "x", px=1)
        wait_until("s:gone's time to pass", lambda: r.pttl("probe") == -2)
        encodings = {"s:int": b"int", "s:lzf": b"raw", "l:big": b"quicklist", "set:int": b"intset",
                     "set:big": b"hashtable", "h:small": b"listpack", "h:big": b"hashtable",
                     "z:small": b"listpack", "z:big": b"skiplist"}
        for key, encoding in encodings.items():   # the file holds each encoding
            assert r.object("encoding", key) == encoding, (key, r.object("encoding", key))
        r3 = rs.client(3)
        r3.set("db3:s", "three")
        r3.hset("db3:h", mapping={"a": "1"})
        r3.set("db3:ttl", "v", ex=5000)

    @staticmethod
    def fill_streams(r):
        """Streams with deleted entries, entries of their own fields, consumer groups with
        pending entries (delivered several times), consumers without any, and an empty one."""
        for i in range(400):
            fields = {"f": "v%d" % i, "n": str(i)} if i % 5 else {"other%d" % i: "x" * (i % 50)}
            r.xadd("st:full", fields, id="%d-%d" % (1000 + i // 3, i % 3))
        r.xdel("st:full", "1000-1", "1010-0", "1100-2")
        r.xgroup_create("st:full", "g1", id="0")
        r.xreadgroup("g1", "alice", {"st:full": ">"}, count=5)
        r.xreadgroup("g1", "bob", {"st:full": ">"}, count=3)
        r.xreadgroup("g1", "alice", {"st:full": "0"}, count=2)   # delivered twice
        r.xack("st:full", "g1", "1001-0")
        r.xgroup_create("st:full", "g2", id="$")
        r.xgroup_createconsumer("st:full", "g2", "carol")
        r.xgroup_create("st:full", "g3", id="1050-0")
        r.xadd("st:empty", {"a": "1"}, id="5-5")
        r.xdel("st:empty", "5-5")
        r.xgroup_create("st:empty", "eg", id="$")
        # a big stream: several listpack nodes
        for i in range(3000):
            r.xadd("st:big", {"k": "value-%d" % i})

    def assert_same_streams(self, srv):
        rr, kr = self.redis.client(), srv.client()
        for key in (b"stream", b"st:full", b"st:empty", b"st:big"):
            self.assertEqual(kr.type(key), b"stream", key)
            self.assertEqual(kr.xrange(key), rr.xrange(key), key)
            self.assertEqual(kr.xlen(key), rr.xlen(key), key)
            want, got = rr.xinfo_stream(key), kr.xinfo_stream(key)
            for field in ("length", "last-generated-id", "max-deleted-entry-id", "entries-added",
                          "recorded-first-entry-id", "groups", "first-entry", "last-entry"):
                self.assertEqual(got[field], want[field], (key, field))
            rg = sorted(rr.xinfo_groups(key), key=lambda g: g["name"])
            kg = sorted(kr.xinfo_groups(key), key=lambda g: g["name"])
            self.assertEqual(kg, rg, key)
            for g in rg:
                name = g["name"]
                summary = rr.xpending(key, name)
                self.assertEqual(kr.xpending(key, name), summary, (key, name))
                strip = lambda rows: [(e["message_id"], e["consumer"], e["times_delivered"])
                                      for e in rows]
                self.assertEqual(strip(kr.xpending_range(key, name, "-", "+", 100)),
                                 strip(rr.xpending_range(key, name, "-", "+", 100)), (key, name))
                cons = lambda c: sorted((x["name"], x["pending"]) for x in c)
                self.assertEqual(cons(kr.xinfo_consumers(key, name)),
                                 cons(rr.xinfo_consumers(key, name)), (key, name))
        # delivered at the same instant as in redis: XPENDING's idle times agree within the
        # time the test took (the delivery time itself is kept, not the time of the import)
        rows = kr.xpending_range("st:full", "g1", "-", "+", 100)
        self.assertTrue(all(e["time_since_delivered"] < 600000 for e in rows))
        self.assertEqual(kr.xpending("st:full", "g1")["pending"], 7)

    def start_keel(self, *args, threads=3):
        """A started keel-server that imported the full file (the caller stops it)."""
        srv = KeelServer("--load-rdb", self.rdb, "--shards", "12", *args, threads=threads)
        srv.start()
        try:
            wait_until("the import to finish", lambda: loaded(srv))
        except BaseException:
            srv.stop()
            raise
        return srv

    def assert_same_keys(self, srv, db, skip=()):
        rr = self.redis.client(db)
        kr = srv.client(db=db)
        expected = [k for k in rr.scan_iter(count=1000) if k not in skip]
        self.assertTrue(expected)
        self.assertEqual(sorted(kr.scan_iter(count=1000)), sorted(expected))
        for key in expected:
            kind = rr.type(key)
            self.assertEqual(kr.type(key), kind, key)
            self.assertEqual(value_of(kr, key, kind), value_of(rr, key, kind), key)
            self.assertEqual(kr.execute_command("PEXPIRETIME", key),
                             rr.execute_command("PEXPIRETIME", key), key)

    def test_rdb_import_every_encoding_and_database(self):
        srv = self.start_keel()
        try:
            self.assert_same_keys(srv, 0, skip=(b"s:gone",))
            self.assert_same_keys(srv, 3)
            self.assert_same_streams(srv)
            k = srv.client()
            self.assertEqual(k.pfcount("hll"), self.redis.client().pfcount("hll"))
            self.assertIsNone(k.get("s:gone"))
            info = k.info("persistence")
            self.assertEqual(info["rdb_last_load_keys_expired"], 1)
            self.assertEqual(info["rdb_last_load_keys_loaded"], k.dbsize() + srv.client(db=3).dbsize())
            wait_log(srv, "0 skipped", "1 FUNCTION librar(ies) skipped")
        finally:
            srv.stop()

    def test_rdb_import_then_save_is_keel_data(self):
        srv = self.start_keel(threads=2)
        k = srv.client()
        self.assertEqual(k.lrange("l:small", 0, -1), [b"a", b"b", b"1", b"-2"])
        k.save()
        srv.stop()
        again = KeelServer("--dir", srv.dir, threads=2)
        again.dir = srv.dir
        with again:
            wait_until("the snapshot to load", lambda: loaded(again))
            self.assertEqual(again.client().lrange("l:small", 0, -1), [b"a", b"b", b"1", b"-2"])
            self.assertEqual(again.client(db=3).get("db3:s"), b"three")
        # with Keel's own snapshot there, --load-rdb refuses to start
        rc, log = run_to_exit("--dir", srv.dir, "--load-rdb", self.rdb)
        self.assertEqual(rc, 1, log)
        self.assertIn("already holds Keel's own snapshot", log)

    def test_rdb_import_answers_loading_meanwhile(self):
        # a second slept before each chunk (of which there are three: the check, then
        # databases 0 and 3) holds the import open long enough to look at it
        srv = KeelServer("--load-rdb", self.rdb, "--key-load-delay", "1000000", threads=2)
        with srv:
            k = srv.client()
            info = k.info("persistence")
            self.assertEqual(info["loading"], 1)
            self.assertEqual(info["loading_total_bytes"], len(self.rdb_bytes))
            self.assertGreater(info["loading_start_time"], 1600000000)
            self.assertLessEqual(info["loading_loaded_bytes"], len(self.rdb_bytes))
            self.assertTrue(0 <= info["loading_loaded_perc"] <= 100, info)
            with self.assertRaisesRegex(redis.exceptions.BusyLoadingError, "loading the dataset"):
                k.get("s:plain")
            self.assertTrue(k.ping())
            wait_until("the import to finish", lambda: loaded(srv))
            self.assertEqual(k.get("s:plain"), b"hello")
            self.assertNotIn("loading_total_bytes", k.info("persistence"))

    def test_rdb_import_from_the_json_config(self):
        config = os.path.join(self.rdb_dir, "keel.json")
        with open(config, "w") as f:
            json.dump({"load_rdb": self.rdb}, f)
        check = subprocess.run([SERVER, "--check-config", config], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stderr)
        with open(config + ".bad", "w") as f:
            json.dump({"load_rdb": 7}, f)
        check = subprocess.run([SERVER, "--check-config", config + ".bad"], capture_output=True,
                               text=True)
        self.assertEqual(check.returncode, 1)
        self.assertIn("$.load_rdb: expected the path of a Redis RDB file", check.stderr)
        srv = KeelServer("--memcache-port", "0", config=config, threads=2)
        with srv:
            wait_until("the import to finish", lambda: loaded(srv))
            self.assertEqual(srv.client(db=3).get("db3:s"), b"three")

    def test_rdb_import_with_the_append_only_log(self):
        # the log gets every imported key (never RDBIMPORT itself): a restart without
        # --load-rdb replays it into the same keyspace
        srv = self.start_keel("--appendonly", "yes", threads=2)
        srv.stop()
        again = KeelServer("--dir", srv.dir, "--appendonly", "yes", threads=3)
        again.dir = srv.dir
        with again:
            wait_until("the log replay", lambda: loaded(again))
            self.assert_same_keys(again, 0, skip=(b"s:gone",))
            self.assert_same_keys(again, 3)
            self.assert_same_streams(again)
            wait_log(again, "append-only log replayed")
            self.assertIn("(0 failed)", again.read_log())

    def test_rdb_import_stopped_by_a_shutdown_saves_nothing(self):
        srv = KeelServer("--load-rdb", self.rdb, "--key-load-delay", "1000000", "--save", "3600 1",
                         threads=2)
        srv.start()
        try:
            self.assertEqual(srv.client().info("persistence")["loading"], 1)
        finally:
            srv.stop()   # SIGTERM: status 0, no sanitizer report
        log = srv.read_log()
        self.assertIn("no snapshot at exit: the --load-rdb import did not finish", log)
        self.assertFalse(os.path.exists(os.path.join(srv.dir, "keel.manifest")))

    def test_rdb_import_rdbimport_refused_to_clients(self):
        srv = self.start_keel()
        try:
            with self.assertRaisesRegex(redis.ResponseError, "only at start"):
                srv.client().execute_command("RDBIMPORT")
            self.assertEqual(srv.client().get("s:plain"), b"hello")
        finally:
            srv.stop()

    def write_file(self, name, data):
        path = os.path.join(self.rdb_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def assert_refused(self, path, *expected):
        rc, log = run_to_exit("--load-rdb", path)
        self.assertEqual(rc, 1, log)
        self.assertIn("--load-rdb", log)
        for text in expected:
            self.assertIn(text, log)
        self.assertNotIn("imported", log)
        return log

    def test_rdb_import_truncated_file(self):
        for cut in (len(self.rdb_bytes) // 2, len(self.rdb_bytes) - 4, 12):
            path = self.write_file("cut.rdb", self.rdb_bytes[:cut])
            log = self.assert_refused(path, "offset")
            self.assertIn("the import of %s failed" % path, log)

    def test_rdb_import_bad_checksum(self):
        data = bytearray(self.rdb_bytes)
        data[-1] ^= 0x55
        self.assert_refused(self.write_file("crc.rdb", bytes(data)), "wrong CRC-64 checksum")
        data = bytearray(self.rdb_bytes)
        data[len(data) // 2] ^= 0x01   # a value's byte: the checksum (or the value) tells
        self.assert_refused(self.write_file("flip.rdb", bytes(data)), "offset")

    def test_rdb_import_module_value_skipped_unknown_type_stops(self):
        # a MODULE_2 value: module id, then opcodes (uint 5, string "ab", double) up to EOF
        module = (b"\x07" + rdb_string(b"modkey") + b"\x81" + struct.pack(">Q", 0x1234567890ABCC00)
                  + b"\x02\x05" + b"\x05" + rdb_string(b"ab") + b"\x04" + struct.pack("<d", 1.5)
                  + b"\x00")
        after = b"\x00" + rdb_string(b"after") + rdb_string(b"ok")
        path = self.write_file("module.rdb", rdb_file(b"\xfe\x00" + module + after))
        srv = KeelServer("--load-rdb", path, threads=2)
        with srv:
            wait_until("the import to finish", lambda: loaded(srv))
            self.assertEqual(srv.client().get("after"), b"ok")
            self.assertEqual(srv.client().exists("modkey"), 0)
            wait_log(srv, "key 'modkey' in database 0", "a value of module type")
        body = b"\xfe\x00" + after + b"\x1e" + rdb_string(b"weird") + b"\x01\x02\x03"
        log = self.assert_refused(self.write_file("unknown.rdb", rdb_file(body)),
                                  "unknown object type 30", "key 'weird'")
        self.assertIn("offset %d" % (9 + 2 + len(after)), log)

    def test_rdb_import_every_record_opcode(self):
        long_string = b"#!lua name=x\nredis.register_function('f', function() return 1 end)"
        body = (b"\xfa" + rdb_string(b"redis-ver") + rdb_string(b"7.0.15")          # AUX
                + b"\xfe\x02" + b"\xfb\x02\x01"                                      # SELECTDB, RESIZEDB
                + b"\xf7\x81" + struct.pack(">Q", 0x1234567890ABCC00) + b"\x02\x00"  # MODULE_AUX
                + b"\x01\x07\x00"
                + b"\xf5" + bytes([0x40, len(long_string)]) + long_string          # FUNCTION2
                + b"\xfd" + struct.pack("<I", 2000000000) + b"\xf9\x05"           # EXPIRETIME, FREQ
                + b"\x00" + rdb_string(b"k1") + rdb_string(b"v")
                + b"\xfc" + struct.pack("<Q", 2000000000123) + b"\xf8\x07"        # EXPIRETIME_MS, IDLE
                + b"\x00" + b"\xc0\x07" + b"\xc1\x39\x30")                        # int key, int value
        srv = KeelServer("--load-rdb", self.write_file("ops.rdb", rdb_file(body)), threads=2)
        with srv:
            wait_until("the import to finish", lambda: loaded(srv))
            k = srv.client(db=2)
            self.assertEqual(sorted(k.keys()), [b"7", b"k1"])
            self.assertEqual(k.execute_command("PEXPIRETIME", "k1"), 2000000000000)
            self.assertEqual(k.execute_command("PEXPIRETIME", "7"), 2000000000123)
            self.assertEqual(k.get("7"), b"12345")
            wait_log(srv, "1 MODULE_AUX record(s) and 1 FUNCTION librar(ies) skipped")

    def test_rdb_import_databases_switching_often(self):
        # 3000 keys in runs of 7 through databases 0, 1 and 2 in turn: chunks running at once
        # must each put their keys in the database the walk was in
        body, expected = b"", {0: {}, 1: {}, 2: {}}
        for run in range(3000 // 7 + 1):
            db = run % 3
            body += b"\xfe" + bytes([db])
            for i in range(7):
                key, value = b"k%d" % (run * 7 + i), b"v%d-%d" % (db, run * 7 + i)
                if len(expected[db]) % 5 == 0:   # some lists too (RESTORE)
                    body += b"\x01" + rdb_string(key) + b"\x01" + rdb_string(value)
                    expected[db][key] = [value]
                else:
                    body += b"\x00" + rdb_string(key) + rdb_string(value)
                    expected[db][key] = value
        path = self.write_file("dbs.rdb", rdb_file(body))
        srv = KeelServer("--load-rdb", path, "--shards", "12", threads=3)
        with srv:
            wait_until("the import to finish", lambda: loaded(srv))
            for db, keys in expected.items():
                k = srv.client(db=db)
                self.assertEqual(k.dbsize(), len(keys))
                for key, value in keys.items():
                    got = k.lrange(key, 0, -1) if isinstance(value, list) else k.get(key)
                    self.assertEqual(got, value, (db, key))

    def test_rdb_import_duplicate_key_refused(self):
        string = b"\x00" + rdb_string(b"dup") + rdb_string(b"v")
        others = b"".join(b"\x00" + rdb_string(b"o%d" % i) + rdb_string(b"x") for i in range(50))
        for body in (string + others + string,                                   # far apart
                     string + string + others,                                   # side by side
                     b"\x01" + rdb_string(b"dup") + b"\x01" + rdb_string(b"a") + others
                     + b"\x01" + rdb_string(b"dup") + b"\x01" + rdb_string(b"b")):  # lists
            log = self.assert_refused(self.write_file("dup.rdb", rdb_file(b"\xfe\x00" + body)),
                                      "key 'dup' in database 0 appears twice")
            self.assertIn("offset", log)

    def test_rdb_import_empty_rdb_and_bad_files(self):
        empty = RedisWithData()
        try:
            with open(empty.save(), "rb") as f:
                path = self.write_file("empty.rdb", f.read())
        finally:
            empty.stop()
        srv = KeelServer("--load-rdb", path, threads=2)
        with srv:
            wait_until("the import to finish", lambda: loaded(srv))
            self.assertEqual(srv.client().dbsize(), 0)
            wait_log(srv, "0 keys loaded")
        self.assert_refused(self.write_file("zero.rdb", b""), "not an RDB file")
        self.assert_refused(self.write_file("text.rdb", b"hello world, not redis"), "not an RDB file")
        self.assert_refused(self.write_file("v11.rdb", rdb_file(b"", version=11)),
                            "RDB version 11 is not supported")
        rc, log = run_to_exit("--load-rdb", self.rdb_dir)
        self.assertEqual(rc, 1, log)
        self.assertIn("%s is not a regular file" % self.rdb_dir, log)
        fifo = os.path.join(self.rdb_dir, "fifo.rdb")
        os.mkfifo(fifo)
        rc, log = run_to_exit("--load-rdb", fifo)
        self.assertEqual(rc, 1, log)
        self.assertIn("is not a regular file", log)
        missing = os.path.join(self.rdb_dir, "no-such.rdb")
        rc, log = run_to_exit("--load-rdb", missing)
        self.assertEqual(rc, 1, log)
        self.assertIn("cannot open %s" % missing, log)

    def test_rdb_import_database_out_of_range_refused(self):
        rc, log = run_to_exit("--load-rdb", self.rdb, "--databases", "2")
        self.assertEqual(rc, 1, log)
        self.assertIn("keys in database 3 but the server has 2 databases", log)

    def test_rdb_import_needs_dump_module(self):
        rc, log = run_to_exit("--load-rdb", self.rdb, "--modules", "resp,memcache,mcitems,strings")
        self.assertEqual(rc, 1, log)
        self.assertIn("needs the dump module", log)


if __name__ == "__main__":
    unittest.main()
