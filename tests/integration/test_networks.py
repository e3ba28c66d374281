"""test_networks.py -- one server, several networks, each rule checked through real clients.

The config follows the issue's example: an app network on a port the system picks (its on_startup
program receives that port), a TLS network for admin and stats, an admin network answering in
JSON, a stats-only network, a tenant locked to a namespace on ::1, a read-only network, a network
with a password, and memcached networks.
"""
import json
import os
import re
import shutil
import socket
import stat
import tempfile
import time
import unittest

import redis

from keel_harness import KeelConfigServer, MODULE_DIR, make_certs, wait_until

WANTED = ["resp", "memcache", "mcitems", "strings", "lists", "sets", "hll", "maps"]

RECORD = b"""#!/bin/sh
# on_startup: write the arguments where the test finds them, then exit with the status asked
echo "$@" > "$(dirname "$0")/startup-$1.txt"
case "$1" in ops) exit 3 ;; esac
exit 0
"""


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def lines_of(sock, count, timeout=60):
    """Reads count newline-terminated lines from sock."""
    sock.settimeout(timeout)
    buf = b""
    while buf.count(b"\n") < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf.split(b"\n")[:count]


def read_file(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def wait_for(what, predicate, timeout=60.0):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class Networks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="keel-nets-")
        cls.c = make_certs(cls.tmp)
        c = cls.c
        modules = [m for m in WANTED if have_module(m)]
        nets = [
            {"name": "app", "host": "127.0.0.1", "port": 0, "protocol": "resp", "permissions": ["read", "write"],
             "on_startup": "./record.sh"},
            {"name": "ops", "host": "127.0.0.1", "port": 0, "protocol": "resp", "permissions": ["admin", "stats"],
             "tls": {"certs": [{"cert": c["rsa_crt"], "key": c["rsa_key"]}, {"cert": c["ec_crt"], "key": c["ec_key"]}]},
             "on_startup": ["/bin/sh", "record.sh"]},
            {"name": "admin", "host": "127.0.0.1", "port": 0, "protocol": "resp",
             "permissions": ["admin", "stats", "read", "write"], "reply_syntax": "json"},
            {"name": "stats", "host": "127.0.0.1", "port": 0, "protocol": "resp", "permissions": ["stats"]},
            {"name": "tenant", "host": "::1", "port": 0, "protocol": "resp", "permissions": ["read", "write"],
             "namespace": "ns tenant1", "namespace_locked": True},
            {"name": "tenantadmin", "host": "::1", "port": 0, "protocol": "resp",
             "permissions": ["read", "write", "admin"], "namespace": "ns tenant1", "namespace_locked": True},
            {"name": "ro", "host": "127.0.0.1", "port": 0, "protocol": "resp", "permissions": ["read"]},
            {"name": "secret", "host": "127.0.0.1", "port": 0, "protocol": "resp", "requirepass": "s3cret"},
        ]
        if "memcache" in modules:
            nets += [{"name": "mc", "host": "127.0.0.1", "port": 0, "protocol": "memcache",
                      "permissions": ["read", "write"]},
                     {"name": "mcro", "host": "127.0.0.1", "port": 0, "protocol": "memcache", "permissions": ["read"]}]
        cls.srv = KeelConfigServer({"modules": modules, "threads": 2, "networks": nets},
                                   files={"record.sh": RECORD})
        os.chmod(os.path.join(cls.srv.dir, "record.sh"), stat.S_IRWXU)
        cls.srv.start()
        cls.modules = modules

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def r(self, name, **kw):
        if name == "ops":
            return self.srv.client(name, ssl=True, ssl_ca_certs=self.c["ca"], ssl_cert_reqs="required", **kw)
        return self.srv.client(name, **kw)

    def stats(self, *sections):
        return json.loads(self.r("ops").execute_command("STATS", *sections))

    def need(self, module):
        if module not in self.modules:
            self.skipTest(module + " module not built")

    # ---- ports and on_startup ----

    def test_random_port_is_reported_in_the_log_stats_and_on_startup(self):
        port = self.srv.ports["app"]
        self.assertNotEqual(port, 0)
        wait_until("the listening log line", lambda: re.search(
            r"network app: resp listening on 127\.0\.0\.1:%d \(port chosen" % port, self.srv.read_log()))
        self.assertEqual(self.stats("network")["network"]["app"]["port"], port)
        self.assertEqual(self.stats("network")["network"]["app"]["configured_port"], 0)
        record = os.path.join(self.srv.dir, "startup-app.txt")
        wait_for("on_startup of app", lambda: read_file(record).endswith("\n"))
        with open(record) as f:
            self.assertEqual(f.read().split(), ["app", "127.0.0.1", str(port), "notls", "resp"])
        record = os.path.join(self.srv.dir, "startup-ops.txt")
        wait_for("on_startup of ops", lambda: read_file(record).endswith("\n"))
        with open(record) as f:
            self.assertEqual(f.read().split(), ["ops", "127.0.0.1", str(self.srv.ports["ops"]), "tls", "resp"])

    def test_on_startup_exit_status_is_logged(self):
        wait_for("exit status of app", lambda: re.search(r"network app: on_startup \S+ \(pid \d+\) exited with status 0",
                                                         self.srv.read_log()))
        wait_for("exit status of ops", lambda: re.search(r"network ops: on_startup \S+ \(pid \d+\) exited with status 3",
                                                         self.srv.read_log()))

    def test_stats_network_lists_every_network(self):
        nets = self.stats("network")["network"]
        self.assertEqual(set(nets), set(self.srv.ports))
        for name, port in self.srv.ports.items():
            self.assertEqual(nets[name]["port"], port)
        self.assertEqual(nets["tenant"]["host"], "::1")
        self.assertEqual(nets["tenant"]["namespace"], "ns tenant1")
        self.assertTrue(nets["tenant"]["namespace_locked"])
        self.assertEqual(nets["admin"]["reply_syntax"], "json")
        self.assertEqual(nets["ops"]["permissions"], ["admin", "stats"])
        self.assertTrue(nets["secret"]["requirepass"])
        self.assertEqual(nets["ops"]["tls"]["key_types"], "RSA,ECDSA")

    # ---- the TLS admin/stats network ----

    def test_tls_admin_network(self):
        out = self.srv.cli("ops", "STATS", "process", tls=["--tls", "--cacert", self.c["ca"]])
        self.assertEqual(json.loads(out)["process"]["pid"], self.srv.proc.pid)
        ops = self.r("ops")
        self.assertEqual(ops.execute_command("ADMIN", "LOGLEVEL"), b"notice")
        with self.assertRaises(redis.ResponseError) as e:
            ops.set("k", "v")
        self.assertIn("needs the write permission", str(e.exception))
        with self.assertRaises(redis.ResponseError) as e:
            ops.get("k")
        self.assertIn("needs the read permission", str(e.exception))
        self.assertEqual(ops.execute_command("ADMIN", "TLS", "RELOAD"), 1)

    # ---- JSON replies on the admin network ----

    def test_admin_network_answers_in_json(self):
        s = self.srv.raw("admin")
        s.sendall(b"SET j:a 41\r\nINCR j:a\r\nGET j:a\r\nGET j:none\r\nFOO\r\nCONFIG GET maxclients\r\n"
                  b"STATS log\r\nPING\r\n")
        got = [json.loads(line) for line in lines_of(s, 8)]
        s.close()
        if not have_module("strings"):
            return
        self.assertEqual(got[0], "OK")
        self.assertEqual(got[1], 42)
        self.assertEqual(got[2], "42")
        self.assertIsNone(got[3])
        self.assertTrue(got[4]["error"].startswith("ERR unknown command 'FOO'"))
        self.assertEqual(got[5], {"maxclients": "10000"})
        self.assertEqual(got[6]["log"]["level"], "notice")
        self.assertEqual(got[7], "PONG")

    # ---- the stats-only network ----

    def test_stats_network_allows_only_stats_info_and_ping(self):
        r = self.r("stats")
        self.assertTrue(r.ping())
        self.assertIn("redis_version", r.info())
        self.assertIn("process", json.loads(r.execute_command("STATS")))
        self.assertEqual(json.loads(r.execute_command("SELF", "STATS"))["network"], "stats")
        refused = [("SET", "k", "v"), ("GET", "k"), ("DEL", "k"), ("KEYS", "*"), ("DBSIZE",), ("FLUSHALL",),
                   ("CONFIG", "SET", "loglevel", "debug"), ("SHUTDOWN",), ("DEBUG", "ZVM", "SPIN", "1"),
                   ("MODULE", "LIST"), ("ADMIN", "LOGLEVEL"), ("ADMIN", "TLS", "RELOAD"), ("SCAN", "0"),
                   ("EXPIRE", "k", "1"), ("TTL", "k"), ("RANDOMKEY",)]
        for cmd in refused:
            with self.assertRaises(redis.ResponseError, msg=cmd) as e:
                r.execute_command(*cmd)
            self.assertIn("this network does not allow", str(e.exception), cmd)
        self.assertTrue(r.ping())     # the server is still there (SHUTDOWN was refused)

    # ---- permissions and passwords ----

    def test_read_only_network_refuses_writes(self):
        self.need("strings")
        self.r("app").set("ro:k", "v")
        ro = self.r("ro")
        self.assertEqual(ro.get("ro:k"), b"v")
        with self.assertRaises(redis.ResponseError) as e:
            ro.set("ro:k", "w")
        self.assertIn("NOPERM", self.srv.cli("ro", "SET", "ro:k", "w"))
        self.assertIn("needs the write permission", str(e.exception))
        self.assertEqual(self.r("app").get("ro:k"), b"v")

    def test_requirepass_network_needs_auth(self):
        r = self.r("secret")
        with self.assertRaises(redis.AuthenticationError):
            r.get("k")
        with self.assertRaises((redis.AuthenticationError, redis.ResponseError)):
            self.r("secret", password="wrong").ping()
        self.assertTrue(self.r("secret", password="s3cret").ping())
        self.assertTrue(self.r("app").ping())      # other networks need no password

    def test_memcache_networks_follow_their_permissions(self):
        self.need("memcache")
        self.need("mcitems")
        s = self.srv.raw("mc")
        s.sendall(b"set mck 0 0 1\r\nx\r\nget mck\r\n")
        self.assertEqual(lines_of(s, 4)[:4], [b"STORED\r", b"VALUE mck 0 1\r", b"x\r", b"END\r"])
        s.close()
        s = self.srv.raw("mcro")
        s.sendall(b"get mck\r\nset mck 0 0 1\r\ny\r\n")
        out = lines_of(s, 4)
        s.close()
        self.assertEqual(out[:3], [b"VALUE mck 0 1\r", b"x\r", b"END\r"])
        self.assertIn(b"permission", out[3])

    # ---- the locked tenant ----

    def test_locked_tenant_never_sees_or_touches_keys_outside(self):
        self.need("strings")
        app, tenant = self.r("app"), self.r("tenant")
        app.set("outside", "app's")
        tenant.set("inside", "tenant's")
        tenant.set("outside", "tenant's own")
        self.assertEqual(app.get("outside"), b"app's")
        self.assertEqual(tenant.get("outside"), b"tenant's own")
        self.assertEqual(sorted(tenant.keys("*")), [b"inside", b"outside"])
        self.assertNotIn(b"inside", app.keys("*"))
        self.assertIn(b"tenant1", app.keys("*"))
        self.assertEqual(tenant.delete("outside"), 1)
        self.assertEqual(app.get("outside"), b"app's")       # the tenant deleted its own
        self.assertEqual(tenant.exists("outside"), 0)
        for _ in range(50):
            self.assertIn(tenant.randomkey(), (b"inside", None))
        cursor, seen = 0, set()
        while True:
            cursor, keys = tenant.scan(cursor)
            seen.update(keys)
            if cursor == 0:
                break
        self.assertEqual(seen, {b"inside"})
        tenant.flushall()                                     # empties the tenant only
        self.assertEqual(app.get("outside"), b"app's")
        self.assertEqual(tenant.keys("*"), [])

    def test_tenant_cannot_leave_its_namespace_even_with_nsreset(self):
        self.need("maps")
        self.need("strings")
        self.r("app").set("top-secret", "x")
        tenant = self.r("tenant")
        with self.assertRaises(redis.ResponseError) as e:
            tenant.execute_command("NSRESET")
        self.assertIn("needs the admin permission", str(e.exception))
        admin = self.r("tenantadmin", single_connection_client=True)
        admin.set("mine", "1")
        self.assertEqual(admin.execute_command("NSRESET"), b"OK")          # allowed, but stays locked
        self.assertIsNone(admin.get("top-secret"))
        self.assertEqual(admin.get("mine"), b"1")
        self.assertNotIn(b"top-secret", admin.keys("*"))
        admin.execute_command("NS", "deeper")
        admin.set("deep", "2")
        admin.execute_command("NSRESET")
        self.assertEqual(admin.get("mine"), b"1")
        where = admin.execute_command("WHEREAMI")
        self.assertIn(b"tenant1", where if isinstance(where, list) else [where])
        self.assertEqual(self.r("app").get("top-secret"), b"x")

    # ---- counters ----

    def test_per_network_counters(self):
        before = self.stats("network")["network"]["ro"]
        r = self.r("ro")
        for _ in range(10):
            r.ping()
        with self.assertRaises(redis.ResponseError):
            r.execute_command("NOSUCHCOMMAND")
        after = wait_for("counters", lambda: (lambda n: n if n["commands"] >= before["commands"] + 11 else None)(
            self.stats("network")["network"]["ro"]))
        self.assertGreaterEqual(after["commands"], before["commands"] + 11)
        self.assertGreaterEqual(after["errors"], before["errors"] + 1)
        self.assertGreater(after["bytes_in"], before["bytes_in"])
        self.assertGreater(after["bytes_out"], before["bytes_out"])
        self.assertGreaterEqual(after["connections_total"], before["connections_total"] + 1)
        self.assertGreaterEqual(after["connections"], 1)
        me = json.loads(r.execute_command("SELF", "STATS"))
        self.assertEqual(me["network"], "ro")
        self.assertEqual(me["protocol"], "resp")
        self.assertGreaterEqual(me["commands"], 11)
        self.assertGreaterEqual(me["errors"], 1)
        self.assertIsNone(me["namespace"])
        tenant_me = json.loads(self.r("tenant").execute_command("SELF", "STATS"))
        self.assertEqual(tenant_me["namespace"], "ns tenant1")
        self.assertEqual(tenant_me["namespace_locked"], "ns tenant1")


if __name__ == "__main__":
    unittest.main(verbosity=2)
