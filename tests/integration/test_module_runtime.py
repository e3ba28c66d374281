"""test_module_runtime.py -- MODULE LOAD, LOADEX, UNLOAD and LIST while the server runs: a loaded
module's commands answer on every connection (every worker thread), vanish on unload, and come
back on a second load; bad files, a second load, busy modules, the core and a protocol in use are
refused with Redis's texts; load arguments (MODULE LOAD's, LOADEX's ARGS, the config's
"module_args") reach the module; load/unload cycles while other clients run commands."""
import json
import os
import subprocess
import tempfile
import threading
import unittest

import redis
from keel_harness import KeelConfigServer, KeelServer, MODULE_DIR, SERVER, wait_blocked, wait_until

BUILD = os.environ.get("KEEL_BUILDDIR", ".")
HELLO = os.path.join(BUILD, "sdk/template/.libs/hello.so")
SUMKEYS = os.path.join(BUILD, "sdk/examples/.libs/sumkeys.so")
LOAD_FAILED = "Error loading the extension. Please check the server logs."


def module_names(r):
    return sorted(dict(zip(m[::2], m[1::2]))[b"name"].decode() for m in r.execute_command("MODULE", "LIST"))


class ModuleRuntimeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=3).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def tearDown(self):
        for name in ("hello", "sumkeys"):
            if name in module_names(self.r):
                try:
                    self.r.execute_command("MODULE", "UNLOAD", name)
                except redis.ResponseError:
                    pass
        self.r.flushall()

    def test_load_use_from_every_thread_unload_and_reload(self):
        before = self.r.execute_command("COMMAND COUNT")
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", HELLO), b"OK")
        self.assertIn("hello", module_names(self.r))
        self.assertEqual(self.r.execute_command("COMMAND COUNT"), before + 1)
        clients = [self.srv.client() for _ in range(6)]   # handed to the 3 workers round-robin
        for i, c in enumerate(clients):
            self.assertEqual(c.execute_command("HELLO.WORLD"), b"hello, world")
            self.assertEqual(c.execute_command("HELLO.WORLD", "c%d" % i), b"c%d" % i)
        self.assertEqual(self.r.execute_command("MODULE", "UNLOAD", "hello"), b"OK")
        self.assertNotIn("hello", module_names(self.r))
        self.assertEqual(self.r.execute_command("COMMAND COUNT"), before)
        for c in clients:
            with self.assertRaisesRegex(redis.ResponseError, "(?i)unknown command 'hello.world'"):
                c.execute_command("HELLO.WORLD")
        self.assertEqual(self.r.execute_command("MODULE", "LOADEX", HELLO), b"OK")
        for c in clients:
            self.assertEqual(c.execute_command("HELLO.WORLD", "again"), b"again")
        for c in clients:
            c.close()

    def test_bad_files_and_second_load_are_refused(self):
        with tempfile.NamedTemporaryFile(suffix=".so") as junk:
            junk.write(b"not an object file")
            junk.flush()
            for path in ("/nonexistent/x.so", junk.name, "/lib/x86_64-linux-gnu/libm.so.6", ""):
                with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):
                    self.r.execute_command("MODULE", "LOAD", path)
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", HELLO), b"OK")
        with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):
            self.r.execute_command("MODULE", "LOAD", HELLO)
        wait_until("the refusals logged", lambda: "a module named 'hello' is already loaded" in self.srv.read_log())
        self.assertIn("/nonexistent/x.so: cannot load", self.srv.read_log())
        self.assertEqual(self.r.execute_command("HELLO.WORLD"), b"hello, world")
        with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):   # a CONFIG without a value
            self.r.execute_command("MODULE", "LOADEX", SUMKEYS, "CONFIG", "x")
        with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):   # neither CONFIG nor ARGS
            self.r.execute_command("MODULE", "LOADEX", SUMKEYS, "BOGUS", "a", "b")
        with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):   # an argument too long
            self.r.execute_command("MODULE", "LOAD", SUMKEYS, "x" * 5000)
        self.assertNotIn("sumkeys", module_names(self.r))

    def test_load_arguments_reach_the_module(self):
        """MODULE LOAD path args and LOADEX ... ARGS give the module its arguments
        (keel_module_args: sumkeys answers them with SUMKEYS.ARGS), binary-safe but for NUL."""
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", SUMKEYS, "a", "b c", ""), b"OK")
        self.assertEqual(self.r.execute_command("SUMKEYS.ARGS"), [b"a", b"b c", b""])
        self.assertEqual(self.r.execute_command("MODULE", "UNLOAD", "sumkeys"), b"OK")
        self.assertEqual(self.r.execute_command("MODULE", "LOADEX", SUMKEYS, "ARGS", "x", "CONFIG"), b"OK")
        self.assertEqual(self.r.execute_command("SUMKEYS.ARGS"), [b"x", b"CONFIG"])   # ARGS takes the rest
        self.assertEqual(self.r.execute_command("MODULE", "UNLOAD", "sumkeys"), b"OK")
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", SUMKEYS), b"OK")
        self.assertEqual(self.r.execute_command("SUMKEYS.ARGS"), [])   # a new load forgets the old ones
        with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):   # LOADEX: a name sumkeys lacks
            self.r.execute_command("MODULE", "LOADEX", HELLO, "CONFIG", "nosuch", "v", "ARGS", "a")
        self.assertNotIn("hello", module_names(self.r))

    def test_module_settings_in_config_get_set_and_loadex(self):
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", HELLO), b"OK")
        self.assertEqual(self.r.config_get("hello.greeting"), {"hello.greeting": "hello, world"})
        self.assertEqual(self.r.config_get("hello.*"), {"hello.greeting": "hello, world"})
        self.assertTrue(self.r.config_set("hello.greeting", "hi there"))
        clients = [self.srv.client() for _ in range(3)]
        for c in clients:
            self.assertEqual(c.execute_command("HELLO.WORLD"), b"hi there")
        with self.assertRaisesRegex(redis.ResponseError, "at most 200 bytes on one line"):
            self.r.config_set("hello.greeting", "two\nlines")
        self.assertEqual(clients[0].execute_command("HELLO.WORLD"), b"hi there")
        self.assertEqual(self.r.execute_command("MODULE", "UNLOAD", "hello"), b"OK")
        self.assertEqual(self.r.config_get("hello.greeting"), {})
        with self.assertRaisesRegex(redis.ResponseError, "Unknown option"):
            self.r.config_set("hello.greeting", "x")
        self.assertEqual(self.r.execute_command("MODULE", "LOADEX", HELLO, "CONFIG", "greeting", "yo"), b"OK")
        for c in clients:
            self.assertEqual(c.execute_command("HELLO.WORLD"), b"yo")
        self.r.execute_command("MODULE", "UNLOAD", "hello")
        for bad in (["CONFIG", "nosuch", "x"], ["CONFIG", "greeting", "a\nb"], ["CONFIG", "greeting"]):
            with self.assertRaisesRegex(redis.ResponseError, LOAD_FAILED):
                self.r.execute_command("MODULE", "LOADEX", HELLO, *bad)
            self.assertNotIn("hello", module_names(self.r))
        self.assertEqual(self.r.execute_command("MODULE", "LOADEX", HELLO, "CONFIG", "hello.greeting", "full", "ARGS"), b"OK")
        self.assertEqual(self.r.execute_command("HELLO.WORLD"), b"full")
        for c in clients:
            c.close()

    def test_unload_refusals(self):
        for name in ("nosuch", "core", "x" * 100):
            with self.assertRaisesRegex(redis.ResponseError, "^Error unloading module: no such module with that name$"):
                self.r.execute_command("MODULE", "UNLOAD", name)
        with self.assertRaisesRegex(redis.ResponseError, "its protocol 'resp' serves the network"):
            self.r.execute_command("MODULE", "UNLOAD", "resp")
        self.assertEqual(self.r.execute_command("PING"), True)
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", SUMKEYS), b"OK")
        self.assertEqual(self.r.execute_command("MAXREG.ADD", "m", 7), 7)

    def test_unload_keeps_values_as_opaque_blobs_and_reload_revives_them(self):
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", SUMKEYS), b"OK")
        clients = [self.srv.client() for _ in range(3)]
        for i in range(60):   # spread over every shard, written from connections on every thread
            clients[i % 3].execute_command("MAXREG.ADD", "m%d" % i, i)
            clients[i % 3].execute_command("MAXREG.ADD", "m%d" % i, i - 5)
        self.r.expire("m1", 1000)
        nsc = self.srv.client()
        nsc.execute_command("NS", "tenant", "app")
        nsc.execute_command("MAXREG.ADD", "inner", 9)
        nsc.set("plain", "s")
        self.r.set("str", "v")
        self.assertEqual(self.r.execute_command("MODULE", "UNLOAD", "sumkeys"), b"OK")
        self.assertEqual(self.r.type("m0"), b"maxreg")
        self.assertEqual(nsc.type("inner"), b"maxreg")
        self.assertEqual(self.r.object("encoding", "m0"), b"opaque")
        for c in clients:
            with self.assertRaisesRegex(redis.ResponseError, "^WRONGTYPE"):
                c.get("m2")
            with self.assertRaisesRegex(redis.ResponseError, "^WRONGTYPE"):
                c.lpush("m2", "x")
            with self.assertRaisesRegex(redis.ResponseError, "(?i)unknown command 'maxreg.add'"):
                c.execute_command("MAXREG.ADD", "m2", 1)
        self.assertEqual(self.r.get("str"), b"v")
        self.assertEqual(nsc.get("plain"), b"s")
        ttl = self.r.ttl("m1")
        self.assertTrue(0 < ttl <= 1000, ttl)
        self.assertTrue(self.r.rename("m3", "moved"))
        self.assertTrue(self.r.expire("m4", 5000))
        self.assertEqual(self.r.delete("m5"), 1)
        dumped = self.r.dump("m6")
        self.assertIsNotNone(dumped)
        self.assertEqual(self.r.save(), True)   # a snapshot writes the blobs back unchanged
        self.assertEqual(self.r.dbsize(), 60 + 1 - 1 + 1)   # m0..m59 less m5, str, tenant
        self.assertEqual(self.r.execute_command("MODULE", "LOAD", SUMKEYS), b"OK")
        def maximum(c, key):   # adding a smaller number answers the maximum kept
            return c.execute_command("MAXREG.ADD", key, -1000)
        self.assertEqual(maximum(self.r, "m0"), 0)
        self.assertEqual(maximum(self.r, "moved"), 3)
        self.assertEqual(maximum(clients[2], "m59"), 59)
        self.assertNotEqual(self.r.object("encoding", "m0"), b"opaque")
        self.assertTrue(0 < self.r.ttl("m1") <= 1000)
        self.assertTrue(1000 < self.r.ttl("m4") <= 5000)
        self.assertEqual(maximum(nsc, "inner"), 9)
        self.assertEqual(clients[1].execute_command("MAXREG.ADD", "m7", 100), 100)
        self.assertEqual(self.r.execute_command("SUMKEYS", "m8", "m9"), [17, 2])   # maxregs count by their maximum
        self.assertEqual(self.r.exists("m5"), 0)
        for c in clients + [nsc]:
            c.close()

    def test_type_module_cycles_keep_every_value(self):
        self.r.execute_command("MODULE", "LOAD", SUMKEYS)
        for i in range(100):
            self.r.execute_command("MAXREG.ADD", "v%d" % i, i)
        stop = threading.Event()
        errors = []
        adds = [0]

        def adder():   # raises v0's maximum by one each time the command is there
            c = self.srv.client()
            n = 1000
            while not stop.is_set():
                try:
                    if c.execute_command("MAXREG.ADD", "v0", n) != n:
                        errors.append("v0 lost its maximum")
                    adds[0] = n
                    n += 1
                except redis.ResponseError as e:
                    if "unknown command" not in str(e).lower():
                        errors.append(str(e))
            c.close()

        t = threading.Thread(target=adder)
        t.start()
        for cycle in range(50):
            while True:
                try:
                    self.r.execute_command("MODULE", "UNLOAD", "sumkeys")
                    break
                except redis.ResponseError as e:
                    self.assertRegex(str(e), "running or blocked commands")
            self.assertEqual(self.r.type("v%d" % (cycle + 1)), b"maxreg")
            self.r.execute_command("MODULE", "LOAD", SUMKEYS)
        stop.set()
        t.join(120)
        self.assertEqual(errors, [])
        for i in range(1, 100):
            self.assertEqual(self.r.execute_command("MAXREG.ADD", "v%d" % i, -1), i)
        self.assertEqual(self.r.execute_command("MAXREG.ADD", "v0", -1), max(adds[0], 0))

    def test_unload_refused_while_a_command_is_blocked(self):
        blocked = self.srv.client()
        done = []
        t = threading.Thread(target=lambda: done.append(blocked.blpop("q", 0)))
        t.start()
        wait_blocked(self.r, 1)
        with self.assertRaisesRegex(redis.ResponseError, "the module has 1 running or blocked commands"):
            self.r.execute_command("MODULE", "UNLOAD", "lists")
        self.r.rpush("q", "x")
        t.join(60)
        self.assertEqual(done, [(b"q", b"x")])
        self.assertEqual(self.r.rpush("q", "y"), 1)   # lists still loaded and working
        blocked.close()

    def test_unload_refused_while_queued_in_multi(self):
        self.r.execute_command("MODULE", "LOAD", HELLO)
        c = self.srv.client()
        conn = c.connection_pool.get_connection("MULTI")
        conn.send_command("MULTI")
        self.assertEqual(conn.read_response(), b"OK")
        conn.send_command("HELLO.WORLD")
        self.assertEqual(conn.read_response(), b"QUEUED")
        with self.assertRaisesRegex(redis.ResponseError, "1 clients have its commands queued in MULTI"):
            self.r.execute_command("MODULE", "UNLOAD", "hello")
        conn.send_command("EXEC")
        self.assertEqual(conn.read_response(), [b"hello, world"])
        c.connection_pool.release(conn)
        self.assertEqual(self.r.execute_command("MODULE", "UNLOAD", "hello"), b"OK")
        c.close()

    def test_load_unload_cycles_while_clients_run_commands(self):
        stop = threading.Event()
        errors = []
        sets = [0, 0]   # keys each data client wrote and read back

        def hello_client():
            c = self.srv.client()
            while not stop.is_set():
                try:
                    reply = c.execute_command("HELLO.WORLD", "x")
                    if reply != b"x":
                        errors.append(repr(reply))
                except redis.ResponseError as e:
                    if "unknown command 'hello.world'" not in str(e).lower():
                        errors.append(str(e))
                except Exception as e:   # noqa: BLE001 -- any other failure is reported
                    errors.append(repr(e))
                    return
            c.close()

        def data_client(n):
            c = self.srv.client()
            i = 0
            while not stop.is_set():
                try:
                    c.set("k%d:%d" % (n, i), i)
                    if c.get("k%d:%d" % (n, i)) != b"%d" % i:
                        errors.append("k%d:%d lost" % (n, i))
                    sets[n] += 1
                except Exception as e:   # noqa: BLE001
                    errors.append(repr(e))
                    return
                i += 1
            c.close()

        workers = [threading.Thread(target=hello_client) for _ in range(3)]
        workers += [threading.Thread(target=data_client, args=(n,)) for n in range(2)]
        for w in workers:
            w.start()
        admin = self.srv.client()
        for _ in range(200):
            self.assertEqual(admin.execute_command("MODULE", "LOAD", HELLO), b"OK")
            self.assertEqual(admin.execute_command("HELLO.WORLD", "y"), b"y")
            while True:
                try:
                    self.assertEqual(admin.execute_command("MODULE", "UNLOAD", "hello"), b"OK")
                    break
                except redis.ResponseError as e:   # a client's HELLO.WORLD in flight: go again
                    self.assertRegex(str(e), "running or blocked commands")
        stop.set()
        for w in workers:
            w.join(120)
        self.assertEqual(errors, [])
        self.assertGreater(min(sets), 0)
        self.assertEqual(self.r.dbsize(), sum(sets))
        self.assertNotIn("hello", module_names(self.r))
        admin.close()


class ConfigFileSettingsTest(unittest.TestCase):
    def test_module_configs_from_the_json_config(self):
        config = {"modules": ["resp", "hello"], "module_dir": [MODULE_DIR, os.path.dirname(HELLO)],
                  "module_configs": {"hello.greeting": "from the file"}, "threads": 2,
                  "networks": [{"name": "main", "port": 0}]}
        srv = KeelConfigServer(config)
        i = srv.cmd.index("--module-dir")   # the config's path, not the harness's flag
        del srv.cmd[i:i + 2]
        with srv:
            r = srv.client("main")
            self.assertEqual(r.execute_command("HELLO.WORLD"), b"from the file")
            self.assertEqual(r.config_get("hello.greeting"), {"hello.greeting": "from the file"})


class ConfigFileArgumentsTest(unittest.TestCase):
    def test_module_args_from_the_json_config(self):
        config = {"modules": ["resp", "sumkeys"], "module_dir": [MODULE_DIR, os.path.dirname(SUMKEYS)],
                  "module_args": {"sumkeys": ["from", "the file"], "nosuch": ["ignored"]}, "threads": 2,
                  "networks": [{"name": "main", "port": 0}]}
        srv = KeelConfigServer(config)
        i = srv.cmd.index("--module-dir")
        del srv.cmd[i:i + 2]
        with srv:
            r = srv.client("main")
            self.assertEqual(r.execute_command("SUMKEYS.ARGS"), [b"from", b"the file"])

    def test_bad_module_args_stop_the_start(self):
        for bad in ({"sumkeys": "not a list"}, {"sumkeys": [1, 2]}, ["sumkeys"]):
            config = {"modules": ["resp"], "module_args": bad, "networks": [{"name": "main", "port": 0}]}
            path = os.path.join(tempfile.mkdtemp(prefix="keel-modargs-"), "keel.json")
            with open(path, "w") as f:
                json.dump(config, f)
            out = subprocess.run([SERVER, "--check-config", path], capture_output=True, text=True,
                                 timeout=60)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("$.module_args", out.stdout + out.stderr)


class SnapshotBlobTest(unittest.TestCase):
    """A snapshot holding values of a module that is not loaded at start: kept opaque, written
    back unchanged by the next snapshot, live again once the module is loaded."""

    def test_values_survive_a_start_without_their_module(self):
        d = tempfile.mkdtemp(prefix="keel-blob-")
        mods = ["resp", "strings", "maps"]
        with KeelServer("--dir", d, modules=mods, threads=2) as srv:
            r = srv.client()
            self.assertEqual(r.execute_command("MODULE", "LOAD", SUMKEYS), b"OK")
            for i in range(30):
                r.execute_command("MAXREG.ADD", "k%d" % i, i * 10)
            ns = srv.client()
            ns.execute_command("NS", "deep", "er")
            ns.execute_command("MAXREG.ADD", "x", 77)
            r.set("s", "1")
            self.assertTrue(r.save())
        with KeelServer("--dir", d, modules=mods, threads=2) as srv:   # no sumkeys at start
            r = srv.client()
            self.assertEqual(r.type("k3"), b"maxreg")
            self.assertEqual(r.object("encoding", "k3"), b"opaque")
            self.assertEqual(r.get("s"), b"1")
            self.assertTrue(r.rename("k4", "k4b"))
            self.assertTrue(r.save())   # written back unchanged
        with KeelServer("--dir", d, modules=mods, threads=2) as srv:
            r = srv.client()
            self.assertEqual(r.type("k4b"), b"maxreg")
            self.assertEqual(r.execute_command("MODULE", "LOAD", SUMKEYS), b"OK")
            for i in range(30):
                key = "k4b" if i == 4 else "k%d" % i
                self.assertEqual(r.execute_command("MAXREG.ADD", key, -1), i * 10)
            ns = srv.client()
            ns.execute_command("NS", "deep", "er")
            self.assertEqual(ns.execute_command("MAXREG.ADD", "x", -1), 77)


if __name__ == "__main__":
    unittest.main()
