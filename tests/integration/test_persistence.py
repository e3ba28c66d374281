"""test_persistence.py -- snapshots against a real keel-server: every type, TTLs, numbered
databases, deep namespaces and memcached items survive SAVE (and BGSAVE, SHUTDOWN SAVE) and a
restart on the same --dir; SHUTDOWN NOSAVE keeps the previous snapshot; a corrupt file or a
missing module stops the start with a clear log line; files of a save that crashed before its
manifest are ignored; INFO persistence and LASTSAVE follow.
"""
import glob
import os
import shutil
import signal
import socket
import tempfile
import time
import unittest

import redis

from keel_harness import MODULE_DIR, KeelServer, free_port, have_module, wait_until


def persistence(r):
    return r.info("persistence")


def shard_files(d):
    return sorted(glob.glob(os.path.join(d, "keel-*-*.snap")))


def restart(srv):
    srv.stop()
    srv.start()
    return srv.client()


def start_fails(srv):
    """Starts srv expecting it to exit with an error; returns its log."""
    srv.log = open(srv.log_path, "wb")
    import subprocess
    srv.proc = subprocess.Popen(srv.cmd, stdout=srv.log, stderr=subprocess.STDOUT, env=srv.env)
    rc = srv.proc.wait(120)
    srv.log.close()
    srv.proc = None
    assert rc != 0, "the server started on a snapshot it should refuse"
    return srv.read_log()


def mc(port, *lines):
    """Sends memcached text lines; returns the reply up to END/STORED/..."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"".join(lines) + b"mn\r\n")
    buf = b""
    while not buf.endswith(b"MN\r\n"):
        d = s.recv(1 << 16)
        if not d:
            break
        buf += d
    s.close()
    return buf[:-4]


class PersistenceTest(unittest.TestCase):
    def server(self, *args, **kw):
        srv = KeelServer(*args, **kw)
        self.addCleanup(lambda: srv.proc and srv.stop())
        return srv

    def test_every_type_survives_save_and_restart(self):
        srv = self.server().start()
        r = srv.client()
        big = os.urandom(3 * 1024 * 1024)   # streamed in a block of its own
        r.set("str", "hello")
        r.set("int", 12345)
        r.set("neg", -9007199254740993)
        r.set("real", "3.25")
        r.set("empty", "")
        r.set("big", big)
        r.rpush("list", *[str(i) if i % 3 else "e%d" % i for i in range(20000)])
        r.sadd("intset", *range(100))
        r.sadd("set", "a", "b", "c", 7)
        r.hset("map", mapping={"f%d" % i: "v%d" % i for i in range(500)})
        r.pfadd("hll", *["item%d" % i for i in range(1000)])
        before = r.pfcount("hll")
        zmembers = {"m%d" % i: (i * 0.1 - 50) for i in range(2000)}   # indexed past 128 members
        zmembers.update({"": 0.0, "plus": float("inf"), "minus": float("-inf"), "7": 1e-300})
        r.zadd("zset", zmembers)
        r.zadd("zsmall", {"a": 1.5, "b": 1.5, "c": -2})
        zbefore = r.zrange("zset", 0, -1, withscores=True)
        self.assertTrue(r.execute_command("SAVE"))
        self.assertTrue(len(shard_files(srv.dir)) > 0)
        r = restart(srv)
        self.assertEqual(r.get("str"), b"hello")
        self.assertEqual(r.get("int"), b"12345")
        self.assertEqual(r.incr("int"), 12346)
        self.assertEqual(r.get("neg"), b"-9007199254740993")
        self.assertEqual(r.get("real"), b"3.25")
        self.assertEqual(r.get("empty"), b"")
        self.assertEqual(r.get("big"), big)
        self.assertEqual(r.llen("list"), 20000)
        self.assertEqual(r.lindex("list", 3), b"e3")
        self.assertEqual(r.lindex("list", 19999), b"19999")
        self.assertEqual(r.type("list"), b"list")
        self.assertEqual(r.smembers("intset"), {str(i).encode() for i in range(100)})
        self.assertEqual(r.type("intset"), b"set")
        self.assertEqual(r.smembers("set"), {b"a", b"b", b"c", b"7"})
        self.assertEqual(r.hlen("map"), 500)
        self.assertEqual(r.hget("map", "f499"), b"v499")
        self.assertEqual(r.pfcount("hll"), before)
        self.assertEqual(r.zrange("zset", 0, -1, withscores=True), zbefore)
        self.assertEqual(r.zrange("zsmall", 0, -1, withscores=True), [(b"c", -2.0), (b"a", 1.5), (b"b", 1.5)])
        self.assertEqual(r.type("zset"), b"zset")
        self.assertEqual(r.zadd("zset", {"new": 1}), 1)   # a live value again
        self.assertEqual(r.dbsize(), 13)
        info = persistence(r)
        self.assertEqual(info["rdb_last_load_keys_loaded"], 13)
        srv.stop()

    def test_loaded_keys_expire_on_time_without_being_touched(self):
        # the snapshot's expiries are set as it loads: every thread's expiry timer must still
        # learn of them, at the top and inside namespaces
        srv = self.server().start()
        r = srv.client()
        for i in range(200):
            r.set("v%d" % i, "x", ex=4)
        r.execute_command("NS", "deep", "er")
        for i in range(50):
            r.set("n%d" % i, "x", ex=4)
        r.execute_command("NSRESET")
        r.set("stay", "x")
        self.assertTrue(r.execute_command("SAVE"))
        r = restart(srv)
        self.assertGreater(r.dbsize(), 1)   # loaded, not yet due (restart takes well under 4 s)
        wait_until("the loaded keys to expire untouched",
                   lambda: int(r.info("stats")["expired_keys"]) == 250, timeout=120)
        self.assertEqual(r.get("stay"), b"x")
        self.assertEqual(r.exists(*["v%d" % i for i in range(200)]), 0)
        srv.stop()

    def test_ttls_databases_and_deep_namespaces(self):
        srv = self.server().start()
        r = srv.client()
        r.set("long", "v", ex=100000)
        soon_at = time.time() + 3
        r.set("soon", "v")
        r.pexpireat("soon", int(soon_at * 1000))
        r.set("forever", "v")
        r.execute_command("SELECT", 5)
        r.set("five", "in db 5", ex=50000)
        r.rpush("fivelist", "x", "y")
        r.execute_command("SELECT", 0)
        r.execute_command("NS", "a", "b", "c", "d")
        r.set("deep", "down", ex=70000)
        r.sadd("deepset", "m")
        r.execute_command("NS", "e")
        r.set("deeper", "yes")
        r.execute_command("NSRESET")
        self.assertTrue(r.execute_command("SAVE"))
        soon_saved = r.pttl("soon") > 0   # alive after SAVE returned: it is in the snapshot
        srv.stop()
        wait_until("the short TTL to pass", lambda: time.time() > soon_at + 0.1)
        srv.start()
        r = srv.client()
        self.assertEqual(r.get("soon"), None)
        if soon_saved:
            self.assertEqual(persistence(r)["rdb_last_load_keys_expired"], 1)
        self.assertTrue(0 < r.ttl("long") <= 100000)
        self.assertEqual(r.ttl("forever"), -1)
        r.execute_command("SELECT", 5)
        self.assertEqual(r.get("five"), b"in db 5")
        self.assertTrue(0 < r.ttl("five") <= 50000)
        self.assertEqual(r.lrange("fivelist", 0, -1), [b"x", b"y"])
        r.execute_command("SELECT", 0)
        self.assertEqual(r.get("five"), None)
        r.execute_command("NS", "a", "b", "c", "d")
        self.assertEqual(r.get("deep"), b"down")
        self.assertTrue(0 < r.ttl("deep") <= 70000)
        self.assertEqual(r.smembers("deepset"), {b"m"})
        r.execute_command("NS", "e")
        self.assertEqual(r.get("deeper"), b"yes")
        srv.stop()

    @unittest.skipUnless(not MODULE_DIR or (have_module("memcache") and have_module("mcitems")),
                         "memcache.so or mcitems.so is not built")
    def test_memcached_flags_and_cas_survive(self):
        port = free_port()
        srv = self.server("--memcache-port", str(port)).start()
        self.assertEqual(mc(port, b"set item 4242 0 5\r\nhello\r\n"), b"STORED\r\n")
        got = mc(port, b"gets item\r\n").split(b"\r\n")[0].split()
        self.assertEqual(got[:4], [b"VALUE", b"item", b"4242", b"5"])
        cas = got[4]
        self.assertTrue(srv.client().execute_command("SAVE"))
        srv.stop()
        srv.start()
        got = mc(port, b"gets item\r\n").split(b"\r\n")
        self.assertEqual(got[0].split(), [b"VALUE", b"item", b"4242", b"5", cas])
        self.assertEqual(got[1], b"hello")
        # the CAS still guards the item: the old unique succeeds once, then is stale
        self.assertEqual(mc(port, b"cas item 1 0 3 " + cas + b"\r\nnew\r\n"), b"STORED\r\n")
        self.assertEqual(mc(port, b"cas item 1 0 3 " + cas + b"\r\nold\r\n"), b"EXISTS\r\n")
        srv.stop()

    def test_shutdown_save_and_nosave(self):
        srv = self.server().start()
        r = srv.client()
        r.set("k", "saved by shutdown")
        r.rpush("l", "a")
        with self.assertRaises(redis.exceptions.ConnectionError):
            r.execute_command("SHUTDOWN", "SAVE")
        self.assertEqual(srv.proc.wait(60), 0)
        srv.stop()
        self.assertIn("DB saved on disk", srv.read_log())
        srv.start()
        r = srv.client()
        self.assertEqual(r.get("k"), b"saved by shutdown")
        self.assertEqual(r.lrange("l", 0, -1), [b"a"])
        r.set("k", "not saved")
        r.set("new", "not saved")
        with self.assertRaises(redis.exceptions.ConnectionError):
            r.execute_command("SHUTDOWN", "NOSAVE")
        self.assertEqual(srv.proc.wait(60), 0)
        srv.stop()
        srv.start()
        r = srv.client()
        self.assertEqual(r.get("k"), b"saved by shutdown")
        self.assertEqual(r.get("new"), None)
        # plain SHUTDOWN with no save points configured does not save either
        r.set("k", "changed")
        with self.assertRaises(redis.exceptions.ConnectionError):
            r.execute_command("SHUTDOWN")
        srv.proc.wait(60)
        srv.stop()
        r = srv.start().client()
        self.assertEqual(r.get("k"), b"saved by shutdown")
        srv.stop()

    def test_one_worker_saves_and_loads_on_every_core(self):
        """With fewer workers than cores, SAVE, a shutdown's save and the load at start split
        the shards over a thread per core; every key comes back whatever the split."""
        import re
        cores = os.cpu_count() or 1
        srv = self.server(threads=1).start()   # 8 shards
        r = srv.client()
        p = r.pipeline(transaction=False)
        for i in range(3000):
            p.set("s:%d" % i, "v%d" % i)
            if i % 10 == 0:
                p.rpush("l:%d" % i, i, i + 1)
                p.hset("h:%d" % i, mapping={"f": i})
        p.execute()
        self.assertTrue(r.save())
        # the log is written by its own thread: the line may come after SAVE's reply
        saved = wait_until("the save's log line",
                           lambda: re.findall(r"DB saved on disk: .*, (\d+) threads", srv.read_log()))
        self.assertEqual(saved, [str(min(8, cores))])
        r.set("after", "the save")
        with self.assertRaises(redis.exceptions.ConnectionError):
            r.execute_command("SHUTDOWN", "SAVE")
        self.assertEqual(srv.proc.wait(60), 0)
        srv.stop()
        saved = re.findall(r"DB saved on disk: .*, (\d+) threads", srv.read_log())
        self.assertEqual(saved[-1], str(min(8, cores)))
        for threads in (1, 2):   # the same files, loaded under either worker count
            srv2 = self.server(threads=threads)
            srv2.cmd[srv2.cmd.index("--dir") + 1] = srv.dir
            srv2.start()
            r = srv2.client()
            self.assertEqual(r.dbsize(), 3000 + 2 * 300 + 1)
            self.assertEqual(r.get("s:2999"), b"v2999")
            self.assertEqual(r.get("after"), b"the save")
            self.assertEqual(r.lrange("l:2990", 0, -1), [b"2990", b"2991"])
            self.assertEqual(r.hget("h:0", "f"), b"0")
            loaded = wait_until("the load's log line", lambda: re.findall(
                r"DB loaded from disk: .*, (\d+) threads\)", srv2.read_log()))
            self.assertEqual(loaded, [str(min(8, max(cores, threads)))])
            srv2.stop()

    def test_corrupt_snapshot_is_refused_with_file_and_offset(self):
        srv = self.server().start()
        r = srv.client()
        for i in range(2000):
            r.set("key:%d" % i, "value %d" % i)
        self.assertTrue(r.execute_command("SAVE"))
        srv.stop()
        victim = max(shard_files(srv.dir), key=os.path.getsize)
        size = os.path.getsize(victim)
        with open(victim, "r+b") as f:
            f.seek(size // 2)
            b = f.read(1)
            f.seek(size // 2)
            f.write(bytes([b[0] ^ 0x20]))
        log = start_fails(srv)
        self.assertIn(victim, log)
        self.assertRegex(log, r"(checksum mismatch in the block|past the end of the file).* at offset \d+")
        # a truncated file is refused too
        with open(victim, "r+b") as f:
            f.seek(size // 2)
            f.write(bytes([b[0]]))
            f.truncate(size - 3)
        log = start_fails(srv)
        self.assertIn(victim, log)
        self.assertRegex(log, r"truncated|past the end of the file")
        # and a file that is cut exactly between blocks (its end block missing)
        os.truncate(victim, 16)
        log = start_fails(srv)
        self.assertIn("before its end block", log)

    def test_crash_before_the_manifest_leaves_the_previous_snapshot(self):
        srv = self.server().start()
        r = srv.client()
        r.set("k", "first")
        self.assertTrue(r.execute_command("SAVE"))
        first = shard_files(srv.dir)
        r.set("k", "second")
        # a save that crashed part way: finished files of a newer generation, a temp file and
        # a half-written manifest temp, none of which the manifest names
        gen = int(os.path.basename(first[0]).split("-")[1]) + 1000
        for name in first:
            shard = os.path.basename(name).split("-")[2]
            with open(name, "rb") as src:
                data = src.read()
            with open(os.path.join(srv.dir, "keel-%d-%s" % (gen, shard)), "wb") as f:
                f.write(data[: len(data) // 2])
            with open(os.path.join(srv.dir, "keel-%d-%s.tmp" % (gen, shard)), "wb") as f:
                f.write(b"garbage")
        with open(os.path.join(srv.dir, "keel.manifest.tmp"), "wb") as f:
            f.write(b"KEELSNAP half")
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait(60)
        srv.proc = None
        srv.log.close()
        srv.start()
        r = srv.client()
        self.assertEqual(r.get("k"), b"first")
        # the next save clears the leftovers
        self.assertTrue(r.execute_command("SAVE"))
        left = [f for f in os.listdir(srv.dir) if f.startswith("keel-%d-" % gen)]
        self.assertEqual(left, [])
        srv.stop()

    def test_missing_module_keeps_values_opaque(self):
        srv = self.server().start()
        srv.client().rpush("l", "x", "y")
        self.assertTrue(srv.client().execute_command("SAVE"))
        srv.stop()
        with KeelServer("--dir", srv.dir, modules=["resp", "strings"], port=srv.port) as again:
            r = again.client()
            self.assertEqual(r.type("l"), b"list")
            self.assertEqual(r.object("encoding", "l"), b"opaque")
            with self.assertRaisesRegex(redis.ResponseError, "^WRONGTYPE"):
                r.get("l")
            self.assertTrue(r.execute_command("SAVE"))   # written back unchanged
        srv.start()
        self.assertEqual(srv.client().lrange("l", 0, -1), [b"x", b"y"])
        srv.stop()

    def test_info_lastsave_and_bgsave(self):
        srv = self.server().start()
        r = srv.client()
        info = persistence(r)
        self.assertEqual(info["persistence_available"], 1)
        self.assertEqual(info["rdb_saves"], 0)
        self.assertEqual(info["loading"], 0)
        for i in range(10):
            r.set("k%d" % i, i)
        self.assertGreaterEqual(persistence(r)["rdb_changes_since_last_save"], 10)
        self.assertTrue(r.execute_command("SAVE"))
        info = persistence(r)
        self.assertEqual(info["rdb_changes_since_last_save"], 0)
        self.assertEqual(info["rdb_saves"], 1)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")
        self.assertEqual(r.lastsave().timestamp() // 1, info["rdb_last_save_time"])
        r.set("after", 1)
        self.assertEqual(persistence(r)["rdb_changes_since_last_save"], 1)
        # BGSAVE while another client writes
        w = srv.client()
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        for i in range(2000):
            w.set("bg:%d" % i, i)
        wait_until("BGSAVE to finish", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0)
        info = persistence(r)
        self.assertEqual(info["rdb_saves"], 2)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")
        self.assertGreaterEqual(info["rdb_last_bgsave_time_sec"], 0)
        with self.assertRaises(redis.exceptions.ResponseError):
            r.execute_command("BGSAVE", "NOW")
        r = restart(srv)
        # every key that existed when BGSAVE began is there
        for i in range(10):
            self.assertEqual(r.get("k%d" % i), str(i).encode())
        self.assertEqual(r.get("after"), b"1")
        srv.stop()

    def test_a_bgsave_under_way_at_shutdown_is_finished(self):
        srv = self.server().start()
        r = srv.client()
        p = r.pipeline(transaction=False)
        for i in range(30000):
            p.set("key:%d" % i, "x" * 100)
        p.execute()
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        r = restart(srv)   # SIGTERM at once: the save is finished (or already was)
        self.assertEqual(r.dbsize(), 30000)
        srv.stop()

    def test_save_waits_for_a_write_in_flight_and_sees_it_whole(self):
        srv = self.server().start()
        r = srv.client()
        # MSET over many shards: the snapshot has all of its keys or none
        keys = {"m%d" % i: "v" for i in range(200)}
        r.mset(keys)
        self.assertTrue(r.execute_command("SAVE"))
        r = restart(srv)
        self.assertEqual(r.mget(list(keys)), [b"v"] * 200)
        srv.stop()

    def test_a_save_that_cannot_write_fails_and_the_server_keeps_serving(self):
        gone = tempfile.mkdtemp(prefix="keel-gone-")
        srv = self.server("--dir", gone).start()
        r = srv.client()
        r.set("k", "v")
        self.assertTrue(r.execute_command("SAVE"))
        os.remove(os.path.join(gone, "keel.manifest"))
        for f in shard_files(gone):
            os.remove(f)
        os.rmdir(gone)
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.execute_command("SAVE")
        self.assertIn("snapshot failed", str(e.exception))
        info = persistence(r)
        self.assertEqual(info["rdb_last_bgsave_status"], "err")
        self.assertEqual(info["rdb_saves"], 1)
        self.assertGreaterEqual(info["rdb_changes_since_last_save"], 0)
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        wait_until("the BGSAVE to fail", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "err")
        wait_until("the reason in the log", lambda: "snapshot failed" in srv.read_log())
        self.assertIn(gone, srv.read_log())
        self.assertEqual(r.get("k"), b"v")   # still serving, data intact
        os.mkdir(gone)
        self.assertTrue(r.execute_command("SAVE"))
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        srv.stop()
        shutil.rmtree(gone, ignore_errors=True)

    def test_save_points(self):
        srv = self.server().start()
        r = srv.client()
        self.assertEqual(r.config_get("save"), {"save": ""})
        for bad in ("1", "x 1", "0 1", "1 -1", "1 1 2"):
            with self.assertRaises(redis.exceptions.ResponseError):
                r.config_set("save", bad)
        self.assertEqual(r.config_get("save"), {"save": ""})
        self.assertTrue(r.config_set("save", "1 1  3600 100"))
        self.assertEqual(r.config_get("save"), {"save": "1 1 3600 100"})
        r.set("by", "save point")
        wait_until("the save point to save", lambda: persistence(r)["rdb_saves"] >= 1)
        wait_until("that save to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        # with save points, SIGTERM and a plain SHUTDOWN save the final state, as in Redis
        self.assertTrue(r.config_set("save", "3600 1"))
        r.set("by", "sigterm")
        r = restart(srv)   # SIGTERM
        self.assertEqual(r.get("by"), b"sigterm")
        self.assertEqual(r.config_get("save"), {"save": ""})   # not from the command line
        srv.stop()

    def test_save_on_the_command_line(self):
        srv = self.server("--save", "3600 1").start()
        r = srv.client()
        self.assertEqual(r.config_get("save"), {"save": "3600 1"})
        r.set("k", "v")
        with self.assertRaises(redis.exceptions.ConnectionError):
            r.execute_command("SHUTDOWN")
        self.assertEqual(srv.proc.wait(60), 0)
        srv.stop()
        srv.start()
        self.assertEqual(srv.client().get("k"), b"v")
        srv.stop()
        bad = KeelServer("--save", "60")
        self.assertIn("--save: expected", start_fails(bad))

    def test_save_needs_admin_and_checks_arity(self):
        srv = self.server().start()
        r = srv.client()
        # not inside MULTI/EXEC or a script (it would wait for its caller's keys): as Redis
        p = r.pipeline(transaction=True)
        p.set("k", "v")
        p.execute_command("SAVE")
        res = p.execute(raise_on_error=False)
        self.assertEqual(res[0], True)
        self.assertIsInstance(res[1], redis.exceptions.ResponseError)
        self.assertIn("not allowed inside a transaction", str(res[1]))
        if have_module("scripting"):
            with self.assertRaises(redis.exceptions.ResponseError):
                r.eval("return redis.call('SAVE')", 0)
        self.assertTrue(r.execute_command("SAVE"))
        with self.assertRaises(redis.exceptions.ResponseError):
            r.execute_command("SAVE", "extra")
        with self.assertRaises(redis.exceptions.ResponseError):
            r.execute_command("LASTSAVE", "extra")
        srv.stop()


if __name__ == "__main__":
    unittest.main()
