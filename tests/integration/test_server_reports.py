"""test_server_reports.py -- what the server says about itself is true, on a real keel-server.

Persistence is snapshots only (test_persistence.py tests them): SHUTDOWN SAVE is refused with
Redis's error when the data directory takes no file (FORCE exits anyway), CONFIG GET of the
persistence parameters says what is true (no file name setting, no save points, no log) and
CONFIG SET refuses what is not there; INFO persistence starts with nothing saved.  INFO and HELLO report one Redis version, the release Keel's
behaviour follows.  used_memory_peak follows the process without INFO (MEMORY STATS reads the
recorded peak without sampling it), INFO keyspace's avg_ttl is the keys' real mean TTL, and
MEMORY USAGE measures every type (namespaces with the values below them, sampled or whole, a
slice at a time) in Redis's reply shape, as redis-cli --memkeys asks for it.  Where Debian's
redis-server is installed, the error texts and the INFO field names are compared with it.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import threading
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, MODULE_DIR, RedisServer, raw_client, reply_of, wait_until

REDIS_VERSION = "7.0.15"


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except (redis.ResponseError, redis.exceptions.NoPermissionError) as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def wait_for(what, predicate, timeout=60.0):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def memory_stats(r):
    flat = r.execute_command("MEMORY", "STATS")
    return {k.decode(): v for k, v in zip(flat[0::2], flat[1::2])}


MODULES = ["resp", "strings"] + [m for m in ("lists", "sets", "maps") if have_module(m)]


@unittest.skipUnless(have_module("strings"), "strings.so not built")
class Reports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=MODULES).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    # ---- the Redis version ----

    def test_info_and_hello_report_the_redis_release_keel_follows(self):
        info = self.r.info("server")
        self.assertEqual(info["redis_version"], REDIS_VERSION)
        hello = self.r.execute_command("HELLO")
        fields = {k.decode(): v for k, v in zip(hello[0::2], hello[1::2])}
        self.assertEqual(fields["version"], REDIS_VERSION.encode())
        self.assertEqual(fields["server"], b"keel")
        self.assertEqual(len(fields), 7)                 # Redis's fields, no more
        self.assertRegex(str(info["keel_version"]), r"^\d+\.\d+")

    @unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
    def test_the_version_is_the_release_the_compat_tests_run_against(self):
        out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, timeout=30).stdout
        installed = re.search(r"v=(\d+)\.(\d+)\.", out).groups()
        self.assertEqual(tuple(REDIS_VERSION.split(".")[:2]), installed)

    # ---- persistence: snapshots only, and every answer says so ----

    def test_config_get_says_there_is_no_persistence(self):
        cfg = self.r.config_get("*")
        self.assertEqual(cfg["dbfilename"], "")
        self.assertEqual(cfg["save"], "")
        self.assertEqual(cfg["appendonly"], "no")
        self.assertEqual(cfg["persistence"], "snapshots")
        self.assertEqual(self.r.config_get("dbfilename"), {"dbfilename": ""})

    def test_config_set_dbfilename_and_bad_save_points_are_refused(self):
        why = "persistence is not available in this version of Keel"
        self.assertEqual(error_of(self.r, "CONFIG", "SET", "dbfilename", "dump.rdb"),
                         "CONFIG SET failed (possibly related to argument 'dbfilename') - %s" % why)
        # (CONFIG SET appendonly yes works: test_aof_runtime.py)
        self.assertEqual(error_of(self.r, "CONFIG", "SET", "save", "900"),
                         "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
        self.assertTrue(self.r.config_set("save", ""))          # what is true already is accepted
        self.assertTrue(self.r.config_set("appendonly", "no"))
        self.assertEqual(self.r.config_get("save"), {"save": ""})
        self.assertEqual(self.r.config_get("appendonly"), {"appendonly": "no"})

    def test_info_persistence_says_nothing_was_ever_saved(self):
        p = self.r.info("persistence")
        self.assertEqual(p["persistence_available"], 1)
        for field in ("loading", "async_loading", "rdb_bgsave_in_progress", "rdb_saves",
                      "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled"):
            self.assertEqual(p[field], 0, field)
        # as Redis: the last save time is the start until something is saved
        self.assertEqual(p["rdb_last_save_time"], int(self.r.lastsave().timestamp()))
        for field in ("rdb_last_bgsave_status", "aof_last_bgrewrite_status", "aof_last_write_status"):
            self.assertEqual(p[field], "ok", field)

    def test_rdb_changes_since_last_save_counts_every_write(self):
        before = self.r.info("persistence")["rdb_changes_since_last_save"]
        self.r.set("a", 1)
        self.r.set("b", 2)
        self.r.incr("a")
        self.r.get("a")                                  # reads change nothing
        self.r.exists("b")
        if have_module("lists"):
            self.assertEqual(error_of(self.r, "LPUSH", "a", "x").split()[0], "WRONGTYPE")   # failed: nothing
        self.assertEqual(self.r.info("persistence")["rdb_changes_since_last_save"], before + 3)

    def test_shutdown_errors_keep_the_server_serving(self):
        self.r.set("k", "v")
        self.assertEqual(error_of(self.r, "SHUTDOWN", "SAVE", "NOSAVE"), "syntax error")
        self.assertEqual(error_of(self.r, "SHUTDOWN", "ABORT"), "No shutdown in progress.")
        self.assertEqual(error_of(self.r, "SHUTDOWN", "ABORT", "NOW"), "syntax error")
        self.assertEqual(self.r.get("k"), b"v")

    # ---- avg_ttl ----

    def keyspace(self):
        return self.r.info("keyspace").get("db0", {"keys": 0, "expires": 0, "avg_ttl": 0})

    def test_avg_ttl_is_the_mean_time_to_live_left(self):
        self.assertEqual(self.keyspace()["avg_ttl"], 0)
        start = time.time()
        for i in range(30):
            self.r.set("short%d" % i, 1, px=1000000)
        for i in range(10):
            self.r.set("long%d" % i, 1, px=5000000)
        self.r.set("forever", 1)                         # keys without a TTL do not count
        mean = (30 * 1000000 + 10 * 5000000) / 40

        def published(lo, hi):
            """avg_ttl once the shards' ticks have published every key: within [lo - elapsed, hi],
            give or take a second for the threads' clocks (each reads the time once a tick)."""
            got = self.keyspace()["avg_ttl"]
            return lo - (time.time() - start) * 1000 - 1000 <= got <= hi + 1000 and got

        wait_for("avg_ttl of all 40 keys", lambda: published(mean, mean))
        self.r.delete(*["long%d" % i for i in range(10)])
        wait_for("avg_ttl without the long keys", lambda: published(1000000, 1000000))
        for i in range(30):
            self.r.persist("short%d" % i)
        wait_for("avg_ttl back to 0", lambda: self.keyspace()["avg_ttl"] == 0)
        self.assertEqual(self.keyspace()["expires"], 0)

    # ---- MEMORY USAGE ----

    def usage(self, key, *samples):
        args = ["MEMORY", "USAGE", key] + (["SAMPLES", samples[0]] if samples else [])
        return self.r.execute_command(*args)

    def test_memory_usage_of_a_missing_key_is_nil(self):
        self.assertIsNone(self.usage("nokey"))
        self.assertIsNone(self.usage("nokey", 0))

    def test_memory_usage_counts_the_value_and_little_beside(self):
        self.r.set("small", "v")
        self.r.set("text", "x" * 1000)
        self.r.set("huge", "y" * 200000)
        small, text, huge = self.usage("small"), self.usage("text"), self.usage("huge")
        self.assertGreater(small, 0)
        self.assertLess(small, 64)                       # Redis 7.0 answers 56 or more
        self.assertGreaterEqual(text, 1000)
        self.assertLess(text, 1000 + 200)
        self.assertGreaterEqual(huge, 200000)
        self.assertLess(huge, 200000 + 4096)
        self.r.append("text", "z" * 1000)
        self.assertGreaterEqual(self.usage("text"), 2000)

    @unittest.skipUnless(have_module("lists") and have_module("sets"), "lists.so or sets.so not built")
    def test_memory_usage_of_lists_and_sets_grows_with_them(self):
        self.r.rpush("l", *range(10))
        self.r.sadd("s", *["m%d" % i for i in range(10)])
        small_list, small_set = self.usage("l"), self.usage("s")
        self.r.rpush("l", *["element-%d" % i for i in range(10000)])
        self.r.sadd("s", *["member-%d" % i for i in range(10000)])
        self.assertGreater(self.usage("l"), small_list + 10000 * 9)
        self.assertGreater(self.usage("s"), small_set + 10000 * 8)
        self.assertEqual(self.usage("l"), self.usage("l", 0))   # exact: SAMPLES changes nothing
        self.assertEqual(self.r.type("l"), b"list")

    @unittest.skipUnless(have_module("maps") and have_module("lists"), "maps.so or lists.so not built")
    def test_memory_usage_of_a_namespace_counts_what_is_below_it(self):
        inside = self.srv.client(single_connection_client=True)
        inside.execute_command("NS", "tree")
        for i in range(20):
            inside.rpush("list%d" % i, *["item-%d-%d" % (i, j) for j in range(500)])
            inside.set("str%d" % i, "s" * 100)
        inside.hset("map", mapping={"f%d" % j: "v" * 50 for j in range(200)})
        parts = sum(inside.execute_command("MEMORY", "USAGE", k, "SAMPLES", 0) for k in inside.keys("*"))
        whole = self.usage("tree", 0)
        self.assertGreaterEqual(whole, parts)           # every value below it, and its own table
        self.assertLess(whole, parts * 1.2 + 4096)
        sampled = self.usage("tree")                     # 5 samples of 41 entries, extrapolated
        self.assertGreater(sampled, 0)
        self.assertGreater(self.usage("tree", 1000), parts)
        self.assertEqual(self.usage("tree", 1000), whole)    # more samples than entries: all of them
        self.assertIsNone(inside.execute_command("MEMORY", "USAGE", "tree"))   # names are relative
        self.assertGreater(inside.execute_command("MEMORY", "USAGE", "map", "SAMPLES", 0), 200 * 50)

    @unittest.skipUnless(have_module("maps") and have_module("lists"), "maps.so or lists.so not built")
    def test_memory_usage_of_a_huge_namespace_yields_between_slices(self):
        s = self.srv.raw(timeout=60)              # a pipeline on one connection, inside "huge"
        s.sendall(b"NS huge\r\n" + b"".join(b"RPUSH l%d a\r\n" % i for i in range(30000)))
        want, got = b"+OK\r\n" + b":1\r\n" * 30000, b""
        while len(got) < len(want):
            chunk = s.recv(1 << 20)
            self.assertTrue(chunk, "connection closed")
            got += chunk
        self.assertEqual(got, want)
        s.close()
        self.assertEqual(self.r.type("huge"), b"hash")
        yields = self.r.info("stats")["zvm_yields"]
        whole = self.usage("huge", 0)
        self.assertGreater(self.r.info("stats")["zvm_yields"], yields)   # walked in slices
        self.assertGreater(whole, 30000 * 8)
        self.assertEqual(self.usage("huge", 0), whole)

    @unittest.skipUnless(have_module("lists") and have_module("maps"), "lists.so or maps.so not built")
    def test_redis_cli_memkeys_reports_each_keys_bytes(self):
        self.r.set("str", "x" * 5000)
        self.r.rpush("lst", *range(2000))
        self.r.hset("hsh", mapping={"f%d" % i: i for i in range(300)})
        out = subprocess.run(["redis-cli", "-p", str(self.srv.port), "--memkeys"], capture_output=True,
                             text=True, timeout=120).stdout
        found = dict(re.findall(r"Biggest\s+\w+ found '\"(\w+)\"' has (\d+) bytes", out))
        self.assertEqual(set(found), {"str", "lst", "hsh"}, out)
        for key, n in found.items():
            self.assertEqual(int(n), self.usage(key, 0), key)   # --memkeys asks SAMPLES 0
            self.assertGreater(int(n), 0)
        self.assertGreaterEqual(int(found["str"]), 5000)

    def test_memory_usage_errors(self):
        self.r.set("k", "v")
        self.assertEqual(error_of(self.r, "MEMORY", "USAGE"), "wrong number of arguments for 'memory|usage' command")
        self.assertEqual(error_of(self.r, "MEMORY", "USAGE", "k", "SAMPLES"), "syntax error")
        self.assertEqual(error_of(self.r, "MEMORY", "USAGE", "k", "SAMPLES", "-1"), "syntax error")
        self.assertEqual(error_of(self.r, "MEMORY", "USAGE", "k", "SAMPLES", "x"),
                         "value is not an integer or out of range")
        self.assertEqual(error_of(self.r, "MEMORY", "USAGE", "k", "FOO", "1"), "syntax error")
        self.assertEqual(error_of(self.r, "MEMORY", "NOPE"), "unknown subcommand 'NOPE'. Try MEMORY HELP.")
        self.assertEqual(error_of(self.r, "MEMORY"), "wrong number of arguments for 'memory' command")
        self.assertTrue(self.r.execute_command("MEMORY", "HELP")[0].startswith(b"MEMORY <subcommand>"))
        self.assertEqual(self.r.execute_command("MEMORY", "USAGE", "k", "SAMPLES", "1", "SAMPLES", "0"),
                         self.usage("k"))

    def test_info_has_the_fields_exporters_read(self):
        mem = self.r.info("memory")
        self.assertAlmostEqual(mem["mem_fragmentation_ratio"], mem["used_memory_rss"] / mem["used_memory"], delta=0.05)
        self.assertEqual(mem["mem_fragmentation_bytes"], mem["used_memory_rss"] - mem["used_memory"])
        self.assertGreater(mem["total_system_memory"], mem["used_memory"])
        self.assertGreater(mem["used_memory_startup"], 0)
        repl = self.r.info("replication")
        self.assertEqual((repl["role"], repl["connected_slaves"], repl["master_repl_offset"]), ("master", 0, 0))
        self.assertRegex(repl["master_replid"], r"^[0-9a-f]{40}$")
        self.assertEqual(self.r.info("cluster")["cluster_enabled"], 0)
        self.assertEqual(self.r.info("clients")["tracking_clients"], 0)
        stats = self.r.info("stats")
        for f in ("instantaneous_ops_per_sec", "instantaneous_input_kbps", "instantaneous_output_kbps"):
            self.assertGreaterEqual(stats[f], 0)

    def test_instantaneous_ops_per_sec_follows_the_load(self):
        stop = threading.Event()

        def load():
            c = redis.Redis(port=self.srv.port)
            while not stop.is_set():
                c.ping()
            c.close()

        t = threading.Thread(target=load)
        t.start()
        try:   # sampled every 100 ms over 16 samples: it rises while the load runs
            wait_for("instantaneous_ops_per_sec to rise",
                     lambda: self.r.info("stats")["instantaneous_ops_per_sec"] > 0)
        finally:
            stop.set()
            t.join()

    def test_memory_doctor_reports_on_the_figures(self):
        report = self.r.execute_command("MEMORY", "DOCTOR").decode()
        used = int(self.r.info("memory")["used_memory"])
        if used < 5 << 20:
            self.assertIn("little data", report)
        else:
            self.assertTrue(any(w in report for w in ("No memory issue", "Peak:", "Fragmentation:")), report)
        self.assertEqual(error_of(self.r, "MEMORY", "DOCTOR", "x"), "wrong number of arguments for 'memory|doctor' command")
        self.assertIn(b"DOCTOR", self.r.execute_command("MEMORY", "HELP"))


@unittest.skipUnless(have_module("strings"), "strings.so not built")
class MemoryPeak(unittest.TestCase):
    """On a server of its own, so no earlier test has raised the peak already."""

    def test_used_memory_peak_follows_the_process_without_info(self):
        with KeelServer(threads=2, modules=["resp", "strings"]) as srv:
            r = srv.client()
            base = memory_stats(r)["total.allocated"]
            self.assertLess(memory_stats(r)["peak.allocated"], base + (30 << 20))
            r.set("big", b"x" * (32 << 20))
            # MEMORY STATS reads the recorded peak without sampling it: only the server's own
            # tick can raise it to the big value
            wait_for("the peak to include the big value",
                     lambda: memory_stats(r)["peak.allocated"] >= base + (30 << 20))
            r.delete("big")
            wait_for("the big value to be freed",
                     lambda: memory_stats(r)["total.allocated"] < base + (16 << 20))
            mem = r.info("memory")
            self.assertGreaterEqual(mem["used_memory_peak"], base + (30 << 20))
            self.assertLess(mem["used_memory"], base + (16 << 20))
            self.assertEqual(memory_stats(r)["keys.count"], 0)
            r.set("kept", b"y" * (6 << 20))   # enough data for the doctor to look at
            report = r.execute_command("MEMORY", "DOCTOR").decode()
            self.assertIn("Peak: the server once had", report)


@unittest.skipUnless(have_module("strings"), "strings.so not built")
class MemoryPermissions(unittest.TestCase):
    def test_usage_needs_read_and_stats_needs_stats(self):
        with KeelConfigServer({"modules": ["resp", "strings"], "networks": [
                {"name": "app", "host": "127.0.0.1", "port": 0, "permissions": ["read", "write"]},
                {"name": "ops", "host": "127.0.0.1", "port": 0, "permissions": ["stats"]},
                {"name": "watch", "host": "127.0.0.1", "port": 0, "permissions": ["read", "stats"]}]}) as srv:
            app, ops, watch = srv.client("app"), srv.client("ops"), srv.client("watch")
            app.set("k", "v")
            self.assertGreater(app.memory_usage("k"), 0)
            self.assertEqual(error_of(app, "MEMORY", "STATS"),
                             "this network does not allow 'memory|stats' (it needs the stats permission)")
            self.assertIn("peak.allocated", [k.decode() for k in watch.execute_command("MEMORY", "STATS")[0::2]])
            self.assertEqual(watch.memory_usage("k"), app.memory_usage("k"))
            for cmd in (("MEMORY", "USAGE", "k"), ("MEMORY", "STATS")):
                self.assertEqual(error_of(ops, *cmd),
                                 "this network does not allow the 'memory' command (it needs the read permission)")
            self.assertEqual(error_of(app, "SHUTDOWN", "SAVE"),
                             "this network does not allow the 'shutdown' command (it needs the admin permission)")
            self.assertTrue(app.ping())


class ShutdownAnswers(unittest.TestCase):
    def stopped(self, *args):
        srv = KeelServer(threads=2, modules=["resp"]).start()
        try:
            r = srv.client()
            try:
                r.execute_command("SHUTDOWN", *args)
            except redis.exceptions.ConnectionError:
                pass
            srv.proc.wait(20)
            self.assertEqual(srv.proc.returncode, 0)
            return srv.read_log()
        finally:
            srv.stop()

    def test_plain_shutdown_stops_the_server(self):
        self.assertIn("SHUTDOWN requested by client", self.stopped())

    def test_shutdown_save_force_saves_when_it_can(self):
        log = self.stopped("SAVE", "FORCE")
        self.assertIn("DB saved on disk", log)

    def test_shutdown_save_into_a_directory_gone_is_refused(self):
        gone = tempfile.mkdtemp(prefix="keel-gone-")
        srv = KeelServer("--dir", gone, threads=2, modules=["resp"]).start()
        try:
            os.rmdir(gone)
            r = srv.client()
            self.assertEqual(error_of(r, "SHUTDOWN", "SAVE"), "Errors trying to SHUTDOWN. Check logs.")
            self.assertEqual(error_of(r, "SHUTDOWN", "SAVE", "NOW"), "Errors trying to SHUTDOWN. Check logs.")
            self.assertTrue(r.ping())
            wait_until("the refusal in the log", lambda: "SHUTDOWN SAVE refused" in srv.read_log())
            try:
                r.execute_command("SHUTDOWN", "SAVE", "FORCE")
            except redis.exceptions.ConnectionError:
                pass
            self.assertEqual(srv.proc.wait(60), 0)
            self.assertIn("exiting without saving", srv.read_log())
        finally:
            srv.stop()


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
@unittest.skipUnless(have_module("strings"), "strings.so not built")
class ReportsLikeRedis(unittest.TestCase):
    """The same errors and the same INFO fields as Debian's redis-server."""

    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings"]).start()
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

    def test_memory_and_shutdown_errors_match(self):
        self.k.set("k", "v")
        self.r.set("k", "v")
        for cmd in (["MEMORY", "USAGE", "nokey"], ["MEMORY", "USAGE"], ["MEMORY", "USAGE", "k", "SAMPLES"],
                    ["MEMORY", "USAGE", "k", "SAMPLES", "-1"], ["MEMORY", "USAGE", "k", "SAMPLES", "x"],
                    ["MEMORY", "USAGE", "k", "BOGUS", "1"], ["MEMORY", "NOPE"], ["MEMORY"],
                    ["SHUTDOWN", "ABORT"], ["SHUTDOWN", "SAVE", "NOSAVE"], ["SHUTDOWN", "ABORT", "NOW"],
                    ["SHUTDOWN", "BOGUS"], ["CONFIG", "GET", "save"], ["CONFIG", "GET", "appendonly"]):
            self.assertEqual(reply_of(self.k, cmd), reply_of(self.r, cmd), cmd)
        kind, got = reply_of(self.k, ["MEMORY", "USAGE", "k"])
        self.assertEqual(kind, "ok")
        self.assertIsInstance(got, int)

    def test_info_persistence_fields_are_redis_fields(self):
        keel = self.k.execute_command("INFO", "persistence").decode()
        ours = {line.split(":")[0] for line in keel.split("\r\n")[1:] if line}
        theirs = {line.split(":")[0] for line in
                  self.r.execute_command("INFO", "persistence").decode().split("\r\n")[1:] if line}
        self.assertEqual(ours - theirs, {"persistence_available"})
        for field in ("loading", "rdb_bgsave_in_progress", "aof_enabled", "rdb_last_save_time"):
            self.assertIn(field, ours)

    def test_info_keyspace_line_has_redis_shape(self):
        self.k.set("t", "1", px=100000)
        self.r.set("t", "1", px=100000)
        pattern = r"db0:keys=\d+,expires=\d+,avg_ttl=\d+"
        self.assertRegex(self.k.execute_command("INFO", "keyspace").decode(), pattern)
        self.assertRegex(self.r.execute_command("INFO", "keyspace").decode(), pattern)


if __name__ == "__main__":
    unittest.main()
