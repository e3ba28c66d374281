"""test_snapshot_compression.py -- snapshot-compression no|lz4|zstd against a real keel-server:
every value and TTL (strings, compressible and random, small and big, lists, sets, hashes, a
namespace, a numbered database) survives SAVE and BGSAVE and a restart on the same --dir with
each codec; compressed files are smaller on disk and random data is stored as it is (never
bigger); switching the codec between saves still loads; a byte flipped in a compressed block
stops the start naming the file and the block's offset; the settings (command line, JSON,
CONFIG GET/SET, Redis's rdbcompression) map as docs/config.md says.
"""
import glob
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import redis

from keel_harness import KeelServer, wait_until

CODECS = {"no": 0, "lz4": 1, "zstd": 2}
PREAMBLE, HEADER, TRAILER = 16, 8, 8


def shard_files(d):
    """The shard files of the newest snapshot in d (an older one's may not be removed yet)."""
    files = glob.glob(os.path.join(d, "keel-*-*.snap"))
    gen = max((int(os.path.basename(f).split("-")[1]) for f in files), default=None)
    return sorted(f for f in files if int(os.path.basename(f).split("-")[1]) == gen)


def snapshot_bytes(d):
    return sum(os.path.getsize(f) for f in shard_files(d))


def blocks(path):
    """(offset, kind, codec, payload length) of every block of a shard file."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"KEELSNAP", path
    at = PREAMBLE
    while at < len(data):
        kind, codec, z1, z2, n = struct.unpack_from("<BBBBI", data, at)
        assert (z1, z2) == (0, 0)
        out.append((at, kind, codec, n))
        at += HEADER + n + TRAILER
    assert at == len(data), path
    return out


def codecs_used(d):
    """The codecs of every RECORDS block of the snapshot in d."""
    return {codec for f in shard_files(d) for (_, kind, codec, _) in blocks(f) if kind == 3}


def text(i, n):
    """Compressible text (n bytes), different for each i."""
    line = "user:%06d name=keel visits=%d status=active tags=a,b,c;" % (i, i % 97)
    return (line * (n // len(line) + 1))[:n].encode()


def persistence(r):
    return r.info("persistence")


def bgsave(r):
    saves = persistence(r)["rdb_saves"]
    r.bgsave()
    wait_until("BGSAVE to finish", lambda: persistence(r)["rdb_saves"] > saves and
               persistence(r)["rdb_bgsave_in_progress"] == 0, timeout=120)
    assert persistence(r)["rdb_last_bgsave_status"] == "ok"


def start_fails(srv):
    """Starts srv expecting it to exit with an error; returns its log."""
    srv.log = open(srv.log_path, "wb")
    srv.proc = subprocess.Popen(srv.cmd, stdout=srv.log, stderr=subprocess.STDOUT, env=srv.env)
    rc = srv.proc.wait(120)
    srv.log.close()
    srv.proc = None
    assert rc != 0, "the server started on a snapshot it should refuse"
    return srv.read_log()


class Dataset:
    """A fixed dataset (the same bytes every time): compressible and random strings, big values
    (in blocks of their own; one past the 1 MiB a compressed block may hold), a list, a set, a
    hash, a namespace, a numbered database, and TTLs."""

    def __init__(self, seed=7):
        rnd = random.Random(seed)
        self.strings = {"t:%d" % i: text(i, 200) for i in range(1500)}
        self.strings.update({"r:%d" % i: rnd.randbytes(300) for i in range(300)})
        self.strings["big-text"] = text(1, 300 * 1024)
        self.strings["big-random"] = rnd.randbytes(200 * 1024)
        self.strings["huge-text"] = text(2, 2 * 1024 * 1024)
        self.list = [text(i, 60) for i in range(3000)]
        self.set = {b"member-%d-" % i + text(i, 40) for i in range(2000)}
        self.hash = {b"f%d" % i: text(i, 80) for i in range(2000)}
        self.ns = {"n:%d" % i: text(i, 100) for i in range(300)}
        self.ttl_keys = ["t:%d" % i for i in range(0, 1500, 10)]
        # what the codecs can shrink (the random values and the 2 MB string stay as they are)
        self.compressible = (sum(len(v) for k, v in self.strings.items() if k[0] == "t" or
                                 k == "big-text") + sum(map(len, self.list)) +
                             sum(map(len, self.set)) + sum(map(len, self.hash.values())) +
                             sum(map(len, self.ns.values())))

    def write(self, r):
        p = r.pipeline(transaction=False)
        for k, v in self.strings.items():
            p.set(k, v)
        p.execute()
        for k in self.ttl_keys:
            p.expire(k, 100000)
        p.pexpireat("r:0", int(time.time() * 1000) + 5000000)
        p.execute()
        r.rpush("list", *self.list)
        r.sadd("set", *self.set)
        r.hset("hash", mapping=self.hash)
        r.execute_command("SELECT", 3)
        r.set("in-db-3", text(3, 500), ex=50000)
        r.execute_command("SELECT", 0)
        r.execute_command("NS", "tenant", "eu")
        for k, v in self.ns.items():
            r.set(k, v, ex=70000)
        r.execute_command("NSRESET")

    def check(self, test, r, others=0):
        p = r.pipeline(transaction=False)
        names = list(self.strings)
        for k in names:
            p.get(k)
        for k, got in zip(names, p.execute()):
            test.assertEqual(got, self.strings[k], k)
        for k in self.ttl_keys:
            test.assertTrue(0 < r.ttl(k) <= 100000, k)
        test.assertTrue(4000000 < r.pttl("r:0") <= 5000000)
        test.assertEqual(r.ttl("t:1"), -1)
        test.assertEqual(r.ttl("big-text"), -1)
        test.assertEqual(r.lrange("list", 0, -1), self.list)
        test.assertEqual(r.smembers("set"), self.set)
        test.assertEqual(r.hgetall("hash"), self.hash)
        # + list, set, hash, namespace, and the caller's others
        test.assertEqual(r.dbsize(), len(self.strings) + 4 + others)
        r.execute_command("SELECT", 3)
        test.assertEqual(r.get("in-db-3"), text(3, 500))
        test.assertTrue(0 < r.ttl("in-db-3") <= 50000)
        r.execute_command("SELECT", 0)
        r.execute_command("NS", "tenant", "eu")
        for k, v in self.ns.items():
            test.assertEqual(r.get(k), v, k)
            test.assertTrue(0 < r.ttl(k) <= 70000, k)
        r.execute_command("NSRESET")


class SnapshotCompressionTest(unittest.TestCase):
    def server(self, *args, **kw):
        srv = KeelServer(*args, **kw)
        self.addCleanup(lambda: srv.proc and srv.stop())
        return srv

    def config(self, r):
        got = r.config_get("*compression*")
        return got["snapshot-compression"], got["rdbcompression"]

    def test_every_codec_round_trips_save_and_bgsave(self):
        data = Dataset()
        sizes = {}
        for codec in ("no", "lz4", "zstd"):
            for how in ("SAVE", "BGSAVE"):
                with self.subTest(codec=codec, how=how):
                    srv = self.server("--snapshot-compression", codec).start()
                    r = srv.client()
                    self.assertEqual(self.config(r), (codec, "no" if codec == "no" else "yes"))
                    data.write(r)
                    if how == "SAVE":
                        self.assertTrue(r.execute_command("SAVE"))
                    else:
                        bgsave(r)
                    used = codecs_used(srv.dir)
                    self.assertIn(0, used)          # random values and the 2 MB one: as they are
                    self.assertEqual(used - {0}, set() if codec == "no" else {CODECS[codec]})
                    sizes[codec, how] = snapshot_bytes(srv.dir)
                    srv.stop()
                    r = srv.start().client()      # loads whatever the files hold
                    data.check(self, r)
                    self.assertEqual(persistence(r)["rdb_last_load_keys_loaded"],
                                     len(data.strings) + 4 + 1)   # + db 3's key
                    srv.stop()
        print("\nshard files' bytes by (codec, save): %s; compressible bytes written: %d" %
              (sizes, data.compressible), file=sys.stderr)
        for how in ("SAVE", "BGSAVE"):
            plain = sizes["no", how]
            # each codec saves most of the compressible bytes (the random values and the 2 MB
            # string, past a compressed block's 1 MiB, stay as they are)
            for codec in ("lz4", "zstd"):
                self.assertGreater(plain - sizes[codec, how], data.compressible * 0.7,
                                   (sizes, data.compressible))

    def test_random_data_is_stored_as_it_is(self):
        rnd = random.Random(11)
        values = {"v:%d" % i: rnd.randbytes(1000) for i in range(200)}
        values["one-big"] = rnd.randbytes(300 * 1024)   # a block of its own
        sizes = {}
        for codec in ("no", "lz4", "zstd"):
            srv = self.server("--snapshot-compression", codec).start()
            r = srv.client()
            for k, v in values.items():
                r.set(k, v)
            self.assertTrue(r.execute_command("SAVE"))
            big = [b for f in shard_files(srv.dir) for b in blocks(f)
                   if b[1] == 3 and b[3] > 300 * 1024]
            self.assertEqual(len(big), 1)
            self.assertEqual(big[0][2], 0, "the random 300 KB value was compressed")
            sizes[codec] = snapshot_bytes(srv.dir)
            srv.stop()
            r = srv.start().client()
            for k, v in values.items():
                self.assertEqual(r.get(k), v)
            srv.stop()
        # never bigger than without compression (a block is compressed only when it shrinks)
        self.assertLessEqual(sizes["lz4"], sizes["no"])
        self.assertLessEqual(sizes["zstd"], sizes["no"])

    def test_switching_codecs_between_saves_loads(self):
        data = Dataset(seed=3)
        srv = self.server("--snapshot-compression", "zstd").start()
        r = srv.client()
        data.write(r)
        self.assertTrue(r.execute_command("SAVE"))
        self.assertEqual(codecs_used(srv.dir) - {0}, {2})
        srv.stop()
        # a server set to no compression loads the zstd files, then saves plain ones
        srv.cmd[srv.cmd.index("zstd")] = "no"
        r = srv.start().client()
        data.check(self, r)
        r.set("after-1", "x" * 5000)
        bgsave(r)
        self.assertEqual(codecs_used(srv.dir), {0})
        r.config_set("snapshot-compression", "lz4")
        r.set("after-2", "y" * 5000)
        self.assertTrue(r.execute_command("SAVE"))
        self.assertEqual(codecs_used(srv.dir) - {0}, {1})
        r.config_set("rdbcompression", "no")
        self.assertEqual(self.config(r), ("no", "no"))
        r.config_set("snapshot-compression", "zstd")
        r.set("after-3", "z" * 5000)
        bgsave(r)
        self.assertEqual(codecs_used(srv.dir) - {0}, {2})
        srv.stop()
        r = srv.start().client()
        data.check(self, r, others=3)
        self.assertEqual(r.get("after-1"), b"x" * 5000)
        self.assertEqual(r.get("after-2"), b"y" * 5000)
        self.assertEqual(r.get("after-3"), b"z" * 5000)
        srv.stop()

    def test_bgsave_pre_images_are_compressed_and_keep_the_instant(self):
        # a slowed BGSAVE: the writes land while the walk runs, so the changed keys (big ones
        # among them, whose blocks of their own are compressed) are written as pre-images
        for codec in ("lz4", "zstd"):
            with self.subTest(codec=codec):
                srv = self.server("--snapshot-compression", codec, "--threads", "2", "--shards",
                                  "8", "--bgsave-slice-delay", "20000").start()
                r = srv.client()
                before = {"s:%d" % i: text(i, 150) for i in range(1500)}
                before.update({"big:%d" % i: text(i, 200 * 1024) for i in range(8)})
                r.mset(before)
                r.rpush("list", *[text(i, 50) for i in range(500)])
                saves = persistence(r)["rdb_saves"]
                r.bgsave()
                for k in before:      # every key changes after the instant
                    r.set(k, b"changed " + k.encode())
                r.rpush("list", "after")
                r.set("new-key", "made after the instant")
                wait_until("BGSAVE to finish", lambda: persistence(r)["rdb_saves"] > saves and
                           persistence(r)["rdb_bgsave_in_progress"] == 0, timeout=300)
                self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
                self.assertGreater(persistence(r)["rdb_last_cow_size"], 0)   # pre-images
                self.assertEqual(codecs_used(srv.dir) - {0}, {CODECS[codec]})
                srv.stop()
                r = srv.start().client()
                for k, v in before.items():
                    self.assertEqual(r.get(k), v, k)
                self.assertEqual(r.llen("list"), 500)
                self.assertEqual(r.exists("new-key"), 0)
                srv.stop()

    def test_corrupt_compressed_block_is_refused_with_file_and_offset(self):
        for codec in ("lz4", "zstd"):
            with self.subTest(codec=codec):
                srv = self.server("--snapshot-compression", codec).start()
                r = srv.client()
                for i in range(3000):
                    r.set("key:%d" % i, text(i, 300))
                self.assertTrue(r.execute_command("SAVE"))
                srv.stop()
                victim = max(shard_files(srv.dir), key=os.path.getsize)
                packed = [b for b in blocks(victim) if b[2] == CODECS[codec]]
                self.assertTrue(packed, "no compressed block in %s" % victim)
                at, _, _, n = packed[0]
                with open(victim, "r+b") as f:   # a byte of the codec's bytes; nothing fixed
                    f.seek(at + HEADER + 4 + n // 2)
                    b = f.read(1)
                    f.seek(at + HEADER + 4 + n // 2)
                    f.write(bytes([b[0] ^ 0x08]))
                log = start_fails(srv)
                self.assertIn(victim, log)
                self.assertIn("checksum mismatch in the block at offset %d" % at, log)

    def test_settings_map_as_documented(self):
        srv = self.server().start()
        r = srv.client()
        self.assertEqual(self.config(r), ("no", "no"))     # the default: uncompressed
        r.config_set("rdbcompression", "yes")
        self.assertEqual(self.config(r), ("lz4", "yes"))
        r.config_set("snapshot-compression", "zstd")
        self.assertEqual(self.config(r), ("zstd", "yes"))
        r.config_set("rdbcompression", "yes")              # on already: the codec stays
        self.assertEqual(self.config(r), ("zstd", "yes"))
        r.config_set("rdbcompression", "no")
        self.assertEqual(self.config(r), ("no", "no"))
        r.config_set("snapshot-compression", "LZ4")
        self.assertEqual(self.config(r), ("lz4", "yes"))
        with self.assertRaisesRegex(redis.ResponseError, "must be one of the following: no, lz4, zstd"):
            r.config_set("snapshot-compression", "gzip")
        with self.assertRaisesRegex(redis.ResponseError, "argument must be 'yes' or 'no'"):
            r.config_set("rdbcompression", "maybe")
        self.assertEqual(self.config(r), ("lz4", "yes"))
        srv.stop()

        cases = [
            (["--rdbcompression", "yes"], ("lz4", "yes")),
            (["--rdbcompression", "yes", "--snapshot-compression", "zstd"], ("zstd", "yes")),
            (["--snapshot-compression", "zstd", "--rdbcompression", "yes"], ("zstd", "yes")),
            (["--rdbcompression", "no", "--snapshot-compression", "lz4"], ("lz4", "yes")),
            (["--snapshot-compression", "no", "--rdbcompression", "yes"], ("no", "no")),
        ]
        for args, want in cases:
            srv = self.server(*args).start()
            self.assertEqual(self.config(srv.client()), want, args)
            srv.stop()

        bad = self.server("--snapshot-compression", "gzip")
        log = start_fails(bad)
        self.assertIn("--snapshot-compression: expected no, lz4 or zstd, got 'gzip'", log)

    def test_json_config_keys(self):
        d = tempfile.mkdtemp(prefix="keel-snapz-conf-")
        cases = [
            ({"rdbcompression": True}, ("lz4", "yes")),
            ({"rdbcompression": "yes", "snapshot_compression": "zstd"}, ("zstd", "yes")),
            ({"rdbcompression": "no"}, ("no", "no")),
            ({"snapshot_compression": "lz4"}, ("lz4", "yes")),
        ]
        for i, (conf, want) in enumerate(cases):
            path = os.path.join(d, "c%d.json" % i)
            with open(path, "w") as f:
                json.dump(conf, f)
            srv = self.server("--memcache-port", "0", config=path).start()
            r = srv.client()
            self.assertEqual(self.config(r), want, conf)
            if want[0] != "no":   # the file's codec is what SAVE uses
                r.set("k", text(0, 100000))
                self.assertTrue(r.execute_command("SAVE"))
                self.assertEqual(codecs_used(srv.dir) - {0}, {CODECS[want[0]]})
            srv.stop()
        # CONFIG REWRITE writes the running codec under snapshot_compression, which then decides
        path = os.path.join(d, "rewrite.json")
        with open(path, "w") as f:
            json.dump({"rdbcompression": True}, f)
        srv = self.server("--memcache-port", "0", config=path).start()
        r = srv.client()
        r.config_set("snapshot-compression", "zstd")
        self.assertTrue(r.config_rewrite())
        with open(path) as f:
            self.assertEqual(json.load(f), {"rdbcompression": True, "snapshot_compression": "zstd"})
        srv.stop()
        r = srv.start().client()
        self.assertEqual(self.config(r), ("zstd", "yes"))
        srv.stop()
        path = os.path.join(d, "bad.json")
        with open(path, "w") as f:
            json.dump({"snapshot_compression": "brotli"}, f)
        log = start_fails(self.server("--memcache-port", "0", config=path))
        self.assertIn('$.snapshot_compression: expected "no", "lz4" or "zstd"', log)


if __name__ == "__main__":
    unittest.main()
